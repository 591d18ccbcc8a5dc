"""Segments in force: the published decisions, the latest of each body before a quarter."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from metrics.models.catalogue import Period
from oversight.models import Organisation
from segmentation.models import DecisionState, SegmentDecision


def published_before(period: Period) -> QuerySet[SegmentDecision]:
    """Published decisions of quarters ending before ``period`` starts, latest first."""
    return SegmentDecision.objects.filter(
        state=DecisionState.PUBLISHED, period__end__lt=period.start
    ).order_by("-period__end", "-publication__published_at", "-pk")


def published_in(period: Period) -> QuerySet[SegmentDecision]:
    """Published decisions of ``period`` itself, the latest publication first."""
    return SegmentDecision.objects.filter(state=DecisionState.PUBLISHED, period=period).order_by(
        "-publication__published_at", "-pk"
    )


def with_current_segment(
    organisations: QuerySet[Organisation], period: Period
) -> QuerySet[Organisation]:
    """Each body with ``current_segment`` (and ``current_period_end``): its segment as last
    published before the quarter — what the region's decision may change (one query)."""
    latest = published_before(period).filter(organisation_id=OuterRef("pk"))
    return organisations.annotate(
        current_segment=Subquery(latest.values("segment")[:1]),
        current_period_end=Subquery(latest.values("period__end")[:1]),
    )


@dataclass(frozen=True)
class Standing:
    """A body's segment before the quarter and its published segment of the quarter."""

    current: int | None
    published: SegmentDecision | None


def standing_of(organisation: Organisation, period: Period) -> Standing:
    before = published_before(period).filter(organisation=organisation).first()
    now = published_in(period).filter(organisation=organisation).first()
    return Standing(before.segment if before else None, now)
