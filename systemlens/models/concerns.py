"""Specific concerns: a region's assessment of an issue at a body (from a flag or by hand)
before any support is decided, in the framework's terms, and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from metrics.engine.kinds import FlagKind, choices
from metrics.models.catalogue import Metric, Period
from oversight.models import Organisation
from systemlens.models.common import recorded_at, recorded_by


class ConcernOutcome(models.TextChoices):
    NO_SUPPORT = "no_support", "No support need"
    ICS_SUPPORT = "ics_support", "Support through the ICS"
    MANDATED_SUPPORT = "mandated_support", "Proposed for mandated support"


# The assessment the framework asks for, in its order: field name → the question's words.
ASSESSMENT = {
    "seriousness": "Seriousness, scale and complexity of the issue",
    "risk_and_impact": "Risk and potential impact",
    "body_understanding": "The body's understanding of the issue",
    "maturity": "Leadership, governance and improvement maturity",
    "action_taken": "Action already taken",
}


class Concern(models.Model):
    """A specific concern about a body, opened by its region, assessed, and given an outcome."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    # From a flag: the flag's stored id (flags are read-only views) and what it said.
    flag_id = models.PositiveBigIntegerField(null=True, blank=True)
    flag_kind = models.CharField(max_length=40, choices=choices(FlagKind), blank=True)
    metric = models.ForeignKey(
        Metric, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    seriousness = models.TextField(blank=True)
    risk_and_impact = models.TextField(blank=True)
    body_understanding = models.TextField(blank=True)
    maturity = models.TextField(blank=True)
    action_taken = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=ConcernOutcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    opened_by = recorded_by()
    opened_at = recorded_at()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="outcome_with_reason",
                condition=models.Q(outcome="") | ~models.Q(outcome_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.organisation.ods_code})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def status_label(self) -> str:
        if self.closed_at is not None:
            return "Closed"
        return "Assessed" if self.outcome else "Open, not yet assessed"
