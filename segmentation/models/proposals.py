"""Proposed segments, stored per body, quarter and method with their reasons and their run; and
the support-programme entries (written by rsp) that a proposal reads."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone

from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import Period
from oversight.models import Organisation
from segmentation.models.methods import SegmentationMethod, SupportProgramme


class CriterionStatus(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Proposal(models.Model):
    """One body's proposed segment for a quarter under one method, with the criteria behind it.

    ``criteria`` is the list the methodology's pure steps returned, each criterion with its
    status (met, not met, not applicable) and its evidence: the metrics, quartiles, scores and
    flags it read, by code, so a page can follow each down to the values of ``run``.
    Recomputed (in place) each time a run of the quarter is published.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    method = models.ForeignKey(
        SegmentationMethod, on_delete=models.PROTECT, related_name="proposals"
    )
    method_version = models.PositiveIntegerField()
    run = models.ForeignKey(
        CalculationRun,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The calculation run whose results and flags it read",
    )
    peer_group = models.CharField(max_length=40)
    segment = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Null: the method could not propose one (see reasons)"
    )
    basis = models.CharField(max_length=40, help_text="What decided it, e.g. criteria_segment_3")
    summary = models.CharField(max_length=500)
    average_score = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    scored_metrics = models.PositiveIntegerField(default=0)
    criteria = models.JSONField(default=list)
    domain_scores = models.JSONField(default=list, help_text="[theme, name, average]: context")
    flag_counts = models.JSONField(
        default=dict,
        blank=True,
        help_text="The body's flags in the run, by kind ({kind: n}): the review list shows them",
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["period", "method", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period", "method"], name="one_proposal_per_method"
            ),
            models.CheckConstraint(
                name="proposal_segment_1_to_5",
                condition=Q(segment__isnull=True) | Q(segment__gte=1, segment__lte=5),
            ),
        ]
        indexes = [models.Index(fields=["period", "method", "segment"])]

    def __str__(self) -> str:
        return f"Proposal {self.segment} for body {self.organisation_id}, quarter {self.period_id}"

    def criteria_met(self) -> list[str]:
        return [c["code"] for c in self.criteria if c.get("status") == CriterionStatus.MET]


class SupportEntry(models.Model):
    """A body's time in a support programme, as the case that holds it records it.

    Written by the support cases (rsp) through ``segmentation.support``; segmentation reads it
    to propose "a body in RSP is proposed 4 until it exits" without importing rsp.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="support_entries"
    )
    programme = models.CharField(max_length=20, choices=SupportProgramme.choices)
    entered_on = models.DateField()
    exited_on = models.DateField(null=True, blank=True)
    reference = models.CharField(
        max_length=100, unique=True, help_text='Who holds it, e.g. "rsp-case:12"'
    )
    url = models.CharField(max_length=300, blank=True, help_text="The case's page")

    class Meta:
        ordering = ["organisation", "-entered_on"]
        constraints = [
            models.CheckConstraint(
                name="exit_after_entry",
                condition=Q(exited_on__isnull=True) | Q(exited_on__gte=models.F("entered_on")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_programme_display()}: body {self.organisation_id} from {self.entered_on}"

    def open_on(self, day: date) -> bool:
        return self.entered_on <= day and (self.exited_on is None or self.exited_on > day)
