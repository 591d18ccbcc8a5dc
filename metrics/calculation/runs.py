"""Calculation runs: the national picture of a quarter, recomputed after every acceptance.

DESIGN.md "The oversight cycle" step 4 and issue 4. A run, for one quarter and edition:

1. is requested pending in the transaction that accepts a return, and enqueued on commit
   (``calculation_request``); if the broker is down it stays pending for the sweeper;
2. is claimed by a worker holding the quarter's advisory lock, together with every other
   waiting run of the quarter, which become superseded — so runs are serialised per quarter
   and fifty acceptances coalesce into a handful of runs (``run_calculation``);
3. records its inputs by reference to the quarter's input set (the accepted versions it read,
   one row shared by every run that read the same: ``inputs.input_set_record``), then finds
   what changed since the quarter's current run (``Plan``): only those metrics'
   national results in the changed bodies' peer groups, those bodies' SPC series and the
   flags whose facts came out different are recomputed; the rest is taken from the current
   run by reference (``metrics.models``, "stored once, shared between runs": a few hundred
   unit rows, not every result again);
4. computes quarter values, ranks, percentiles, quartiles and scores
   (``metrics.calculation_results``), SPC series (in parts any worker may take while this one
   does the national results, joined before the flags: ``metrics.calculation.parts``) and the
   flags
   (``metrics.calculation_flags``), with set-based SQL (``metrics.calculation_sql``);
5. is published by switching ``CurrentRun`` in the transaction that marks it finished.

Rows are stored under the run's id and read only through ``CurrentRun``, so a run needs no long
transaction: a worker killed mid-run leaves rows nobody reads, deleted on the re-run. Each step
is timed (``CalculationRun.timings``, and a log line as it ends): where a run's time went.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Collection
from datetime import timedelta
from functools import partial
from typing import Any

import psycopg
from celery import current_app
from django.db import DatabaseError, transaction
from django.db import OperationalError as DjangoOperationalError
from django.db.models import F
from django.utils import timezone

from metrics.calculation.national_sql import results_delete
from metrics.calculation.parts import BROKER_ERRORS
from metrics.calculation.sql import lock_release, lock_try, lock_try_transaction, quarter_lock_key
from metrics.calculation.steps import calculate
from metrics.models.calculation import CalculationRun, RunStatus
from metrics.models.catalogue import FrameworkEdition, Period
from oversight.collector import cycle_collector_paused

logger = logging.getLogger(__name__)

# Errors worth retrying: the database went away or deadlocked, or Redis refused a publish.
TRANSIENT_DATABASE_ERRORS = (DjangoOperationalError, psycopg.OperationalError)


RECALCULATE_TASK = "metrics.tasks.recalculate"


class QuarterBusy(Exception):
    """Another worker holds this quarter's lock: try again shortly (the task retries)."""


# --- requesting ------------------------------------------------------------------------------


def calculation_request(
    *,
    period: Period,
    edition: FrameworkEdition,
    reason: str,
    metric_ids: Collection[int] | None = None,
    organisation_ids: Collection[int] | None = None,
    full: bool = False,
) -> CalculationRun:
    """Record a pending run in the caller's transaction and enqueue it once that commits.

    By default the run recomputes what changed since the quarter's current run; ``metric_ids``
    adds metrics to recompute regardless, ``organisation_ids`` bodies whose SPC series to
    recompute regardless (a recorded rebase), ``full`` recomputes everything.
    """
    run = CalculationRun.objects.create(
        period=period,
        edition=edition,
        reason=reason[:300],
        requested_metric_ids=sorted(set(metric_ids or ())),
        requested_organisation_ids=sorted(set(organisation_ids or ())),
        full_requested=full,
    )
    transaction.on_commit(partial(calculation_enqueue, run.pk))
    return run


def calculation_enqueue(run_id: int) -> bool:
    """Send the run to the workers; if the broker is unreachable, log and leave it pending.

    The task is looked up by name in the app's registry, not imported (its module,
    ``metrics.calculation.tasks``, imports this one). A registered task honours eager mode and
    runs in this process on the embedded default; a bare ``signature(name)`` would not (Celery
    sends it to a broker the demo does not have, and the run would wait for ever).
    """
    try:
        current_app.tasks[RECALCULATE_TASK].delay(run_id)
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
    key = quarter_lock_key(run.period_id, run.edition_id)
    if not lock_try(key):
        raise QuarterBusy(f"run {run_id}: another run of {run.period_id} is in progress")
    try:
        claimed = _claim(run_id)
        if claimed is not None:
            _run_claimed(claimed)
    finally:
        _unlock(key)


def _unlock(key: int) -> None:
    try:
        lock_release(key)
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
        .values_list("pk", "requested_metric_ids", "requested_organisation_ids", "full_requested")
    )
    if not others:
        return
    run.requested_metric_ids = sorted(
        set(run.requested_metric_ids).union(*(ids for _, ids, _, _ in others))
    )
    run.requested_organisation_ids = sorted(
        set(run.requested_organisation_ids).union(*(ids for _, _, ids, _ in others))
    )
    run.full_requested = run.full_requested or any(full for *_, full in others)
    run.save(update_fields=["requested_metric_ids", "requested_organisation_ids", "full_requested"])
    ids = [pk for pk, *_ in others]
    results_delete(ids)  # a dead worker's half-written rows
    CalculationRun.objects.filter(pk__in=ids).update(
        status=RunStatus.SUPERSEDED, superseded_by=run, finished_at=now
    )


def _run_claimed(run: CalculationRun) -> None:
    try:
        with cycle_collector_paused():
            calculate(run)
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
        results_delete([run.pk])
        CalculationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error="".join(traceback.format_exception(error))[-4000:],
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
        if not lock_try_transaction(quarter_lock_key(run.period_id, run.edition_id)):
            return False
        reset = CalculationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.PENDING
        )
    if reset:
        logger.warning("Run %s was left running by a dead worker: reset to pending", run.pk)
    return bool(reset)
