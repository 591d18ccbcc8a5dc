"""The catalogue's models: editions, themes, metrics, quarters and the catalogue's history."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from metrics.engine.kinds import (
    Frequency,
    Polarity,
    QuarterBasis,
    RollupMethod,
    ValueType,
    choices,
)
from oversight.models import Organisation, OrganisationKind, System


class Methodology(models.TextChoices):
    SOF_2021_22 = "sof_2021_22", "System Oversight Framework 2021/22"
    NOF_2025_26 = "nof_2025_26", "NHS Oversight Framework 2025/26"


class FrameworkEdition(models.Model):
    """A year's framework: its metric catalogue and the methodology that segments with it."""

    code = models.SlugField(max_length=20, unique=True, help_text='e.g. "sof-2021-22"')
    name = models.CharField(max_length=200)
    methodology = models.CharField(max_length=20, choices=Methodology.choices)
    catalogue_version = models.PositiveIntegerField(
        default=1, help_text="Raised by one each time the catalogue is loaded or edited."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A SOF 2021/22 theme or NOF 2025/26 domain."""

    edition = models.ForeignKey(FrameworkEdition, on_delete=models.CASCADE, related_name="themes")
    slug = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["edition", "order"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "slug"], name="unique_theme_per_edition")
        ]

    def __str__(self) -> str:
        return self.name


class ExactFractionField(models.CharField):
    """A positive exact fraction, stored as its text in lowest terms ("1", "1/3", "5/4") and
    read back as a ``Fraction``: a weight of one third is 1/3, not 0.3333."""

    description = "An exact fraction"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Fraction | None:
        return None if value is None else Fraction(str(value))

    def to_python(self, value: Any) -> Fraction | None:
        if value is None or isinstance(value, Fraction):
            return value
        try:
            return Fraction(str(value).strip())
        except (ValueError, ZeroDivisionError):
            raise ValidationError(f'"{value}" is not a fraction such as 1/3.') from None

    def get_prep_value(self, value: Any) -> str | None:
        exact = self.to_python(value)
        return None if exact is None else str(exact)

    def value_to_string(self, obj: models.Model) -> str:
        return str(self.get_prep_value(self.value_from_object(obj)))


APPLICABILITY = ("ics", "ccg", "acute", "mental_health", "community", "ambulance", "specialist")


def body_group(organisation: Organisation) -> str:
    """The catalogue's applicability word for a body: its kind, or a trust's sector."""
    return organisation.sector if organisation.kind == OrganisationKind.TRUST else organisation.kind


class Metric(models.Model):
    """One metric of an edition's catalogue (DESIGN.md "Framework editions and the catalogue")."""

    edition = models.ForeignKey(FrameworkEdition, on_delete=models.CASCADE, related_name="metrics")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=300)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="metrics")
    applies_to = models.CharField(
        max_length=120, help_text="Space-separated: " + " ".join(APPLICABILITY)
    )
    polarity = models.CharField(max_length=20, choices=choices(Polarity))
    unit = models.CharField(max_length=80)
    value_type = models.CharField(max_length=20, choices=choices(ValueType))
    frequency = models.CharField(max_length=20, choices=choices(Frequency))
    quarter_basis = models.CharField(max_length=10, choices=choices(QuarterBasis), blank=True)
    valid_min = models.FloatField(null=True, blank=True)
    valid_max = models.FloatField(null=True, blank=True)
    standard = models.FloatField(null=True, blank=True)
    floor = models.FloatField(null=True, blank=True)
    score_map = models.CharField(max_length=300, blank=True)
    weight = ExactFractionField(
        default="1", help_text="Its weight in an average metric score, exactly: 1, 1/3, 3/2"
    )
    scored = models.BooleanField(default=True)
    definition = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True)
    # The system lens (issue 13): how an ICS's value is derived from its organisations' values,
    # and the local strategic priority metrics an ICS agrees with its region.
    rollup = models.CharField(
        max_length=20,
        choices=choices(RollupMethod),
        blank=True,
        help_text="How an ICS's value is derived from its organisations' (blank: it is not)",
    )
    rollup_per = models.FloatField(
        null=True, blank=True, help_text="A ratio roll-up is per this many (100: a percentage)"
    )
    local_to = models.ForeignKey(
        System,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="local_metrics",
        help_text="A local metric: seen only by this ICS, its region and national users",
    )

    class Meta:
        ordering = ["edition", "code"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="unique_metric_code"),
            models.CheckConstraint(
                name="monthly_metrics_have_a_basis",
                condition=Q(frequency="quarterly", quarter_basis="")
                | (Q(frequency="monthly") & ~Q(quarter_basis="")),
            ),
            models.CheckConstraint(
                name="valid_range_ordered",
                condition=Q(valid_min__isnull=True)
                | Q(valid_max__isnull=True)
                | Q(valid_min__lte=models.F("valid_max")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def applicable_groups(self) -> frozenset[str]:
        return frozenset(self.applies_to.split())

    def applies_to_body(self, organisation: Organisation) -> bool:
        return body_group(organisation) in self.applicable_groups

    @property
    def exact_weight(self) -> Fraction:
        """The metric's weight in an average metric score, exactly (read weights only here)."""
        return Fraction(self.weight)  # a Fraction once read; what a caller set, before saving


class Period(models.Model):
    """A financial-year quarter, e.g. 2021-22 Q3 (1 October – 31 December 2021)."""

    year = models.PositiveSmallIntegerField(help_text="The financial year's first calendar year")
    quarter = models.PositiveSmallIntegerField(choices=[(q, f"Q{q}") for q in range(1, 5)])
    start = models.DateField()
    end = models.DateField()
    opens_on = models.DateField(help_text="Returns can be submitted from this day")
    due_on = models.DateField(help_text="Returns are late after this day")
    closes_on = models.DateField(help_text="Returns are locked after this day")

    class Meta:
        ordering = ["year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="unique_quarter"),
            models.CheckConstraint(
                name="window_in_order",
                condition=Q(opens_on__lte=models.F("due_on"))
                & Q(due_on__lte=models.F("closes_on")),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.quarter}"

    @property
    def slug(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}-q{self.quarter}"

    def month_ends(self) -> list[date]:
        """The last day of each of the quarter's three months."""
        ends = []
        for offset in range(3):
            month = (self.start.month + offset - 1) % 12 + 1
            year = self.start.year + (self.start.month + offset - 1) // 12
            following = date(year + month // 12, month % 12 + 1, 1)
            ends.append(date.fromordinal(following.toordinal() - 1))
        return ends


class CatalogueEvent(models.Model):
    """The catalogue's history: each load or edit raises the edition's catalogue version."""

    class Action(models.TextChoices):
        LOADED = "loaded", "Loaded from CSV"
        EDITED = "edited", "Edited"

    edition = models.ForeignKey(
        FrameworkEdition, on_delete=models.CASCADE, related_name="catalogue_events"
    )
    catalogue_version = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True, help_text="What changed, metric by metric")

    class Meta:
        ordering = ["edition", "-catalogue_version"]

    def __str__(self) -> str:
        return f"{self.edition_id} catalogue v{self.catalogue_version} {self.action}"
