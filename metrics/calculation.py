"""Calculation runs: the national picture of a quarter, recomputed after every acceptance.

DESIGN.md "The oversight cycle" step 4 and issue 4. A run, for one quarter and edition:

1. is requested pending in the transaction that accepts a return, and enqueued on commit
   (``calculation_request``); if the broker is down it stays pending for the sweeper;
2. is claimed by a worker holding the quarter's advisory lock, together with every other
   waiting run of the quarter, which become superseded — so runs are serialised per quarter
   and fifty acceptances coalesce into a handful of runs (``run_calculation``);
3. records its inputs (the accepted versions; ``_InputsStep``, alongside the rest when it can),
   then finds what changed since the quarter's current run (``Plan``): only those metrics'
   national results in the changed bodies' peer groups, those bodies' SPC series and the
   flags whose facts came out different are recomputed; the rest is taken from the current
   run by reference (``metrics.models``, "stored once, shared between runs": a few hundred
   unit rows, not every result again);
4. computes quarter values, ranks, percentiles, quartiles and scores
   (``metrics.calculation_results``), SPC series (``metrics.calculation_spc``, on a thread of
   its own alongside the national results when it can) and the flags
   (``metrics.calculation_flags``), with set-based SQL (``metrics.calculation_sql``);
5. is published by switching ``CurrentRun`` in the transaction that marks it finished.

Rows are stored under the run's id and read only through ``CurrentRun``, so a run needs no long
transaction: a worker killed mid-run leaves rows nobody reads, deleted on the re-run. Each step
is timed (``CalculationRun.timings``, and a log line as it ends): where a run's time went.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import Any

import kombu.exceptions
import numpy as np
import psycopg
from django.db import DatabaseError, connection, connections, transaction
from django.db import OperationalError as DjangoOperationalError
from django.db.models import F
from django.utils import timezone

from metrics import calculation_sql as sql
from metrics.calculation_flags import flag_history, flags_write, series_changed_units
from metrics.calculation_results import national_results_write
from metrics.calculation_spc import SeriesMetric, SeriesReader, spc_batch_write, spc_settings
from metrics.flags import DEFAULT_DEFINITIONS
from metrics.models import (
    CalculationRun,
    CurrentRun,
    FrameworkEdition,
    Metric,
    Period,
    RunStatus,
)
from metrics.spc import SpcSettings

logger = logging.getLogger(__name__)

# Raised whenever the rules change: a run never takes results computed by another method
# version (the storage of results is the migrations' business, not the method's).
METHOD_VERSION = "2026.1"
SPC_BATCH_BODIES = 100  # bodies per SPC read: ~330k values at England scale, ~1.2M at stress

# Errors worth retrying: the database went away or deadlocked, or Redis refused a publish.
TRANSIENT_DATABASE_ERRORS = (DjangoOperationalError, psycopg.OperationalError)
BROKER_ERRORS = (kombu.exceptions.OperationalError, OSError)


class QuarterBusy(Exception):
    """Another worker holds this quarter's lock: try again shortly (the task retries)."""


def calculation_parameters(edition: FrameworkEdition) -> dict[str, Any]:
    """Every threshold and setting a run uses, stored with it (DESIGN.md, issue 4 item 2)."""
    spc = SpcSettings()
    return {
        "catalogue_version": edition.catalogue_version,
        "quartiles": {
            "min_bodies": 4,
            "interpolation": "linear between closest ranks (percentile_cont, QUARTILE.INC)",
        },
        "ranks": {"within": "peer_group", "ties": "competition: the smallest position"},
        "scores": {"within": "peer_group", "rounding": "2 dp half up"},
        "spc": {
            "run_length": spc.run_length,
            "trend_length": spc.trend_length,
            "screen_moving_ranges": spc.screen_moving_ranges,
            "baseline_points": spc.baseline_points,
            "min_points_for_limits": spc.min_points_for_limits,
            "target": "the metric's standard",
        },
        "flags": {kind: dict(definition) for kind, definition in DEFAULT_DEFINITIONS.items()},
    }


# --- requesting ------------------------------------------------------------------------------


def calculation_request(
    *,
    period: Period,
    edition: FrameworkEdition,
    reason: str,
    metric_ids: Collection[int] | None = None,
    full: bool = False,
) -> CalculationRun:
    """Record a pending run in the caller's transaction and enqueue it once that commits.

    By default the run recomputes what changed since the quarter's current run; ``metric_ids``
    adds metrics to recompute regardless, ``full`` recomputes everything.
    """
    run = CalculationRun.objects.create(
        period=period,
        edition=edition,
        reason=reason[:300],
        requested_metric_ids=sorted(set(metric_ids or ())),
        full_requested=full,
    )
    transaction.on_commit(partial(calculation_enqueue, run.pk))
    return run


def calculation_enqueue(run_id: int) -> bool:
    """Send the run to the workers; if the broker is unreachable, log and leave it pending."""
    from metrics.tasks import recalculate

    try:
        recalculate.delay(run_id)
    except BROKER_ERRORS:
        logger.warning("Run %s stays pending: the broker is unreachable", run_id, exc_info=True)
        return False
    return True


# --- running ---------------------------------------------------------------------------------


def run_calculation(run_id: int) -> None:
    """Do run ``run_id`` unless it is done already (finished, failed or superseded: no-op).

    Raises QuarterBusy while another run of the quarter holds its lock, and the transient
    database errors (the run is back to pending for the retry); any other error fails the run.
    """
    run = CalculationRun.objects.filter(pk=run_id).first()
    if run is None or run.status not in (RunStatus.PENDING, RunStatus.RUNNING):
        return
    key = sql.quarter_lock_key(run.period_id, run.edition_id)
    if not sql.lock_try(key):
        raise QuarterBusy(f"run {run_id}: another run of {run.period_id} is in progress")
    try:
        claimed = _claim(run_id)
        if claimed is not None:
            _run_claimed(claimed)
    finally:
        _unlock(key)


def _unlock(key: int) -> None:
    try:
        sql.lock_release(key)
    except DatabaseError:
        logger.warning("Could not release lock %s: its connection is gone, and the lock too", key)


def _claim(run_id: int) -> CalculationRun | None:
    """Take the run (pending, or running after a worker died: we hold the quarter's lock)."""
    now = timezone.now()
    with transaction.atomic():
        claimed = CalculationRun.objects.filter(
            pk=run_id, status__in=[RunStatus.PENDING, RunStatus.RUNNING]
        ).update(
            status=RunStatus.RUNNING,
            started_at=now,
            finished_at=None,
            attempts=F("attempts") + 1,
            error="",
            steps_done=0,
        )
        if claimed != 1:
            return None
        run = CalculationRun.objects.select_related("period", "edition").get(pk=run_id)
        _coalesce(run, now)
    return run


def _coalesce(run: CalculationRun, now: Any) -> None:
    """Fold every other waiting run of the quarter into this one: many acceptances, one run."""
    others = list(
        CalculationRun.objects.filter(
            period_id=run.period_id,
            edition_id=run.edition_id,
            status__in=[RunStatus.PENDING, RunStatus.RUNNING],
        )
        .exclude(pk=run.pk)
        .values_list("pk", "requested_metric_ids", "full_requested")
    )
    if not others:
        return
    run.requested_metric_ids = sorted(
        set(run.requested_metric_ids).union(*(ids for _, ids, _ in others))
    )
    run.full_requested = run.full_requested or any(full for _, _, full in others)
    run.save(update_fields=["requested_metric_ids", "full_requested"])
    ids = [pk for pk, _, _ in others]
    _delete_results(ids)  # a dead worker's half-written rows
    CalculationRun.objects.filter(pk__in=ids).update(
        status=RunStatus.SUPERSEDED, superseded_by=run, finished_at=now
    )


def _run_claimed(run: CalculationRun) -> None:
    try:
        _calculate(run)
    except TRANSIENT_DATABASE_ERRORS:
        _give_back(run)
        raise
    except Exception as error:
        logger.exception("Run %s failed", run.pk)
        _fail(run, error)


def _give_back(run: CalculationRun) -> None:
    """Back to pending for the retry; if the database is gone, the sweeper will do it."""
    try:
        CalculationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.PENDING
        )
    except DatabaseError:
        logger.warning("Run %s left running: the sweeper will reset it", run.pk)


def _fail(run: CalculationRun, error: Exception) -> None:
    with transaction.atomic():
        _delete_results([run.pk])
        CalculationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error="".join(traceback.format_exception(error))[-4000:],
        )


def _delete_results(run_ids: Sequence[int]) -> None:
    sql.results_delete(run_ids)


@dataclass(frozen=True)
class Plan:
    """What a run recomputes; the rest it takes from ``previous_id`` (None: nothing to take).

    National results: ``recomputed.metric_ids`` (None: every metric) in its ``peer_groups``
    (None: every group) — a body's new values move only its own peer group's ranks, quartiles
    and scores. SPC: the series of ``recomputed.organisation_ids``. Flags: those of the
    metrics and peer groups whose results or series came out different — or all of them when
    the previous quarters' current runs (what the flags look back on) differ from those the
    previous run's flags read.
    """

    recomputed: sql.Units
    previous_id: int | None
    previous_flag_history: list[list[int]] | None = None


@dataclass
class Clock:
    """Seconds per step of a run, kept in ``CalculationRun.timings`` and logged as they end."""

    run_id: int
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    tick: float = 0.0

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        tick = self.tick = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - tick
            self.timings[name] = round(self.timings.get(name, 0.0) + seconds, 4)
            logger.info("Run %s: %s took %.3f s", self.run_id, name, seconds)

    def lap(self, name: str) -> None:
        """A part of the current step: the time since the step began or the last lap."""
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self.tick, 4)
        self.tick = now

    def total(self) -> dict[str, float]:
        return {**self.timings, "total": round(time.perf_counter() - self.started, 4)}


def _calculate(run: CalculationRun) -> None:
    clock = Clock(run.pk)
    with clock.step("inputs: read"):
        _delete_results([run.pk])  # leftovers of an attempt whose worker died
        versions = sql.accepted_versions(edition_id=run.edition_id, period_end=str(run.period.end))
    inputs = _InputsStep(run.pk, versions)
    try:
        _calculate_results(run, versions, clock)
        with clock.step("inputs: waiting for the record"):
            inputs.result()  # published only with its inputs recorded
        with clock.step("publish"):
            _publish(run, clock)
    finally:
        inputs.close()  # before a failed run's rows are deleted


def _calculate_results(run: CalculationRun, versions: np.ndarray, clock: Clock) -> None:
    """Plan, national results, SPC and flags: every row of the run but its inputs."""
    parameters = calculation_parameters(run.edition)
    edition = run.edition
    with clock.step("inputs and plan"):
        plan = _plan(run, parameters, versions)
        clock.lap("inputs: plan")
        metrics = {metric.pk: metric for metric in Metric.objects.filter(edition=edition)}
        clock.lap("inputs: metrics")
        recomputed = plan.recomputed
        batches = _batches(sorted(recomputed.organisation_ids), SPC_BATCH_BODIES)
        _progress(
            run,
            1,
            steps_total=3 + len(batches),
            method_version=METHOD_VERSION,
            parameters=parameters,
            incremental=plan.previous_id is not None,
            metric_ids=sorted(metrics if recomputed.metric_ids is None else recomputed.metric_ids),
        )
    # The SPC step runs alongside the national results when it can (_SpcStep).
    spc = _SpcStep(run, plan, parameters, metrics, batches)
    try:
        with clock.step("national results"), transaction.atomic():
            changed_units = national_results_write(
                run,
                recomputed=recomputed,
                previous_id=plan.previous_id,
                min_bodies=parameters["quartiles"]["min_bodies"],
                metrics=metrics,
                timings=clock.timings,
            )
        _step_done(run)
        with clock.step("spc: waiting for the series" if spc.alongside else "spc"):
            series = spc.result()
    finally:
        spc.close()
        clock.timings.update(spc.clock.timings)
    with clock.step("flags"), transaction.atomic():
        history = flag_history(run, parameters["flags"])
        previous_id = plan.previous_id
        if previous_id is not None and plan.previous_flag_history == history:
            # Only where a result or a series changed can a flag change.
            series_units = series_changed_units(run, previous_id, recomputed.organisation_ids)
            recomputed = replace(recomputed, flag_units=changed_units | series_units)
        else:
            previous_id = None  # the flags look back on other quarters: all worked out again
        flags_write(
            run,
            parameters["flags"],
            metrics,
            history=history,
            previous_id=previous_id,
            recomputed=recomputed,
            timings=clock.timings,
        )
    _progress(run, 3 + len(batches), series_recalculated=series, flag_history=history)


def _plan(run: CalculationRun, parameters: dict[str, Any], versions: np.ndarray) -> Plan:
    """Everything when asked to, or when the current run used other rules; else what changed."""
    current = (
        CurrentRun.objects.filter(period_id=run.period_id, edition_id=run.edition_id)
        .select_related("run")
        .first()
    )
    compatible = (
        current is not None
        and current.run.method_version == METHOD_VERSION
        and current.run.parameters == parameters
    )
    if current is None or not compatible or run.full_requested:
        every_body = sql.organisations_in_quarter(run.period_id, run.edition_id)
        return Plan(sql.Units(organisation_ids=every_body), None)
    # The versions accepted or replaced since the current run: the difference of the inputs.
    changed = sql.versions_described(
        np.setxor1d(versions, sql.input_versions(current.run_id), assume_unique=True).tolist()
    )
    this_quarter = [(v, body) for v, body, period in changed if period == run.period_id]
    metric_ids = sql.metrics_of_versions([v for v, _ in this_quarter])
    organisation_ids = sorted({body for _, body, _ in changed})
    # Asked-for metrics are recomputed in every peer group; changed ones in the groups of the
    # bodies that changed (now, and in the previous run should a body have changed group).
    groups = sql.peer_groups_of({b for _, b in this_quarter}, previous_id=current.run_id)
    recomputed = sql.Units(
        metric_ids=sorted(metric_ids | set(run.requested_metric_ids)),
        peer_groups=None if run.requested_metric_ids else sorted(groups),
        organisation_ids=organisation_ids,
    )
    return Plan(recomputed, current.run_id, current.run.flag_history)


def _batches(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _progress(run: CalculationRun, steps_done: int, **fields: Any) -> None:
    """Committed at once (outside the steps' transactions) for the run status page."""
    CalculationRun.objects.filter(pk=run.pk).update(steps_done=steps_done, **fields)


def _step_done(run: CalculationRun) -> None:
    """One more step done (steps may end on two threads: counted, not numbered)."""
    CalculationRun.objects.filter(pk=run.pk).update(steps_done=F("steps_done") + 1)


class _InputsStep:
    """Records the run's inputs — every accepted version up to its quarter, ~275k rows at
    stress scale, over a second of one acceptance's run — on a thread and database connection
    of its own while the run works on, when it can (as ``_SpcStep``); else at once. The
    versions are those the plan compared, read once: the record and the plan always agree."""

    def __init__(self, run_id: int, versions: np.ndarray) -> None:
        self.pool: ThreadPoolExecutor | None = None
        if sql.is_postgres() and not connection.in_atomic_block:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inputs")
            self.future = self.pool.submit(self._in_thread, run_id, versions)
        else:
            sql.inputs_write(run_id, versions)

    @staticmethod
    def _in_thread(run_id: int, versions: np.ndarray) -> int:
        try:
            return sql.inputs_write(run_id, versions)
        finally:
            connections.close_all()  # this thread's connection

    def result(self) -> None:
        """Wait until the inputs are recorded (the thread's errors raised here)."""
        if self.pool is not None:
            try:
                self.future.result()
            finally:
                self.close()

    def close(self) -> None:
        """Wait for the thread, whatever it did: the run's rows are deleted only after it."""
        if self.pool is not None:
            wait([self.future])
            self.pool.shutdown()
            self.pool = None


class _SpcStep:
    """The SPC step, on a thread and database connection of its own while the main one does
    the national results, when the run's data is committed (PostgreSQL, outside a transaction:
    the Celery task) and there is more than a batch of bodies; else done when asked for.

    With two cores, PostgreSQL reading values and writing series for one while computing
    quartiles for the other roughly halves a full run's wait for both.
    """

    def __init__(
        self,
        run: CalculationRun,
        plan: Plan,
        parameters: dict[str, Any],
        metrics: dict[int, Metric],
        batches: list[list[int]],
    ) -> None:
        self.run, self.plan, self.parameters = run, plan, parameters
        self.metrics, self.batches = metrics, batches
        self.clock = Clock(run.pk)
        self.stopping = False
        self.alongside = len(batches) > 1 and sql.is_postgres() and not connection.in_atomic_block
        self.pool: ThreadPoolExecutor | None = None
        if self.alongside:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spc")
            self.future = self.pool.submit(self._in_thread)

    def _in_thread(self) -> int:
        try:
            return self._run()
        finally:
            connections.close_all()  # this thread's connection

    def _run(self) -> int:
        run = self.run
        reader = SeriesReader(
            edition_id=run.edition_id, period_end=str(run.period.end), batches=self.batches
        )
        try:
            return _spc(run, self.plan, self.parameters, self.metrics, reader, self.clock, self)
        finally:
            reader.close()
            if reader.read_seconds:
                name = "spc: read values" + (" (alongside)" if reader.alongside else "")
                self.clock.timings[name] = round(reader.read_seconds, 4)

    def result(self) -> int:
        """How many series were analysed (the thread's errors raised here)."""
        return self.future.result() if self.pool is not None else self._run()

    def close(self) -> None:
        """Wait for the thread (told to stop after its batch, should the run have failed)."""
        if self.pool is not None:
            self.stopping = True
            wait([self.future])
            self.pool.shutdown()
            self.pool = None


def _spc(
    run: CalculationRun,
    plan: Plan,
    parameters: dict[str, Any],
    metrics: dict[int, Metric],
    reader: SeriesReader,
    clock: Clock,
    step: _SpcStep,
) -> int:
    """SPC of the changed bodies' series, batch by batch; the others taken as they were."""
    settings = spc_settings(parameters["spc"])
    series_metrics = {
        pk: SeriesMetric(polarity=metric.polarity, target=metric.standard)
        for pk, metric in metrics.items()
    }
    written = 0
    for number, batch in enumerate(reader.batches):
        if step.stopping:
            break  # the run failed meanwhile: its rows are about to be deleted
        with clock.step("spc: waiting for values"):
            found = reader.take(number)
        with clock.step("spc series"), transaction.atomic():
            written += spc_batch_write(
                run_id=run.pk,
                period_id=run.period_id,
                edition_id=run.edition_id,
                period_start=str(run.period.start),
                period_end=str(run.period.end),
                organisation_ids=batch,
                metrics=series_metrics,
                settings=settings,
                timings=clock.timings,
                found=found,
            )
        _step_done(run)
    if plan.previous_id is not None:
        with clock.step("spc taken from the previous run"):
            sql.units_take(
                "metrics_seriesunit",
                run_id=run.pk,
                previous_id=plan.previous_id,
                recomputed=plan.recomputed,
            )
    return written


def _publish(run: CalculationRun, clock: Clock) -> None:
    """Mark the run finished and make it the quarter's current run, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        finished = CalculationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FINISHED,
            finished_at=now,
            steps_done=F("steps_total"),
            timings=clock.total(),
        )
        if finished != 1:
            raise RuntimeError(f"run {run.pk} is no longer running; its results stay unpublished")
        CurrentRun.objects.update_or_create(
            period_id=run.period_id,
            edition_id=run.edition_id,
            defaults={"run": run, "switched_at": now},
        )


# --- sweeping --------------------------------------------------------------------------------


def calculation_sweep(*, pending_after: timedelta, running_after: timedelta) -> list[int]:
    """Re-send what never reached a worker and reset what a dead worker left running.

    A run is dead when it has been running longer than ``running_after`` and nobody holds its
    quarter's lock (a live worker always does). One run per quarter is re-sent: its claim takes
    the quarter's other waiting runs with it. Returns the ids sent.
    """
    now = timezone.now()
    stale = CalculationRun.objects.filter(
        status=RunStatus.RUNNING, started_at__lt=now - running_after
    )
    reset = {run.pk for run in stale if _reset_if_dead(run)}
    waiting = (
        CalculationRun.objects.filter(status=RunStatus.PENDING)
        .order_by("period_id", "edition_id", "requested_at")
        .values_list("period_id", "edition_id", "pk", "requested_at")
    )
    first_per_quarter: dict[tuple[int, int], int] = {}
    for period_id, edition_id, pk, requested_at in waiting:
        if pk in reset or requested_at < now - pending_after:
            first_per_quarter.setdefault((period_id, edition_id), pk)
    sent = sorted(first_per_quarter.values())
    for run_id in sent:
        calculation_enqueue(run_id)
    return sent


def _reset_if_dead(run: CalculationRun) -> bool:
    """Back to pending if no worker holds the quarter (checked and changed under its lock)."""
    with transaction.atomic():
        if not sql.lock_try_transaction(sql.quarter_lock_key(run.period_id, run.edition_id)):
            return False
        reset = CalculationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.PENDING
        )
    if reset:
        logger.warning("Run %s was left running by a dead worker: reset to pending", run.pk)
    return bool(reset)
