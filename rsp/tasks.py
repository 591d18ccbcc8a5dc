"""Celery tasks of rsp: thin, taking ids, safe to run twice."""

from __future__ import annotations

import logging

import kombu.exceptions
from celery import current_app, shared_task
from django.db import OperationalError
from django.utils import timezone

logger = logging.getLogger(__name__)

EVALUATE_TASK = "rsp.evaluate_criteria"
REMINDERS_TASK = "rsp.send_reminders"


@shared_task(
    name=EVALUATE_TASK,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_kwargs={"countdown": 2, "max_retries": 5},
)
def evaluate_criteria(run_id: int) -> int:
    """Evaluate the measured exit criteria of open cases after run ``run_id`` was published."""
    from rsp.criteria import criteria_evaluate

    return criteria_evaluate(run_id=run_id)


@shared_task(name=REMINDERS_TASK, acks_late=True)
def send_reminders() -> int:
    """Today's reminders of actions due soon, overdue actions and reviews due (never twice)."""
    from rsp.reminders import reminders_send

    return reminders_send(today=timezone.localdate())


def criteria_enqueue(run_id: int) -> None:
    try:
        current_app.tasks[EVALUATE_TASK].delay(run_id)
    except (kombu.exceptions.OperationalError, OSError):
        # The next published run evaluates them again; a lost evaluation is late, not wrong.
        logger.warning("Exit criteria after run %s not evaluated: no broker", run_id, exc_info=True)
