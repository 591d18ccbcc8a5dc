"""A support case: one body (or a whole system) in a support programme, from entry to exit.

Access to a case is a django-guardian object permission held by the case (DESIGN.md "Apps"):
the SID or lead appointed to it holds ``view_case``, ``work_case`` and ``see_internal``; an
action's owner holds ``view_case``. Those who oversee the body (national, its region, its ICS
lead) reach it through their scope, and the body's own users see it without internal notes
(``rsp.access``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from oversight.models import Organisation, System
from rsp.models.programmes import Programme
from segmentation.models import SegmentDecision

USER = settings.AUTH_USER_MODEL


class CaseState(models.TextChoices):
    OPEN = "open", "Open"
    EXITED = "exited", "Exited"
    WITHDRAWN = "withdrawn", "Withdrawn"


class CaseRoute(models.TextChoices):
    DECISION = "decision", "Regional segmentation decision"
    NATIONAL = "national", "National decision for a whole system"


class Case(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(
        System,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set when the case is for the whole system (its ICS body is the organisation)",
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="cases")
    decision = models.ForeignKey(
        SegmentDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    segment = models.PositiveSmallIntegerField(help_text="The segment the body entered in")
    state = models.CharField(max_length=10, choices=CaseState.choices, default=CaseState.OPEN)
    route = models.CharField(max_length=10, choices=CaseRoute.choices)
    entered_on = models.DateField()
    cqc_recommended_entry = models.BooleanField(
        default=False, help_text="Entry was on the Care Quality Commission's recommendation"
    )
    lead = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # RSP: the SID is appointed jointly by the system, the region and the national team.
    system_party = models.CharField(max_length=200, blank=True)
    regional_party = models.CharField(max_length=200, blank=True)
    national_party = models.CharField(max_length=200, blank=True)
    reports_to = models.CharField(
        max_length=200, blank=True, help_text="The system lead the SID reports to"
    )
    indicative_exit_on = models.DateField(null=True, blank=True)
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    # The exit decision.
    exited_on = models.DateField(null=True, blank=True)
    exit_decision = models.TextField(blank=True)
    exit_segment = models.PositiveSmallIntegerField(null=True, blank=True)
    exited_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-entered_on", "-id"]
        permissions = [
            ("work_case", "Run the case: stocktake, plan, criteria, reviews"),
            ("see_internal", "See the case's internal-only notes"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "programme"],
                condition=Q(state="open"),
                name="one_open_case_per_programme",
            ),
            models.CheckConstraint(
                name="exit_recorded_when_exited",
                condition=~Q(state="exited")
                | Q(exited_on__isnull=False, exit_segment__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["state", "organisation"])]

    def __str__(self) -> str:
        return f"Case {self.pk}: {self.programme.name}"

    def get_absolute_url(self) -> str:
        return f"/cases/{self.pk}/"

    @property
    def reference(self) -> str:
        """How segmentation's support entry names this case."""
        return f"rsp-case:{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state == CaseState.OPEN

    @property
    def subject_name(self) -> str:
        return f"{self.system.name} (whole system)" if self.system else self.organisation.name


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
