"""Exit criteria: measured ones evaluated from the latest accepted data after each published
run, with the SPC context; every change recorded with who and why."""

from __future__ import annotations

import pytest

from oversight.errors import ActionRefused, InputRejected
from rsp.criteria import (
    CriterionInput,
    criteria_evaluate,
    criterion_add,
    criterion_change,
    criterion_set_status,
)
from rsp.models import Case, CaseEvent
from tests.conftest import Cast
from tests.metrics.results_data import Picture
from tests.rsp.conftest import open_case
from tests.rsp.data import accept_quarter, calculate

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_a3(picture: Picture, cast: Cast) -> Case:
    return open_case(picture.bodies["RA3"], lead=cast.sid)


def test_a_measured_criterion_turns_met_when_a_new_run_publishes(
    picture: Picture, case_a3: Case, cast: Cast, django_capture_on_commit_callbacks
):
    m01 = picture.metrics["M01"]
    criterion = criterion_add(
        case=case_a3,
        given=CriterionInput("A&E 4-hour performance at least 95%", m01, "gte", 95.0),
        user=cast.sid,
        at_entry=True,
    )
    criterion.refresh_from_db()
    assert criterion.status == "not_met"
    assert criterion.evaluated_period == picture.latest
    assert criterion.evaluated_value == pytest.approx(89.0)  # RA3 latest month of Q3
    assert criterion.variation  # the SPC context of the same series
    assert criterion.target_text == "at least 95"

    period = accept_quarter(picture, cast.national, {"RA3": 96.0})
    run = calculate(picture, period)
    assert criteria_evaluate(run_id=run.pk) == 1
    criterion.refresh_from_db()
    assert (criterion.status, criterion.evaluated_period, criterion.evaluated_run_id) == (
        "met",
        period,
        run.pk,
    )
    event = CaseEvent.objects.get(case=case_a3, action="criterion_evaluated")
    assert event.actor is None
    assert "now met: M01 97 in 2021-22 Q4, target at least 95" in event.what
    assert criteria_evaluate(run_id=run.pk) == 0  # safe to run twice: nothing changes


def test_the_published_run_sends_the_evaluation(
    picture: Picture, case_a3: Case, cast: Cast, monkeypatch
):
    from rsp import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks, "criteria_enqueue", sent.append)
    from metrics.calculation.signals import run_published

    run_published.send(sender=None, run_id=picture.latest_run.pk)
    assert sent == [picture.latest_run.pk]


def test_a_change_records_who_why_and_what_it_was(picture: Picture, case_a3: Case, cast: Cast):
    m01 = picture.metrics["M01"]
    criterion = criterion_add(case=case_a3, given=CriterionInput("Board assured"), user=cast.sid)
    with pytest.raises(InputRejected) as refused:
        criterion_change(
            criterion=criterion, given=CriterionInput("x", m01), reason="r", user=cast.sid
        )
    assert "metric" in refused.value.problems
    with pytest.raises(InputRejected):
        criterion_change(
            criterion=criterion,
            given=CriterionInput("A&E at least 85%", m01, "gte", 85.0),
            reason=" ",
            user=cast.sid,
        )
    changed = criterion_change(
        criterion=criterion,
        given=CriterionInput("A&E at least 85%", m01, "gte", 85.0),
        reason="Agreed at the March review",
        user=cast.sid,
    )
    assert changed.status == "met"  # evaluated at once: RA3 is at 89
    event = CaseEvent.objects.get(case=case_a3, action="criterion_changed")
    assert (event.actor, event.why) == (cast.sid, "Agreed at the March review")
    assert event.detail["before"]["description"] == "Board assured"
    assert (
        event.what == "Exit criterion changed: Board assured → A&E at least 85% (M01 at least 85)."
    )
    with pytest.raises(ActionRefused, match="measured"):
        criterion_set_status(criterion=changed, status="not_met", evidence="x", user=cast.sid)


def test_only_the_case_team_changes_criteria(picture: Picture, case_a3: Case, cast: Cast):
    from oversight.errors import NotFound, NotPermitted

    with pytest.raises(NotPermitted):
        criterion_add(case=case_a3, given=CriterionInput("x"), user=cast.analyst_a)
    with pytest.raises(NotFound):
        criterion_add(case=case_a3, given=CriterionInput("x"), user=cast.lead_b)
