"""A run's work in parts that any worker may do: the SPC series of a batch of bodies, or the
flags of a batch of metrics, each a ``RunPart``.

The worker doing the run (holding its quarter's lock, ``metrics.calculation.runs``) records the
parts and, when other workers can see them (committed, on PostgreSQL), sends a Celery task per
part; any worker takes one. Meanwhile it goes on with the run (the national results, beside the
SPC parts), then does every part of the step nobody has taken yet itself, then waits for those
others took: the join before the next step and the atomic publication. So adding workers — on
this machine or others sharing the database and broker — shortens a run, one worker alone
still does the whole run, and nothing waits on a message: a part is work in the database, a
message only an invitation.

A part is taken with its row locked (``SKIP LOCKED``: never waited for) and done in the
transaction that writes its rows and marks it done. A worker that dies mid-part rolls that
transaction back, which frees the part for another (the run's worker takes it; the task, sent
``acks_late``, is redelivered too and finds it done); a part is never written twice.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from functools import cache

import kombu.exceptions
from celery import current_app, signature
from django.db import connection, transaction
from django.db.models import F, Sum

from metrics.calculation.flags import flags_write
from metrics.calculation.rebased import rebase_days
from metrics.calculation.series import SeriesMetric, spc_batch_write, spc_settings
from metrics.engine.kinds import ValueType
from metrics.models.calculation import CalculationRun, PartStep, RunPart, RunStatus
from metrics.models.catalogue import Metric
from oversight.bulk import is_postgres
from oversight.clock import Clock
from oversight.collector import cycle_collector_paused

logger = logging.getLogger(__name__)

PART_TASK = "metrics.tasks.run_part"
# Errors of sending a task: Redis refused a publish, or cannot be reached.
BROKER_ERRORS = (kombu.exceptions.OperationalError, OSError)
# How long the run's worker waits for a part another worker holds before failing the run (a
# part takes a second or two; a worker that dies frees its part at once).
PART_WAIT_SECONDS = 600.0
POLL_SECONDS = 0.02


@cache
def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def parts_record(run: CalculationRun, step: PartStep, batches: list[list[int]]) -> list[int]:
    """The run's parts of ``step``, one per batch (of bodies for SPC, of metrics for flags),
    numbered after the parts recorded before; their numbers. The SPC parts come first and
    replace an earlier attempt's parts (deleting one waits for a worker still writing it)."""
    if step == PartStep.SPC:
        RunPart.objects.filter(run=run).delete()
    first = RunPart.objects.filter(run=run).count()
    ids = "organisation_ids" if step == PartStep.SPC else "metric_ids"
    RunPart.objects.bulk_create(
        RunPart(run=run, number=number, step=step, **{ids: batch})
        for number, batch in enumerate(batches, start=first)
    )
    return list(range(first, first + len(batches)))


def parts_send(run_id: int, numbers: list[int]) -> int:
    """Invite the workers to the parts; how many tasks went. None when no other worker could
    see them (inside a transaction; SQLite, the embedded default) or would run them elsewhere
    (eager mode runs tasks in this process: the run does its parts itself), nor if the broker
    is unreachable (the run still does every part itself)."""
    eager = bool(current_app.conf.task_always_eager)
    if len(numbers) < 2 or eager or connection.in_atomic_block or not is_postgres():
        return 0
    try:
        for number in numbers:
            signature(PART_TASK, args=(run_id, number)).delay()
    except BROKER_ERRORS:
        logger.warning("Run %s does its parts alone: the broker is unreachable", run_id)
        return 0
    return len(numbers)


def part_do(run_id: int, number: int) -> bool:
    """Do part ``number`` of run ``run_id`` if nobody has: False when it is done, taken by
    another worker, or the run is no longer running."""
    clock = Clock()
    with transaction.atomic():
        part = (
            RunPart.objects.select_for_update(skip_locked=True)
            .filter(run_id=run_id, number=number, done=False)
            .first()
        )
        if part is None:
            return False
        run = (
            CalculationRun.objects.select_related("period", "edition")
            .filter(pk=run_id, status=RunStatus.RUNNING)
            .first()
        )
        if run is None:
            return False
        with cycle_collector_paused():
            if part.step == PartStep.FLAGS:
                rows = _flags_write(run, part.metric_ids)
            else:
                rows = _series_write(run, part.organisation_ids)
        RunPart.objects.filter(pk=part.pk).update(
            done=True, rows=rows, seconds=clock.elapsed(), done_by=worker_name()
        )
        CalculationRun.objects.filter(pk=run_id).update(steps_done=F("steps_done") + 1)
    return True


def _flags_write(run: CalculationRun, metric_ids: list[int]) -> int:
    """Raise and store the flags of a part's metrics, with the run's own parameters and the
    earlier quarters it recorded reading (``CalculationRun.flag_history``)."""
    metrics = {metric.pk: metric for metric in Metric.objects.filter(pk__in=metric_ids)}
    return flags_write(run, run.parameters["flags"], metrics, history=run.flag_history)


def _series_write(run: CalculationRun, organisation_ids: list[int]) -> int:
    """Analyse and store the series of a part's bodies, with the run's own parameters."""
    # An ordinal rating (CQC: Outstanding … Inadequate) is no process measurement: no SPC.
    metrics = {
        metric.pk: SeriesMetric(polarity=metric.polarity, target=metric.standard)
        for metric in Metric.objects.filter(edition_id=run.edition_id).exclude(
            value_type=ValueType.RATING
        )
    }
    period_end = str(run.period.end)
    return spc_batch_write(
        run_id=run.pk,
        period_id=run.period_id,
        edition_id=run.edition_id,
        period_start=str(run.period.start),
        period_end=period_end,
        organisation_ids=organisation_ids,
        metrics=metrics,
        settings=spc_settings(run.parameters["spc"]),
        rebases=rebase_days(edition_id=run.edition_id, period_end=period_end),
    )


def parts_join(run: CalculationRun, step: PartStep) -> int:
    """Do every part of ``step`` nobody has taken, then wait for those others took; the rows
    (series or flags) they stored.

    Raises RuntimeError if the run stops running meanwhile, or a part stays taken longer
    than ``PART_WAIT_SECONDS``."""
    deadline = time.monotonic() + PART_WAIT_SECONDS
    parts = RunPart.objects.filter(run=run, step=step)
    while waiting := list(parts.filter(done=False).values_list("number", flat=True)):
        took = [number for number in waiting if part_do(run.pk, number)]
        if took:
            continue
        if not CalculationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).exists():
            raise RuntimeError(f"run {run.pk} stopped running while its parts were under way")
        if time.monotonic() > deadline:
            raise RuntimeError(f"run {run.pk}: parts {waiting} not done in {PART_WAIT_SECONDS} s")
        time.sleep(POLL_SECONDS)
    return parts.aggregate(n=Sum("rows"))["n"] or 0


def parts_done_by(run_id: int) -> dict[str, int]:
    """How many of the run's parts each worker did (for the run's timings and the bench)."""
    counts: dict[str, int] = {}
    for name in RunPart.objects.filter(run_id=run_id).values_list("done_by", flat=True):
        counts[name] = counts.get(name, 0) + 1
    return counts
