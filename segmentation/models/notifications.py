"""In-app notifications, each also sent once by email (DESIGN.md; issue 8 item 9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class NotificationKind(models.TextChoices):
    VIEWS_REQUESTED = "views_requested", "ICS lead asked for views"
    AWAITING_CONFIRMATION = "awaiting_confirmation", "Decision awaiting confirmation"
    SENT_BACK = "sent_back", "Decision sent back"
    PUBLISHED = "published", "Segmentation published"
    # Told by rsp's reminders (rsp sits above segmentation and uses its notifications).
    CASE_ACTION_DUE = "rsp_action_due", "Case action due within 7 days"
    CASE_ACTION_OVERDUE = "rsp_action_overdue", "Case action overdue"
    CASE_REVIEW_DUE = "rsp_review_due", "Case review due"


class Notification(models.Model):
    """One event told to one person: ``event`` names the event, so it is told only once.

    The unique (recipient, event) pair makes a repeated operation or task a no-op; the email
    goes out at most once because sending first claims ``emailed_at`` (one row updated).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(max_length=120, help_text='e.g. "decision:42:recorded"')
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"], name="one_notification_per_event"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → user {self.recipient_id}"
