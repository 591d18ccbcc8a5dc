"""The improvement plan: RAG from dates and progress, overrides with reasons, and closure by
someone other than the owner."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from oversight.errors import ActionRefused, InputRejected, NotFound, NotPermitted
from rsp.models import Action, Case, Rag
from rsp.plan import (
    ActionInput,
    action_add,
    action_close,
    action_override_rag,
    action_propose_closure,
    action_reject_closure,
    action_update,
    milestone_achieve,
    milestone_add,
    rag_of,
    workstream_add,
)
from rsp.rag import computed_rag
from tests.conftest import Cast

D = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("status", "progress", "today", "rag", "reason"),
    # An action from 1 January due on 11 April (100 days).
    [
        ("closed", 40, D + timedelta(days=200), "complete", "Closed."),
        ("in_progress", 90, D + timedelta(days=101), "red", "Overdue by 1 day."),
        ("in_progress", 5, D + timedelta(days=50), "red", "5% done; 50% expected by now."),
        ("in_progress", 30, D + timedelta(days=50), "amber", "30% done; 50% expected by now."),
        ("in_progress", 45, D + timedelta(days=50), "green", "45% done; 50% expected by now."),
        ("in_progress", 70, D + timedelta(days=95), "amber", "70% done; 95% expected by now."),
        (
            "closure_proposed",
            100,
            D + timedelta(days=95),
            "green",
            "100% done; 95% expected by now.",
        ),
        ("not_started", 0, D - timedelta(days=3), "green", "0% done; 0% expected by now."),
    ],
)
def test_rag_is_computed_from_dates_and_progress(status, progress, today, rag, reason):
    assert computed_rag(
        status=status, progress=progress, starts_on=D, due_on=D + timedelta(days=100), today=today
    ) == (rag, reason)


def test_a_short_action_due_within_a_week_and_less_than_three_quarters_done_is_amber():
    assert computed_rag(
        status="in_progress",
        progress=40,
        starts_on=D,
        due_on=D + timedelta(days=10),
        today=D + timedelta(days=5),
    ) == ("amber", "Due in 5 days and 40% done.")


@pytest.fixture
def action(rsp_case: Case, cast: Cast) -> Action:
    workstream = workstream_add(
        case=rsp_case, title="Elective recovery", lead_name="COO", user=cast.sid
    )
    today = timezone.localdate()
    return action_add(
        workstream=workstream,
        given=ActionInput(
            "Validate the waiting list",
            owner=cast.sid,
            due_on=today + timedelta(days=30),
            starts_on=today - timedelta(days=30),
        ),
        user=cast.sid,
    )


@pytest.mark.django_db
def test_the_owner_proposes_closure_and_someone_else_closes(action: Action, cast: Cast):
    action_update(action=action, progress=60, note="Half the list validated", user=cast.sid)
    with pytest.raises(NotPermitted, match="owner proposes"):
        action_propose_closure(action=action, note="Done", user=cast.lead_a)
    with pytest.raises(ActionRefused, match="owner proposed closure"):
        action_close(action=action, note="", user=cast.lead_a)
    with pytest.raises(InputRejected):
        action_propose_closure(action=action, note=" ", user=cast.sid)
    action_propose_closure(action=action, note="List validated; evidence attached", user=cast.sid)
    with pytest.raises(ActionRefused, match="someone else closes"):
        action_close(action=action, note="", user=cast.sid)
    action_reject_closure(action=action, reason="Attach the validation report", user=cast.lead_a)
    action.refresh_from_db()
    assert action.status == "in_progress"
    action_propose_closure(action=action, note="Report attached", user=cast.sid)
    closed = action_close(action=action, note="Seen the report", user=cast.lead_a)
    assert (closed.status, closed.closed_by) == ("closed", cast.lead_a)
    assert rag_of(closed).label == "Complete"
    with pytest.raises(ActionRefused, match="closed"):
        action_update(action=action, progress=50, note="again", user=cast.sid)
    actions = list(
        action.workstream.case.events.order_by("at", "id").values_list("action", "actor__email")
    )
    assert actions[-3:] == [
        ("action_closure_rejected", "lead.a@nhs.test"),
        ("action_closure_proposed", "sid.a3@nhs.test"),
        ("action_closed", "lead.a@nhs.test"),
    ]


@pytest.mark.django_db
def test_the_database_refuses_an_owner_closing_their_own_action(action: Action):
    action.status = "closed"
    action.closed_by = action.owner
    with pytest.raises(IntegrityError), transaction.atomic():
        action.save()


@pytest.mark.django_db
def test_an_override_needs_a_reason_and_shows_the_computed_rag(action: Action, cast: Cast):
    with pytest.raises(InputRejected) as refused:
        action_override_rag(action=action, rag=Rag.RED, reason="", user=cast.sid)
    assert list(refused.value.problems) == ["reason"]
    action_override_rag(action=action, rag=Rag.RED, reason="Supplier failed", user=cast.sid)
    action.refresh_from_db()
    reading = rag_of(action)
    assert (reading.rag, reading.overridden, reading.label) == ("red", True, "Red – off track")
    assert reading.reason.startswith("Set by hand: Supplier failed (computed: Red")


@pytest.mark.django_db
def test_outsiders_and_the_body_cannot_change_the_plan(action: Action, cast: Cast, sid_b):
    with pytest.raises(NotFound):
        action_update(action=action, progress=10, note="x", user=sid_b)
    with pytest.raises(NotFound):
        action_propose_closure(action=action, note="x", user=cast.outsider)
    with pytest.raises(NotPermitted):
        workstream_add(case=action.workstream.case, title="Mine", lead_name="", user=cast.analyst_a)


@pytest.mark.django_db
def test_milestones_are_added_and_achieved_once(rsp_case: Case, cast: Cast):
    milestone = milestone_add(
        case=rsp_case,
        title="Board development complete",
        due_on=timezone.localdate(),
        user=cast.sid,
    )
    milestone_achieve(milestone=milestone, achieved_on=timezone.localdate(), user=cast.sid)
    with pytest.raises(ActionRefused):
        milestone_achieve(milestone=milestone, achieved_on=timezone.localdate(), user=cast.sid)
    assert rsp_case.events.filter(subject=f"milestone:{milestone.pk}").count() == 2


@pytest.mark.django_db
def test_a_due_date_moves_only_with_a_reason_and_the_old_date_is_kept(action: Action, cast: Cast):
    from rsp.plan import action_replan

    before = action.due_on
    later = before + timedelta(days=14)
    with pytest.raises(InputRejected) as refused:
        action_replan(action=action, due_on=later, reason=" ", user=cast.sid)
    assert list(refused.value.problems) == ["reason"]
    with pytest.raises(NotPermitted):
        action_replan(action=action, due_on=later, reason="x", user=cast.analyst_a)
    action_replan(action=action, due_on=later, reason="Supplier delay agreed", user=cast.sid)
    action.refresh_from_db()
    assert action.due_on == later
    event = action.workstream.case.events.get(action="action_replanned")
    assert (event.why, event.detail["before"]) == ("Supplier delay agreed", before.isoformat())
