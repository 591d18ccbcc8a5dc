"""The improvement plan: workstreams of actions, and the case's milestones."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from rsp.models.cases import Case

USER = settings.AUTH_USER_MODEL


class Rag(models.TextChoices):
    """Red, amber, green, with the words that carry it (never the colour alone)."""

    RED = "red", "Red – off track"
    AMBER = "amber", "Amber – at risk"
    GREEN = "green", "Green – on track"
    COMPLETE = "complete", "Complete"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSURE_PROPOSED = "closure_proposed", "Closure proposed"
    CLOSED = "closed", "Closed"


class Workstream(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="workstreams")
    title = models.CharField(max_length=200)
    lead_name = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Action(models.Model):
    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(default=timezone.localdate)
    due_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done, 0 to 100")
    progress_note = models.TextField(blank=True)
    rag_override = models.CharField(max_length=10, choices=Rag.choices, blank=True)
    rag_override_reason = models.TextField(blank=True)
    closure_proposed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_proposed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(name="progress_0_to_100", condition=Q(progress__lte=100)),
            models.CheckConstraint(name="due_after_start", condition=Q(due_on__gte=F("starts_on"))),
            models.CheckConstraint(
                name="override_with_reason",
                condition=Q(rag_override="") | ~Q(rag_override_reason=""),
            ),
            models.CheckConstraint(
                name="closed_by_someone_else",
                condition=Q(closed_by__isnull=True) | ~Q(closed_by=F("owner")),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status == ActionStatus.CLOSED


class Milestone(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    achieved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title
