"""Oversight meetings with an ICS, a place or (by exception) one organisation: attendees,
agenda items linked to what they discuss, notes with an internal-only part, and actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from metrics.models.catalogue import Metric
from oversight.models import Organisation
from systemlens.models.common import recorded_at, recorded_by


class Meeting(models.Model):
    """A review meeting. ``organisation`` is the body met: an ICS (its body) or a trust; a
    meeting with a place is with its ICS, naming the place."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    place = models.CharField(max_length=200, blank=True, help_text="A place within the ICS")
    held_on = models.DateField()
    attendees = models.TextField()
    notes = models.TextField(blank=True, help_text="Shared with the body")
    internal_notes = models.TextField(
        blank=True, help_text="For the oversight team only: never shown to the body"
    )
    recorded_by = recorded_by()
    recorded_at = recorded_at()

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        with_whom = f"{self.place}, {self.organisation.name}" if self.place else self.organisation
        return f"Meeting with {with_whom} on {self.held_on:%d %B %Y}"


class AgendaItem(models.Model):
    """One item of a meeting's agenda, linked (where it is about one) to a flag, a metric, a
    proposal or a support case. Cases belong to rsp, beside this app: named by reference."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    flag_id = models.PositiveBigIntegerField(null=True, blank=True)
    metric = models.ForeignKey(
        Metric, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposal = models.ForeignKey(
        "segmentation.Proposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    case_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_positions")
        ]

    def __str__(self) -> str:
        return self.title


class MeetingAction(models.Model):
    """An action agreed at a meeting: its owner sees it on their home page until it is done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_actions"
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "done_at"])]

    def __str__(self) -> str:
        return self.description
