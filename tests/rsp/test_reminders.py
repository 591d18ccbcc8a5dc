"""Reminders: actions due within 7 days, overdue actions, reviews due — each sent once, in the
app and by email, however often beat runs the task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from rsp.models import Case
from rsp.plan import ActionInput, action_add, workstream_add
from rsp.reminders import reminders_send
from rsp.reviews import ReviewInput, review_record
from segmentation.models import Notification
from segmentation.notifications import notifications_email
from tests.conftest import Cast


@pytest.mark.django_db
def test_each_reminder_is_sent_once_in_the_app_and_by_email(rsp_case: Case, cast: Cast):
    today = timezone.localdate()
    workstream = workstream_add(case=rsp_case, title="Finance", lead_name="", user=cast.sid)

    def add(title: str, due: int, owner=cast.submitter):
        return action_add(
            workstream=workstream,
            given=ActionInput(
                title,
                owner=owner,
                due_on=today + timedelta(days=due),
                starts_on=today - timedelta(days=20),
            ),
            user=cast.sid,
        )

    soon, late = add("Soon", 5), add("Late", -2)
    add("Later", 30)
    review_record(
        case=rsp_case,
        given=ReviewInput(
            today - timedelta(days=30),
            "SID; region",
            "Progress",
            "amber",
            next_review_on=today + timedelta(days=3),
        ),
        user=cast.sid,
    )
    assert reminders_send(today=today) == 5  # 2 actions × (owner, SID) + the SID's review
    assert reminders_send(today=today) == 0  # beat again: nobody told twice
    events = set(Notification.objects.values_list("event", "recipient__email"))
    assert events == {
        (f"rsp:action:{soon.pk}:due:{soon.due_on}", "submitter.a1@nhs.test"),
        (f"rsp:action:{soon.pk}:due:{soon.due_on}", "sid.a3@nhs.test"),
        (f"rsp:action:{late.pk}:overdue:{late.due_on}", "submitter.a1@nhs.test"),
        (f"rsp:action:{late.pk}:overdue:{late.due_on}", "sid.a3@nhs.test"),
        (f"rsp:case:{rsp_case.pk}:review:{today + timedelta(days=3)}", "sid.a3@nhs.test"),
    }
    subjects = sorted(set(Notification.objects.values_list("subject", flat=True)))
    assert subjects == ["Action due soon: Soon", "Action overdue: Late", "Review due: Trust A3"]
    for event in {e for e, _ in events}:
        notifications_email(event=event)
        notifications_email(event=event)  # a retried task sends nothing more
    assert len(mail.outbox) == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_the_task_run_twice_on_a_worker_tells_nobody_twice(
    registry, cast: Cast, celery_worker: str, settings
):
    from oversight.celery import app
    from rsp.tasks import REMINDERS_TASK
    from tests.conftest import worker_idle
    from tests.rsp.conftest import open_case

    settings.CELERY_TASK_ALWAYS_EAGER = False
    case = open_case(registry.trust_a3, lead=cast.sid)
    workstream = workstream_add(case=case, title="Finance", lead_name="", user=cast.sid)
    action_add(
        workstream=workstream,
        given=ActionInput("Soon", owner=cast.sid, due_on=timezone.localdate() + timedelta(days=2)),
        user=cast.sid,
    )
    app.send_task(REMINDERS_TASK)
    app.send_task(REMINDERS_TASK)
    worker_idle(celery_worker)
    assert Notification.objects.filter(recipient=cast.sid).count() == 1
    # The review reminder is not due yet (entered 60 days ago, reviews each quarter).
    assert Notification.objects.get(recipient=cast.sid).event.startswith("rsp:action:")
