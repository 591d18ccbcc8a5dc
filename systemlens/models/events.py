"""The system lens's audit trail: one event per change, with who, when and what."""

from __future__ import annotations

from django.db import models

from oversight.models import Organisation, System
from systemlens.models.common import recorded_at, recorded_by


class LensAction(models.TextChoices):
    AGREEMENT_VERSION = "agreement_version", "Agreement version recorded"
    AGREEMENT_REVIEW = "agreement_review", "Quarterly review recorded"
    LOCAL_METRIC = "local_metric", "Local metric added"
    CONCERN_OPENED = "concern_opened", "Specific concern opened"
    CONCERN_ASSESSED = "concern_assessed", "Specific concern assessed"
    CONCERN_CLOSED = "concern_closed", "Specific concern closed"
    MEETING = "meeting", "Oversight meeting recorded"
    ACTION_DONE = "action_done", "Meeting action done"
    ACROSS_SYSTEMS = "across_systems", "Lead and served ICSs set"
    POPULATION = "population", "Populations loaded"


class LensEvent(models.Model):
    action = models.CharField(max_length=30, choices=LensAction.choices)
    actor = recorded_by()
    at = recorded_at()
    system = models.ForeignKey(
        System, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(help_text="The id of the record changed")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.subject_id}"
