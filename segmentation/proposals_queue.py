"""Sending a proposals computation to the workers.

The task is looked up by name in the Celery app's registry rather than imported: the tasks
module imports the operations, so the operations never import it. (A registered task, unlike
``send_task``, runs in-process when ``CELERY_TASK_ALWAYS_EAGER`` is on: the embedded default.)
"""

from __future__ import annotations

import logging

import kombu.exceptions
from celery import current_app

logger = logging.getLogger(__name__)

COMPUTE_TASK = "segmentation.compute_proposals"
BROKER_ERRORS = (kombu.exceptions.OperationalError, OSError)


def proposals_enqueue(run_id: int) -> bool:
    """Ask a worker to compute run ``run_id``'s proposals; if the broker is unreachable, log it
    and leave it to the sweeper (``segmentation.tasks.sweep_proposals``)."""
    try:
        current_app.tasks[COMPUTE_TASK].delay(run_id)
    except BROKER_ERRORS:
        logger.warning("Proposals of run %s wait for the sweeper: no broker", run_id, exc_info=True)
        return False
    return True
