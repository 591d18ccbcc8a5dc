"""Celery tasks of the calculation engine: thin, taking ids, safe to run twice.

DESIGN.md "Runtime" and issue 4 item 3: ``recalculate`` does one run (``acks_late``: a worker
killed mid-run leaves the message to be redelivered, and the run restarts cleanly), and
``run_part`` one share of a run's SPC or flags that any worker may take (issue 11 item 4,
``metrics.calculation.parts``); the beat
task ``sweep_pending_runs`` re-sends runs that never reached the broker and resets runs whose
worker died.

Their names are those they had before metrics was cut into parts ("metrics.tasks.…"): messages
already queued, and the beat schedule, name them so.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from metrics.calculation.parts import PART_TASK
from metrics.calculation.runs import RECALCULATE_TASK, TRANSIENT_DATABASE_ERRORS, QuarterBusy

# How long a run may wait pending before the sweeper re-sends it, and run before it is suspect.
# A suspect run is only reset when no worker holds its quarter's lock.
PENDING_AFTER_SECONDS = 60
RUNNING_AFTER_SECONDS = 300


@shared_task(
    name=RECALCULATE_TASK,
    acks_late=True,
    autoretry_for=(QuarterBusy, *TRANSIENT_DATABASE_ERRORS),
    # A busy quarter frees within seconds; after two minutes the sweeper takes over.
    retry_kwargs={"countdown": 1, "max_retries": 120},
)
def recalculate(run_id: int) -> None:
    """Do calculation run ``run_id`` (a no-op if it is finished, failed or superseded)."""
    from metrics.calculation.runs import run_calculation

    run_calculation(run_id)


@shared_task(
    name=PART_TASK,
    acks_late=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_kwargs={"countdown": 1, "max_retries": 30},
)
def run_part(run_id: int, number: int) -> bool:
    """Do part ``number`` of run ``run_id`` if nobody has (a no-op otherwise)."""
    from metrics.calculation.parts import part_do

    return part_do(run_id, number)


@shared_task(name="metrics.tasks.sweep_pending_runs", acks_late=True)
def sweep_pending_runs(
    pending_after_seconds: int = PENDING_AFTER_SECONDS,
    running_after_seconds: int = RUNNING_AFTER_SECONDS,
) -> list[int]:
    """Re-send pending runs the workers never got and reset runs a dead worker left running."""
    from metrics.calculation.runs import calculation_sweep

    return calculation_sweep(
        pending_after=timedelta(seconds=pending_after_seconds),
        running_after=timedelta(seconds=running_after_seconds),
    )
