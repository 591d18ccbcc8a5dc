"""Celery tasks of segmentation: thin, taking ids, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from segmentation.proposals_queue import COMPUTE_TASK


@shared_task(
    name=COMPUTE_TASK,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_kwargs={"countdown": 2, "max_retries": 5},
)
def compute_proposals(run_id: int) -> dict[str, int]:
    """Compute and store run ``run_id``'s proposals (a no-op unless it is its quarter's current
    run)."""
    from segmentation.proposals import proposals_compute

    return proposals_compute(run_id=run_id)


@shared_task(name="segmentation.sweep_proposals", acks_late=True)
def sweep_proposals() -> list[int]:
    """Send the current runs whose proposals were never computed (the broker was down)."""
    from segmentation.sweep import proposals_sweep

    return proposals_sweep()


@shared_task(
    name="segmentation.email_notifications",
    acks_late=True,
    autoretry_for=(OSError,),  # SMTP and connection errors: the claim was undone, try again
    retry_kwargs={"countdown": 30, "max_retries": 10},
)
def email_notifications(event: str) -> int:
    """Email each notification of ``event`` not emailed yet (never one twice)."""
    from segmentation.notifications import notifications_email

    return notifications_email(event=event)
