"""Celery tasks of the system lens: thin, taking ids, safe to run twice."""

from __future__ import annotations

import logging

import kombu.exceptions
from celery import current_app, shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)

ROLLUPS_TASK = "systemlens.recompute_rollups"
BROKER_ERRORS = (kombu.exceptions.OperationalError, OSError)


@shared_task(
    name=ROLLUPS_TASK,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_kwargs={"countdown": 2, "max_retries": 5},
)
def recompute_rollups(run_id: int) -> int:
    """Derive the quarter's system roll-ups from run ``run_id`` (a no-op unless it is its
    quarter's current run)."""
    from systemlens.rollups import rollups_recompute

    return rollups_recompute(run_id=run_id)


def rollups_enqueue(run_id: int) -> None:
    """Ask a worker of the default queue for run ``run_id``'s roll-ups — not the calculation's
    worker, whose next run would wait behind them (in this process in eager mode: the embedded
    default). The task is looked up by name, so that eager mode runs it here.

    If the broker is unreachable they are derived here: nothing would derive them later until
    the quarter's next run.
    """
    try:
        current_app.tasks[ROLLUPS_TASK].delay(run_id)
    except BROKER_ERRORS:
        logger.warning("Roll-ups of run %s derived in place: no broker", run_id, exc_info=True)
        from systemlens.rollups import rollups_recompute

        rollups_recompute(run_id=run_id)
