"""Review meetings of a case, and leadership capability reviews."""

from __future__ import annotations

from django.db import models

from rsp.models.cases import Case
from rsp.models.plan import Rag


class ReviewKind(models.TextChoices):
    PROGRESS = "progress", "Progress review"
    LEADERSHIP = "leadership", "Leadership capability review"


class ReviewMeeting(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=12, choices=ReviewKind.choices, default=ReviewKind.PROGRESS)
    held_on = models.DateField()
    attendees = models.TextField(help_text="One a line")
    summary = models.TextField()
    decisions = models.TextField(blank=True)
    overall_rag = models.CharField(max_length=10, choices=Rag.choices)
    next_review_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on}"
