"""The sweeper: current runs whose proposals never got computed are sent again."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from metrics.models.calculation import CurrentRun
from segmentation.models import SegmentationEvent
from segmentation.proposals_queue import proposals_enqueue


def proposals_sweep() -> list[int]:
    """Enqueue each current run whose proposals were never computed; returns the run ids."""
    computed = SegmentationEvent.objects.filter(
        action=SegmentationEvent.Action.PROPOSALS_COMPUTED, run_id=OuterRef("run_id")
    )
    missing = (
        CurrentRun.objects.annotate(done=Exists(computed))
        .filter(done=False)
        .values_list("run_id", flat=True)
        .order_by("run_id")
    )
    sent = list(missing)
    for run_id in sent:
        proposals_enqueue(run_id)
    return sent
