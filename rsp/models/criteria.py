"""Exit criteria: what must be true for the case to exit, measurable where possible."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import Metric, Period
from rsp.models.cases import Case


class Comparator(models.TextChoices):
    AT_LEAST = "gte", "at least"
    AT_MOST = "lte", "at most"
    ABOVE = "gt", "above"
    BELOW = "lt", "below"


class CriterionStatus(models.TextChoices):
    NOT_MET = "not_met", "Not met"
    MET = "met", "Met"


class ExitCriterion(models.Model):
    """One exit criterion. With a metric, comparator and target its status comes from the latest
    accepted data after each calculation run (``rsp.criteria``), with the SPC context beside it;
    without, the case's lead sets it with evidence. Every change is a case event with its why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField()
    metric = models.ForeignKey(
        Metric, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comparator = models.CharField(max_length=3, choices=Comparator.choices, blank=True)
    target = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=CriterionStatus.choices, default=CriterionStatus.NOT_MET
    )
    evidence = models.TextField(blank=True)
    agreed_at_entry = models.BooleanField(default=False)
    # The latest evaluation from data (metric criteria only).
    evaluated_value = models.FloatField(null=True, blank=True)
    evaluated_period = models.ForeignKey(
        Period, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evaluated_run = models.ForeignKey(
        CalculationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evaluated_at = models.DateTimeField(null=True, blank=True)
    variation = models.CharField(max_length=20, blank=True, help_text="SPC variation icon")
    assurance = models.CharField(max_length=20, blank=True, help_text="SPC assurance icon")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                name="metric_with_comparator_and_target",
                condition=Q(metric__isnull=True, comparator="", target__isnull=True)
                | (Q(metric__isnull=False, target__isnull=False) & ~Q(comparator="")),
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def measured(self) -> bool:
        return self.metric_id is not None

    @property
    def target_text(self) -> str:
        if not self.measured:
            return ""
        return f"{self.get_comparator_display()} {self.target:g}"

    @property
    def is_met(self) -> bool:
        return self.status == CriterionStatus.MET
