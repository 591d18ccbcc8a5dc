"""Reminders of a case's work, sent by Celery beat once a day: actions due within 7 days,
overdue actions and reviews due — in the app and by email (``segmentation.notifications``).

Each reminder is an event with a key that names what it is about and the date it concerns
("rsp:action:12:due:2026-12-10"): ``notify`` tells each recipient of an event once (the unique
(recipient, event) pair), and its email is claimed before it is sent, so beat firing twice or a
worker retrying never sends a reminder twice. A new due date is a new reminder.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max

from rsp.models import Action, ActionStatus, Case, CaseState
from segmentation.models import NotificationKind
from segmentation.notifications import notify

DUE_SOON_DAYS = 7
REVIEW_EVERY_DAYS = 91  # a case without a next-review date is due a review each quarter


def _recipients(action: Action) -> set[int]:
    lead = action.workstream.case.lead_id
    return {action.owner_id, *([lead] if lead else [])}


def _url(case_id: int) -> str:
    return f"/cases/{case_id}/"


def _action_reminders(today: date) -> int:
    told = 0
    actions = (
        Action.objects.filter(workstream__case__state=CaseState.OPEN)
        .exclude(status=ActionStatus.CLOSED)
        .filter(due_on__lte=today + timedelta(days=DUE_SOON_DAYS))
        .select_related("workstream__case__organisation", "owner")
    )
    for action in actions:
        case = action.workstream.case
        overdue = action.due_on < today
        when = "overdue" if overdue else "due"
        words = (
            f"was due on {action.due_on:%-d %B %Y}"
            if overdue
            else f"is due on {action.due_on:%-d %B %Y}"
        )
        told += notify(
            kind=NotificationKind.CASE_ACTION_OVERDUE
            if overdue
            else NotificationKind.CASE_ACTION_DUE,
            event=f"rsp:action:{action.pk}:{when}:{action.due_on.isoformat()}",
            recipients=_recipients(action),
            subject=f"Action {'overdue' if overdue else 'due soon'}: {action.title}",
            body=(
                f"The action “{action.title}” of the {case.programme.name} case for "
                f"{case.subject_name} {words}. Update its progress or propose its closure."
            ),
            url=_url(case.pk),
        )
    return told


def _review_reminders(today: date) -> int:
    told = 0
    cases = (
        Case.objects.filter(state=CaseState.OPEN, lead__isnull=False)
        .select_related("organisation", "programme")
        .annotate(last_review=Max("reviews__held_on"))
    )
    for case in cases:
        next_review = (
            case.reviews.filter(next_review_on__isnull=False)
            .order_by("-held_on")
            .values_list("next_review_on", flat=True)
            .first()
        )
        due = next_review or (case.last_review or case.entered_on) + timedelta(
            days=REVIEW_EVERY_DAYS
        )
        if due > today + timedelta(days=DUE_SOON_DAYS):
            continue
        assert case.lead_id is not None
        told += notify(
            kind=NotificationKind.CASE_REVIEW_DUE,
            event=f"rsp:case:{case.pk}:review:{due.isoformat()}",
            recipients={case.lead_id},
            subject=f"Review due: {case.subject_name}",
            body=(
                f"A review meeting of the {case.programme.name} case for {case.subject_name} "
                f"is due on {due:%-d %B %Y}."
            ),
            url=_url(case.pk),
        )
    return told


@transaction.atomic
def reminders_send(*, today: date) -> int:
    """Send today's reminders; returns how many people were told now (0 when run again)."""
    return _action_reminders(today) + _review_reminders(today)
