"""The life cycle of runs: incremental, identical re-runs, the atomic switch, serialised and
coalesced runs under real threads, and the sweeper. (The Celery worker itself is exercised in
test_recalculation_worker.py.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from metrics.calculation import parts, runs, steps
from metrics.calculation.runs import (
    QuarterBusy,
    calculation_request,
    calculation_sweep,
    run_calculation,
)
from metrics.calculation.sql import lock_try, quarter_lock_key
from metrics.models.calculation import CalculationRun, CurrentRun, RunStatus
from metrics.models.catalogue import Metric, Period
from metrics.models.results import Flag, MetricResult, SpcSeries
from metrics.models.returns import Return, Value
from tests.metrics.calculation.support import (
    History,
    National,
    calculate,
    new_run,
    resubmit,
    snapshot,
)

# --- life cycle: incremental, identical re-runs, atomic switch, serialised, coalesced --------


def test_incremental_run_recomputes_only_what_changed(history: History):
    last_period = history.periods[-1]
    first = history.last
    changed = history.trusts["C"]
    version = resubmit(changed, last_period, history.edition, {history.spc: [54.5, 54.0, 70.0]})
    second = calculate(last_period, history.edition)
    assert second.incremental
    # The metrics of the version that replaced another (a new version may change any value).
    in_version = set(Value.objects.filter(version=version).values_list("metric_id", flat=True))
    assert set(second.metric_ids) == in_version
    assert history.spc2.pk not in in_version
    computed = SpcSeries.objects.filter(run=second, computed_in=second)
    assert {s.organisation_id for s in computed} == {changed.pk}
    assert second.series_recalculated == computed.count() == len(in_version)
    carried = SpcSeries.objects.filter(run=second).exclude(computed_in=second)
    assert {s.computed_in_id for s in carried} == {first.pk}
    assert carried.count() == SpcSeries.objects.filter(run=first).count() - len(in_version)
    recomputed = MetricResult.objects.filter(run=second, computed_in=second)
    assert {r.metric_id for r in recomputed} == in_version
    assert MetricResult.objects.get(run=second, metric=history.spc2).computed_in == first
    # The incremental run's quarter equals a full recalculation of the same data.
    full = calculate(last_period, history.edition, full_requested=True)
    assert not full.incremental
    assert snapshot(second) == snapshot(full)


def test_a_re_run_gives_identical_results(history: History):
    again = calculate(history.periods[-1], history.edition, full_requested=True)
    assert snapshot(again) == snapshot(history.last)
    unchanged = calculate(history.periods[-1], history.edition)
    assert unchanged.incremental
    assert (unchanged.metric_ids, unchanged.series_recalculated) == ([], 0)
    assert snapshot(unchanged) == snapshot(history.last)


def test_a_finished_or_superseded_run_is_a_no_op(national: National):
    run = calculate(national.period, national.edition)
    finished_at = run.finished_at
    run_calculation(run.pk)
    run.refresh_from_db()
    assert (run.status, run.finished_at, run.attempts) == (RunStatus.FINISHED, finished_at, 1)
    run_calculation(123_456_789)  # a run that does not exist: nothing to do


def test_a_failing_run_is_recorded_and_publishes_nothing(national: National):
    first = calculate(national.period, national.edition)
    # A standard worse than the floor: metrics.scoring refuses to score it.
    Metric.objects.filter(pk=national.lower.pk).update(standard=90.0, floor=10.0)
    run = new_run(national.period, national.edition, full_requested=True)
    run_calculation(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "worse than the floor" in run.error
    assert not MetricResult.objects.filter(run=run).exists()
    assert CurrentRun.objects.get(period=national.period).run == first


def test_request_records_a_pending_run_and_enqueues_on_commit(
    national: National, django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = calculation_request(
            period=national.period, edition=national.edition, reason="Accepted RAC00 v1"
        )
    assert run.status == RunStatus.PENDING
    assert len(callbacks) == 1
    assert callbacks[0].func is runs.calculation_enqueue
    assert callbacks[0].args == (run.pk,)


def test_coalescing_ten_requests_gives_one_run(national: National):
    runs = [new_run(national.period, national.edition) for _ in range(10)]
    runs[4].requested_metric_ids = [national.higher.pk]
    runs[4].save()
    for run in runs:  # ten tasks, one after another
        run_calculation(run.pk)
    statuses = dict(CalculationRun.objects.values_list("pk", "status"))
    assert list(statuses.values()).count(RunStatus.FINISHED) == 1
    assert list(statuses.values()).count(RunStatus.SUPERSEDED) == 9
    winner = CalculationRun.objects.get(status=RunStatus.FINISHED)
    assert winner.pk == runs[0].pk
    assert set(winner.coalesced.values_list("pk", flat=True)) == {r.pk for r in runs[1:]}
    assert winner.requested_metric_ids == [national.higher.pk]


# --- concurrency: real threads, each with its own connection ----------------------------------


class Pause:
    """Hold a run just before its flags step, so others can look while it is half-written."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reached = threading.Event()
        self.go_on = threading.Event()
        real = steps.flags_write

        def paused(*args: Any, **kwargs: Any) -> int:
            self.reached.set()
            assert self.go_on.wait(30)
            return real(*args, **kwargs)

        # Every flag of the quarter is raised in parts (.parts), those of changes in the run.
        monkeypatch.setattr(steps, "flags_write", paused)
        monkeypatch.setattr(parts, "flags_write", paused)


def in_thread(target: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def body() -> None:
        try:
            target()
        except BaseException as error:  # handed to the test to assert on
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=body)
    thread.start()
    return thread, errors


def current_values(period: Period) -> dict[tuple[str, str], float]:
    rows = MetricResult.objects.current().filter(period=period)
    return {
        (r.organisation.ods_code, r.metric.code): r.value
        for r in rows.select_related("organisation", "metric")
    }


@pytest.mark.django_db(transaction=True)
def test_readers_see_the_previous_results_until_the_switch(
    committed: National, monkeypatch: pytest.MonkeyPatch
):
    national = committed
    calculate(national.period, national.edition)
    before = current_values(national.period)
    resubmit(national.acute[0], national.period, national.edition, {national.higher: 1000.0})
    pause = Pause(monkeypatch)
    run = new_run(national.period, national.edition)
    thread, errors = in_thread(lambda: run_calculation(run.pk))
    assert pause.reached.wait(30)
    # Half-written: the new run's results are in the table, but readers see the old quarter.
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert 0 < run.steps_done < run.steps_total  # what the run status page shows
    assert MetricResult.objects.filter(run=run).exists()
    assert current_values(national.period) == before
    assert (
        Flag.objects.current().filter(period=national.period).count()
        == Flag.objects.filter(run__current_for__period=national.period).count()
    )
    pause.go_on.set()
    thread.join(30)
    assert not errors
    after = current_values(national.period)
    assert after[("RAC00", "HB")] == 1000.0
    assert {key: value for key, value in after.items() if key != ("RAC00", "HB")} == {
        key: value for key, value in before.items() if key != ("RAC00", "HB")
    }


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_quarter_never_interleave(
    committed: National, monkeypatch: pytest.MonkeyPatch
):
    national = committed
    pause = Pause(monkeypatch)
    first = new_run(national.period, national.edition)
    thread, errors = in_thread(lambda: run_calculation(first.pk))
    assert pause.reached.wait(30)
    second = new_run(national.period, national.edition)  # asked for while the first runs
    with pytest.raises(QuarterBusy):
        run_calculation(second.pk)
    assert not lock_try(quarter_lock_key(national.period.pk, national.edition.pk))
    second.refresh_from_db()
    assert second.status == RunStatus.PENDING  # untouched: the task will retry it
    pause.go_on.set()
    thread.join(30)
    assert not errors
    monkeypatch.undo()
    run_calculation(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == RunStatus.FINISHED
    assert first.finished_at is not None
    assert second.started_at is not None
    assert first.finished_at <= second.started_at
    assert CurrentRun.objects.get(period=national.period).run == second


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_coalesce(committed: National):
    national = committed
    runs = [new_run(national.period, national.edition) for _ in range(10)]

    def task(run_id: int) -> Callable[[], None]:
        def retrying() -> None:
            for _ in range(600):  # what autoretry_for=(QuarterBusy, …) does, faster
                try:
                    run_calculation(run_id)
                except QuarterBusy:
                    time.sleep(0.05)
                else:
                    return
            raise AssertionError(f"run {run_id} never got its quarter")

        return retrying

    threads = [in_thread(task(run.pk)) for run in runs]
    assert threads
    for thread, errors in threads:
        thread.join(60)
        assert not errors
    statuses = list(CalculationRun.objects.values_list("status", flat=True))
    assert statuses.count(RunStatus.FINISHED) <= 2
    assert statuses.count(RunStatus.FINISHED) + statuses.count(RunStatus.SUPERSEDED) == 10


# --- the sweeper -------------------------------------------------------------------------------


def test_sweeper_resends_old_pending_runs_one_per_quarter(
    national: National, no_publishing: list[int]
):
    old = timezone.now() - timedelta(minutes=5)
    first = new_run(national.period, national.edition, requested_at=old)
    new_run(national.period, national.edition, requested_at=old + timedelta(seconds=1))
    new_run(national.period, national.edition)  # just asked for: its message is on its way
    sent = calculation_sweep(
        pending_after=timedelta(seconds=60), running_after=timedelta(minutes=5)
    )
    assert sent == no_publishing == [first.pk]


def test_sweeper_resets_a_run_whose_worker_died(national: National, no_publishing: list[int]):
    dead = new_run(
        national.period,
        national.edition,
        status=RunStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=30),
    )
    assert calculation_sweep(
        pending_after=timedelta(seconds=60), running_after=timedelta(minutes=5)
    ) == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == RunStatus.PENDING
    run_calculation(dead.pk)
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (RunStatus.FINISHED, 1)


@pytest.mark.django_db(transaction=True)
def test_sweeper_leaves_a_live_run_alone(
    committed: National, monkeypatch: pytest.MonkeyPatch, no_publishing: list[int]
):
    national = committed
    pause = Pause(monkeypatch)
    run = new_run(national.period, national.edition)
    thread, errors = in_thread(lambda: run_calculation(run.pk))
    assert pause.reached.wait(30)
    assert calculation_sweep(pending_after=timedelta(0), running_after=timedelta(0)) == []
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    pause.go_on.set()
    thread.join(30)
    assert not errors
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED


def test_a_claim_takes_over_a_dead_workers_half_written_run(national: National):
    dead = new_run(national.period, national.edition, status=RunStatus.RUNNING, attempts=1)
    # What a killed worker leaves: some rows of the run, and no lock (its connection died).
    MetricResult.objects.create(
        run=dead,
        period=national.period,
        organisation=national.acute[0],
        metric=national.higher,
        peer_group="trust:acute",
        value=-1.0,
        version=Return.objects.get(organisation=national.acute[0]).versions.get(),
        months=1,
    )
    run_calculation(dead.pk)  # the redelivered message (acks_late)
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (RunStatus.FINISHED, 2)
    assert not MetricResult.objects.filter(run=dead, value=-1.0).exists()
    fresh = calculate(national.period, national.edition, full_requested=True)
    assert snapshot(fresh) == snapshot(dead)
