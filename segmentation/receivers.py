"""Segmentation's answers to what the calculation does: a published run's proposals."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from metrics.calculation.signals import run_published
from segmentation.proposals_queue import proposals_enqueue


@receiver(run_published, dispatch_uid="segmentation.proposals_after_publication")
def proposals_after_publication(sender: object, *, run_id: int, **kwargs: Any) -> None:
    """The run is committed as its quarter's current run: compute its proposals on a worker."""
    proposals_enqueue(run_id)
