"""A case's audit trail, its notes and its documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from rsp.models.cases import Case

USER = settings.AUTH_USER_MODEL


class CaseEvent(models.Model):
    """Who changed what on a case, when and why: the case file's timeline.

    ``internal`` events (about internal-only notes and documents) are hidden from the body.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    subject = models.CharField(max_length=60, blank=True, help_text='e.g. "action:12"')
    actor = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    what = models.TextField(help_text="What changed, in words")
    why = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    internal = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.action} on case {self.case_id} at {self.at:%Y-%m-%d %H:%M}"


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()
    internal = models.BooleanField(
        default=True, help_text="Internal-only: never shown to the body's own users"
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Note {self.pk} on case {self.case_id}"


class DocumentKind(models.TextChoices):
    EVIDENCE = "evidence", "Evidence"
    CQC_ENTRY = "cqc_entry", "CQC recommendation to enter"
    CQC_EXIT = "cqc_exit", "CQC recommendation to exit"
    STOCKTAKE = "stocktake", "Diagnostic stocktake report"
    REVIEW = "review", "Review papers"
    OTHER = "other", "Other"


class CaseDocument(models.Model):
    """A file on the case, checked for size and type and kept in the database (served only
    through the case's scoped download, as an attachment)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    title = models.CharField(max_length=200, blank=True)
    action = models.ForeignKey(
        "rsp.Action", on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    criterion = models.ForeignKey(
        "rsp.ExitCriterion",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    internal = models.BooleanField(default=False)
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"
