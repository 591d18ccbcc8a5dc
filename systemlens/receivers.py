"""The system lens's answer to what the calculation does: roll-ups follow each published run."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from metrics.calculation.signals import run_published
from systemlens.tasks import rollups_enqueue


@receiver(run_published, dispatch_uid="systemlens.rollups_after_publication")
def rollups_after_publication(sender: object, *, run_id: int, **kwargs: Any) -> None:
    """The run is its quarter's current run: derive the quarter's system roll-ups on a worker
    of the default queue (the calculation's worker goes on to the next run)."""
    transaction.on_commit(partial(rollups_enqueue, run_id), robust=True)
