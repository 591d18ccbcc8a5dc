"""System roll-ups derived set-based from a published run agree with the hand-worked sums and
rates of tests/systemlens/rollup_data.py; they follow each run's publication, on a worker of
the default queue (in the publishing process in eager mode)."""

from __future__ import annotations

import kombu.exceptions
import pytest

from oversight.celery import app
from systemlens.models import SystemRollup
from systemlens.rollups import rollups_recompute
from systemlens.tasks import ROLLUPS_TASK
from tests.systemlens.rollup_data import build_rollup_picture


@pytest.fixture
def picture(registry, cast):
    return build_rollup_picture(registry, cast.national)


def _rollups(system_code):
    rows = SystemRollup.objects.filter(system__ods_code=system_code).select_related("metric")
    return {row.metric.code: row for row in rows}


def test_the_roll_ups_of_an_ics_agree_with_the_hand_worked_ones(picture):
    assert rollups_recompute(run_id=picture.run.pk) > 0
    a1 = _rollups("QA1")
    # CCG A1's 1000 is not added: the trusts' patients are the CCG's too.
    assert (a1["C01"].value, a1["C01"].included, a1["C01"].missing) == (35, ["RA1", "RA4"], ["RA5"])
    assert a1["P01"].value == pytest.approx(78.0)  # 195 / 250, not the mean 82.5
    assert (a1["P01"].numerator, a1["P01"].denominator) == (195, 250)
    assert a1["L01"].value == pytest.approx(78.0)  # latest month: (9 + 30) / (10 + 40)
    assert a1["W01"].value == pytest.approx(3.5)
    assert a1["W01"].missing == ["RA5"]
    assert {row.method for row in a1.values()} == {"sum", "ratio", "weighted_mean"}


def test_bodies_without_what_the_method_needs_are_missing(picture):
    rollups_recompute(run_id=picture.run.pk)
    a2 = _rollups("QA2")
    assert a2["C01"].value == 7
    assert (a2["P01"].value, a2["P01"].included, a2["P01"].missing) == (None, [], ["RA3"])
    assert (a2["W01"].value, a2["W01"].missing) == (None, ["RA3"])
    b1 = _rollups("QB1")
    assert b1["P01"].value == pytest.approx(90.0)
    assert b1["W01"].value == pytest.approx(1.0)


def test_recomputing_replaces_the_quarter_and_is_safe_to_repeat(picture):
    first = rollups_recompute(run_id=picture.run.pk)
    second = rollups_recompute(run_id=picture.run.pk)
    assert first == second == SystemRollup.objects.count()


def test_a_run_that_is_not_current_derives_nothing(picture):
    assert rollups_recompute(run_id=picture.run.pk + 1000) == 0
    assert not SystemRollup.objects.exists()


def test_roll_ups_follow_the_publication_of_a_run_in_eager_mode(
    registry, cast, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(app.conf, "task_always_eager", True)  # the embedded default
    with django_capture_on_commit_callbacks(execute=True):
        picture = build_rollup_picture(registry, cast.national)
    assert _rollups("QA1")["C01"].run_id == picture.run.pk


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """The roll-ups tasks sent to the broker, recorded instead."""
    runs: list[int] = []
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app.tasks[ROLLUPS_TASK], "delay", runs.append)
    return runs


def test_a_publication_sends_the_roll_ups_to_a_worker_not_in_the_run(
    registry, cast, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        picture = build_rollup_picture(registry, cast.national)
    assert sent == [picture.run.pk]
    assert not SystemRollup.objects.exists()  # the run's worker went on without them
    assert app.tasks[ROLLUPS_TASK](picture.run.pk) > 0  # what the worker does
    assert _rollups("QA1")["C01"].run_id == picture.run.pk


def test_with_the_broker_down_the_roll_ups_are_derived_in_place(
    registry, cast, django_capture_on_commit_callbacks, monkeypatch
):
    def refused(run_id: int) -> None:
        raise kombu.exceptions.OperationalError("Error 111 connecting to redis. Refused.")

    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app.tasks[ROLLUPS_TASK], "delay", refused)
    with django_capture_on_commit_callbacks(execute=True):
        picture = build_rollup_picture(registry, cast.national)
    assert _rollups("QA1")["C01"].run_id == picture.run.pk


def test_the_ics_page_shows_roll_ups_beside_its_own_value_and_the_quartile_grid(picture, cast):
    from django.test import Client

    rollups_recompute(run_id=picture.run.pk)
    client = Client()
    client.force_login(cast.ics_lead)
    page = client.get("/ics/QA1/").content.decode()
    assert "Sum of the organisations&#x27; counts" in page
    assert "195 / 250" in page  # the ratio's totals
    assert ">36<" in page  # the ICS's own C01 beside the derived 35
    assert "RA1, RA4" in page
    assert "RA5" in page  # missing
    grid = page[page.index('id="quartile-grid"') :]
    assert "Trust A4" in grid
    assert "Q1 (best)" in grid or "Q4 (worst)" in grid or "No quartile" in grid
    assert "Trust B1" not in grid  # another ICS's body


def test_the_roll_ups_api_is_scoped_to_the_icss_the_user_sees(picture, cast):
    from tests.systemlens.conftest import api_for

    rollups_recompute(run_id=picture.run.pk)
    rows = api_for(cast.ics_lead).get("/api/v1/systemlens/rollups/?metric=P01").json()["results"]
    assert [(r["system"], r["value"], r["numerator"], r["denominator"]) for r in rows] == [
        ("QA1", pytest.approx(78.0), 195, 250)
    ]
    assert api_for(cast.outsider).get("/api/v1/systemlens/rollups/").json()["results"] == []
    everyone = api_for(cast.national).get("/api/v1/systemlens/rollups/?metric=C01").json()
    assert [(r["system"], r["value"]) for r in everyone["results"]] == [
        ("QA1", 35),
        ("QA2", 7),
        ("QB1", 100),
    ]
