"""The system lens's answer to what the calculation does: roll-ups follow each published run."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from metrics.calculation.signals import run_published


@receiver(run_published, dispatch_uid="systemlens.rollups_after_publication")
def rollups_after_publication(sender: object, *, run_id: int, **kwargs: Any) -> None:
    """The run is its quarter's current run: derive the quarter's system roll-ups."""
    from systemlens.rollups import rollups_recompute

    rollups_recompute(run_id=run_id)
