"""Notifications: in the app, and once by email through Django's mail backend (issue 8 item 9).

``notify`` is called inside the operation's transaction: it writes one notification per
recipient of the event (a recipient already told of this event is skipped — the unique
(recipient, event) pair), and once the transaction commits it enqueues the email task.
``notifications_email`` sends each notification's email at most once: it first claims the
row by setting ``emailed_at`` where it is still empty (one row updated, or someone else has
it), so a repeated task or a second worker never sends twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

import kombu.exceptions
from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import RoleAssignment, User
from accounts.roles import DECIDE_SEGMENT, RECORD_SYSTEM_VIEW, RUN_OVERSIGHT, roles_with
from oversight.errors import NotFound
from oversight.models import Region, System
from segmentation.models import Notification

logger = logging.getLogger(__name__)

EMAIL_TASK = "segmentation.email_notifications"


def notify(
    *, kind: str, event: str, recipients: Iterable[int], subject: str, body: str, url: str
) -> int:
    """Tell each recipient of ``event`` once; returns how many were told now."""
    wanted = set(recipients)
    told = set(
        Notification.objects.filter(event=event, recipient_id__in=wanted).values_list(
            "recipient_id", flat=True
        )
    )
    new = [
        Notification(
            recipient_id=recipient,
            event=event,
            kind=kind,
            subject=subject[:200],
            body=body,
            url=url,
        )
        for recipient in sorted(wanted - told)
    ]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        transaction.on_commit(partial(email_enqueue, event))
    return len(new)


def email_enqueue(event: str) -> None:
    try:
        current_app.tasks[EMAIL_TASK].delay(event)
    except (kombu.exceptions.OperationalError, OSError):
        logger.warning("Emails of %s not sent: no broker", event, exc_info=True)


def notifications_email(*, event: str) -> int:
    """Send the email of each notification of ``event`` not emailed yet; returns how many."""
    sent = 0
    pending = Notification.objects.filter(event=event, emailed_at__isnull=True).select_related(
        "recipient"
    )
    for notification in pending:
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if claimed != 1:
            continue  # another worker has it
        try:
            send_mail(
                subject=notification.subject,
                message=f"{notification.body}\n\n{settings.SITE_URL}{notification.url}\n",
                from_email=None,
                recipient_list=[notification.recipient.email],
            )
        except Exception:
            # Un-claim, so that the retry sends it; the error goes to the task's retry.
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


# --- who is told -------------------------------------------------------------------------------


def _holders(**where: object) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user__is_active=True, **where)


def regional_leads(region: Region) -> set[int]:
    deciders = _holders(role__in=roles_with(DECIDE_SEGMENT), region=region)
    return set(deciders.values_list("user_id", flat=True))


def ics_leads(systems: Iterable[System]) -> set[int]:
    return set(
        _holders(role__in=roles_with(RECORD_SYSTEM_VIEW), system__in=list(systems)).values_list(
            "user_id", flat=True
        )
    )


def region_audience(region: Region, organisation_ids: Iterable[int]) -> set[int]:
    """Who hears of a region's publication: its regional team, its ICS leads, and the users of
    each published body."""
    team = _holders(role__in=roles_with(RUN_OVERSIGHT), region=region).values_list(
        "user_id", flat=True
    )
    leads = _holders(role__in=roles_with(RECORD_SYSTEM_VIEW), system__region=region).values_list(
        "user_id", flat=True
    )
    bodies = _holders(organisation_id__in=list(organisation_ids)).values_list("user_id", flat=True)
    return set(team) | set(leads) | set(bodies)


def notification_read(*, notification_id: int, user: User) -> Notification:
    """Mark one of the user's notifications read (once: a second call changes nothing).
    Someone else's notification, or none, is NotFound."""
    notification = Notification.objects.filter(pk=notification_id, recipient_id=user.pk).first()
    if notification is None:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.refresh_from_db(fields=["read_at"])
    return notification


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
