"""ICS agreements (memoranda of understanding) with their region: per ICS and financial year,
kept as numbered versions (who agreed what when), each with its local strategic priorities;
and the quarterly reviews of the agreement."""

from __future__ import annotations

from django.db import models

from metrics.models.catalogue import Metric, Period
from oversight.models import System
from systemlens.models.common import recorded_at, recorded_by


class Agreement(models.Model):
    """One ICS's agreement with its region for one financial year: a series of versions."""

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="agreements")
    year = models.PositiveSmallIntegerField(help_text="The financial year's first calendar year")

    class Meta:
        ordering = ["system__name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["system", "year"], name="one_agreement_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.system.name} agreement {self.year_label}"

    @property
    def year_label(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}"


class AgreementVersion(models.Model):
    """What was agreed, by whom and when: a whole agreement, never edited (a change is a new
    version)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    delivery_arrangements = models.TextField()
    governance_arrangements = models.TextField()
    places_and_collaboratives = models.TextField(
        blank=True, help_text="The roles of places and provider collaboratives"
    )
    agreed_on = models.DateField()
    agreed_by = models.CharField(
        max_length=300, help_text="Who agreed it, for the ICS and for the region"
    )
    change_note = models.TextField(blank=True, help_text="What changed from the last version")
    recorded_by = recorded_by()
    recorded_at = recorded_at()

    class Meta:
        ordering = ["agreement", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_versions")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class Priority(models.Model):
    """A local strategic priority of one agreement version, with its owner and, where it has
    one, the metric and target that measure it."""

    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="priorities"
    )
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    owner = models.CharField(max_length=200, help_text="Who in the ICS owns it")
    metric = models.ForeignKey(
        Metric, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="priority_positions"),
            models.CheckConstraint(
                name="target_needs_metric",
                condition=models.Q(target__isnull=True) | models.Q(metric__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReviewRating(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    SOME_CONCERNS = "some_concerns", "Some concerns"
    OFF_TRACK = "off_track", "Off track"


class AgreementReview(models.Model):
    """The quarterly review of an agreement: its date, outcome and next steps."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reviews")
    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        related_name="reviews",
        help_text="The version under review",
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    rating = models.CharField(max_length=20, choices=ReviewRating.choices)
    outcome = models.TextField()
    next_steps = models.TextField()
    recorded_by = recorded_by()
    recorded_at = recorded_at()

    class Meta:
        ordering = ["agreement", "-held_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "period"], name="one_review_per_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} review {self.period.label}"
