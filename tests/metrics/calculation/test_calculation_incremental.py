"""Incremental runs equal full recalculations, whatever changed; and the SPC step done on a
thread of its own (alongside the national results) gives what it gives in line.

An incremental run recomputes only some results (metric and peer group), SPC series (body) and
flags (those whose facts changed) and takes the rest, by reference, from the previous run
(metrics.models: "stored once, shared between runs"): these tests hold every such run to a
full recalculation of the same data, field by field (``snapshot``).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from metrics.calculation import steps
from metrics.models.calculation import CurrentRun
from metrics.models.results import Flag, MetricResult
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
def test_spc_alongside_the_national_results_gives_the_same(monkeypatch: pytest.MonkeyPatch):
    national = National()
    for trust in build_trusts(6, prefix="RAL"):
        submit(trust, national.period, national.edition, {national.higher: 5.0})
    monkeypatch.setattr(steps, "SPC_BATCH_BODIES", 1000)  # one batch: in line
    in_line = calculate(national.period, national.edition, full_requested=True)
    assert "spc" in in_line.timings
    monkeypatch.setattr(steps, "SPC_BATCH_BODIES", 4)  # several: on a thread
    alongside = calculate(national.period, national.edition, full_requested=True)
    assert "spc: waiting for the series" in alongside.timings
    assert alongside.steps_done == alongside.steps_total
    assert snapshot(alongside) == snapshot(in_line)
    assert CurrentRun.objects.get(period=national.period).run == alongside
