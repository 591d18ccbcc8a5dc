"""The registry of overseen bodies: regions ⊃ systems (ICSs) ⊃ organisations.

Every body that submits a return or is segmented is an `Organisation`: trusts, CCGs, GP
practices (stress scale only) and the ICS itself as a body (kind ICS, same ODS code as its
`System`). `System` and `Region` are the hierarchy that role scopes hang from.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Concat


class ScopeNode(models.Model):
    """What a role can be scoped to. The permissions are granted per node by django-guardian."""

    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    ons_code = models.CharField("ONS code", max_length=12, blank=True)
    name = models.CharField(max_length=200)

    class Meta:
        abstract = True
        ordering = ["name"]
        default_permissions = ("view",)
        permissions = [
            ("submit_return", "Upload and submit quarterly returns"),
            ("sign_off_return", "Sign off quarterly returns"),
            ("review_return", "Accept or send back quarterly returns"),
            ("reopen_return", "Reopen a locked return"),
            ("decide_segment", "Record, confirm or send back segmentation decisions"),
            ("publish_segmentation", "Publish a quarter's segmentation decisions"),
            ("record_system_view", "Record the ICS lead's view on segmentation"),
            ("open_case", "Open support cases and appoint their leads"),
            ("run_oversight", "Record ICS agreements, oversight meetings and specific concerns"),
            ("edit_registry", "Edit registry details such as a trust's sector"),
            ("edit_catalogue", "Edit the metric catalogue and the quarters"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"


class Region(ScopeNode):
    """One of the seven NHS England regions (ODS Y56…Y63, ONS E40…)."""

    class Meta(ScopeNode.Meta):
        pass


class System(ScopeNode):
    """An integrated care system (an STP in 2021/22 files), e.g. QE1."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="systems")

    class Meta(ScopeNode.Meta):
        verbose_name = "system (ICS)"
        verbose_name_plural = "systems (ICSs)"


class OrganisationKind(models.TextChoices):
    ICS = "ics", "Integrated care system"
    CCG = "ccg", "Clinical commissioning group"
    TRUST = "trust", "NHS trust"
    PRACTICE = "practice", "GP practice"


class Sector(models.TextChoices):
    ACUTE = "acute", "Acute"
    MENTAL_HEALTH = "mental_health", "Mental health"
    COMMUNITY = "community", "Community"
    AMBULANCE = "ambulance", "Ambulance"
    SPECIALIST = "specialist", "Specialist"


class SectorSource(models.TextChoices):
    SUPPLIED = "supplied", "Supplied in the import"
    GUESSED = "guessed", "Guessed from the name"
    EDITED = "edited", "Edited by a user"


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def open_on(self, day: object) -> OrganisationQuerySet:
        return self.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=day)).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=day)
        )


class Organisation(ScopeNode):
    """An overseen body: an ICS, a CCG, a trust (with its sector) or a GP practice.

    `peer_group` is who it is compared with (SOF 2021/22): ICSs with ICSs, CCGs with CCGs,
    trusts with trusts of the same sector ("trust:acute", …).
    """

    kind = models.CharField(max_length=10, choices=OrganisationKind.choices)
    sector = models.CharField(max_length=20, choices=Sector.choices, blank=True)
    sector_source = models.CharField(max_length=10, choices=SectorSource.choices, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations")
    system = models.ForeignKey(
        System, on_delete=models.PROTECT, related_name="organisations", null=True, blank=True
    )
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    successor = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="predecessors"
    )
    # Derived in the database so bulk loads and raw SQL can never disagree with it.
    peer_group = models.GeneratedField(
        expression=Case(
            When(kind=OrganisationKind.TRUST, then=Concat(Value("trust:"), "sector")),
            default=F("kind"),
        ),
        output_field=models.CharField(max_length=40),
        db_persist=True,
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta(ScopeNode.Meta):
        indexes = [models.Index(fields=["region", "system", "kind"])]
        constraints = [
            models.CheckConstraint(
                name="sector_only_for_trusts",
                condition=Q(kind="trust") | Q(sector=""),
            ),
            models.CheckConstraint(
                name="closed_after_opened",
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gte=models.F("opened_on")),
            ),
        ]

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def sector_is_guess(self) -> bool:
        return self.sector_source == SectorSource.GUESSED
