"""Incremental runs equal full recalculations, whatever changed; and the SPC step done in
parts (metrics.calculation.parts) gives what it gives in one.

An incremental run recomputes only some results (metric and peer group), SPC series (body) and
flags (those whose facts changed) and takes the rest, by reference, from the previous run
(metrics.models: "stored once, shared between runs"): these tests hold every such run to a
full recalculation of the same data, field by field (``snapshot``).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db import transaction

from metrics.calculation import steps
from metrics.calculation.parts import worker_name
from metrics.calculation.runs import calculation_request
from metrics.models.calculation import CurrentRun, PartStep, RunPart, RunStatus
from metrics.models.results import Flag, MetricResult
from oversight.celery import app
from tests.metrics.calculation.support import (
    History,
    National,
    build_trusts,
    calculate,
    resubmit,
    snapshot,
    submit,
)


@pytest.fixture
def history(db: None) -> History:
    return History()


def assert_equals_full(history: History, period: Any) -> None:
    incremental = calculate(period, history.edition)
    assert incremental.incremental
    full = calculate(period, history.edition, full_requested=True)
    assert snapshot(incremental) == snapshot(full)


def test_random_resubmissions_give_what_a_full_run_gives(history: History):
    chance = random.Random(4)
    last = history.periods[-1]
    metrics = [history.spc, history.qh, history.s054, history.std]
    for _ in range(6):
        name = chance.choice("ABCDE")
        metric = chance.choice(metrics)
        if metric in (history.spc, history.s054):
            change: Any = [round(chance.uniform(0, 100), 1) for _ in range(3)]
        else:
            change = round(chance.uniform(0, 100), 1)
        resubmit(history.trusts[name], last, history.edition, {metric: change})
        assert_equals_full(history, last)


def test_a_resubmission_with_the_same_values_changes_no_flag(history: History):
    last = history.periods[-1]
    before = {
        (f.organisation_id, f.metric_id, f.kind): f.evidence
        for f in Flag.objects.filter(run=history.last)
    }
    resubmit(history.trusts["C"], last, history.edition, {})
    run = calculate(last, history.edition)
    after = {
        (f.organisation_id, f.metric_id, f.kind): f.evidence for f in Flag.objects.filter(run=run)
    }
    assert after == before
    assert not Flag.objects.filter(run=run).exclude(pk__in=Flag.objects.filter(run=history.last))


def test_a_correction_to_an_earlier_quarter_reaches_the_later_series(history: History):
    earlier, last = history.periods[-3], history.periods[-1]
    resubmit(history.trusts["A"], earlier, history.edition, {history.spc: [10.0, 90.0, 10.0]})
    calculate(earlier, history.edition)  # the earlier quarter's current run moves on...
    assert_equals_full(history, last)  # ...so the last quarter's flags look back afresh


def test_a_body_joining_the_quarter_and_one_leaving(history: History):
    last = history.periods[-1]
    newcomer = build_trusts(1, prefix="RNE")[0]
    submit(newcomer, last, history.edition, {history.qh: 3.0, history.std: 70.0})
    assert_equals_full(history, last)
    resubmit(newcomer, last, history.edition, {history.qh: 99.0})
    assert_equals_full(history, last)


def test_an_unchanged_quarter_is_taken_whole(history: History):
    last = history.periods[-1]
    run = calculate(last, history.edition)
    assert (run.metric_ids, run.series_recalculated) == ([], 0)
    assert snapshot(run) == snapshot(history.last)
    # Taken by reference: the rows are the previous run's own.
    assert set(MetricResult.objects.filter(run=run).values_list("pk", flat=True)) == set(
        MetricResult.objects.filter(run=history.last).values_list("pk", flat=True)
    )


def test_a_run_records_where_its_time_went(history: History):
    run = history.last
    assert run.timings["total"] > 0
    for step in ("inputs and plan", "national results", "flags"):
        assert step in run.timings
    assert run.flag_history
    assert all(len(pair) == 2 for pair in run.flag_history)


@pytest.mark.django_db(transaction=True)
def test_spc_in_parts_done_by_the_run_alone_gives_the_same(monkeypatch: pytest.MonkeyPatch):
    """Committed data, tasks eager (the embedded default's mode): no part is sent, the run's
    own worker takes them one by one, and the results equal those of one part."""
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    national = National()
    for trust in build_trusts(6, prefix="RAL"):
        submit(trust, national.period, national.edition, {national.higher: 5.0})
    monkeypatch.setattr(steps, "SPC_BATCH_BODIES", 1000)  # one part
    in_line = calculate(national.period, national.edition, full_requested=True)
    spc = RunPart.objects.filter(step=PartStep.SPC)
    assert spc.filter(run=in_line).count() == 1
    monkeypatch.setattr(steps, "SPC_BATCH_BODIES", 4)  # several
    in_parts = calculate(national.period, national.edition, full_requested=True)
    parts = spc.filter(run=in_parts)
    assert parts.count() == 5  # 18 bodies, 4 a part
    assert all(parts.values_list("done", flat=True))
    assert set(parts.values_list("done_by", flat=True)) == {worker_name()}
    assert in_parts.steps_done == in_parts.steps_total
    assert snapshot(in_parts) == snapshot(in_line)
    assert CurrentRun.objects.get(period=national.period).run == in_parts


@pytest.mark.django_db(transaction=True)
def test_a_requested_run_is_done_in_process_in_eager_mode(monkeypatch: pytest.MonkeyPatch):
    """The embedded default (tasks eager, no broker): a run requested by an acceptance is done
    when the request commits, not left pending for a worker that does not exist."""
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # nothing listens
    national = National()
    for trust in build_trusts(4, prefix="REG"):
        submit(trust, national.period, national.edition, {national.higher: 5.0})
    with transaction.atomic():
        run = calculation_request(
            period=national.period, edition=national.edition, reason="accepted", full=True
        )
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    assert CurrentRun.objects.get(period=national.period).run == run
