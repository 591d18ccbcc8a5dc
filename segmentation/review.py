"""The regional review list: every body of a region with its current, proposed and decided
segment, its flags by kind (counted when the proposal was computed, from the same run), the
change since last quarter and whether the ICS lead gave a view (issue 8 item 4). Filtered,
sorted and paged in the query; a page costs the same handful of queries whatever the region's
size (counted in tests/segmentation/test_review_pages.py and bench/segmentation_pages.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from accounts.scope import AnyUser, organisations_overseen_by
from metrics.models.catalogue import Period
from oversight.models import OrganisationKind, Region, Sector, System
from segmentation.methods import review_method
from segmentation.models import Proposal, SegmentationMethod, SegmentDecision, SystemView
from segmentation.standing import published_before

PAGE_SIZE = 50

# ?sort= → the ordering it means; "-" before a key reverses it.
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (F("organisation__name").asc(),),
    "proposed": (F("segment").asc(nulls_last=True), F("organisation__name").asc()),
    "current": (F("current_segment").asc(nulls_last=True), F("organisation__name").asc()),
    "decided": (F("decided_segment").asc(nulls_last=True), F("organisation__name").asc()),
    "system": (
        F("organisation__system__name").asc(nulls_last=True),
        F("organisation__name").asc(),
    ),
}


@dataclass(frozen=True)
class ReviewFilters:
    system: str = ""  # an ICS's ODS code
    kind: str = ""  # "ics", "ccg", or "trust:<sector>" / "trust"
    differs: bool = False  # the proposal differs from the current segment
    sort: str = "name"
    descending: bool = False


@dataclass
class ReviewRow:
    proposal: Proposal
    flags: dict[str, int] = field(default_factory=dict)  # kind → how many

    @property
    def organisation(self) -> Any:
        return self.proposal.organisation


@dataclass
class ReviewList:
    region: Region
    period: Period
    method: SegmentationMethod | None
    page: Page[Any] | None
    rows: list[ReviewRow]
    systems: list[System]
    previous: Period | None


def previous_period(period: Period) -> Period | None:
    return Period.objects.filter(end__lt=period.start).order_by("-end").first()


def _latest_decision(period: Period) -> QuerySet[SegmentDecision]:
    return SegmentDecision.objects.filter(
        period=period, organisation_id=OuterRef("organisation_id")
    )


def annotated_proposals(
    *, user: AnyUser, period: Period, method: SegmentationMethod, previous: Period | None
) -> QuerySet[Proposal]:
    """The method's proposals of the quarter for the bodies the user oversees, each with its
    current segment, latest decision (segment and state), last quarter's proposed segment,
    whether an ICS lead's view was given, and its count of concern flags — all in one query."""
    decided = _latest_decision(period).order_by("-recorded_at", "-pk")
    current = published_before(period).filter(organisation_id=OuterRef("organisation_id"))
    before = Proposal.objects.filter(
        organisation_id=OuterRef("organisation_id"), method__primary=True
    ).order_by("method__code")
    before = before.filter(period=previous) if previous else before.none()
    return (
        Proposal.objects.filter(
            period=period,
            method=method,
            organisation__in=organisations_overseen_by(user),
        )
        .select_related("organisation__system", "organisation__region")
        .annotate(
            current_segment=Subquery(current.values("segment")[:1]),
            decided_segment=Subquery(decided.values("segment")[:1]),
            decided_state=Subquery(decided.values("state")[:1]),
            decided_id=Subquery(decided.values("pk")[:1]),
            previous_segment=Subquery(before.values("segment")[:1]),
            view_given=Exists(
                SystemView.objects.filter(
                    period=period, organisation_id=OuterRef("organisation_id")
                )
            ),
        )
    )


def _filtered(proposals: QuerySet[Proposal], filters: ReviewFilters) -> QuerySet[Proposal]:
    if filters.system:
        proposals = proposals.filter(organisation__system__ods_code__iexact=filters.system)
    if filters.kind:
        kind, _, sector = filters.kind.partition(":")
        proposals = proposals.filter(organisation__kind=kind)
        if sector:
            proposals = proposals.filter(organisation__sector=sector)
    if filters.differs:
        proposals = proposals.filter(
            Q(current_segment__isnull=True) | ~Q(segment=F("current_segment"))
        )
    return proposals


def _sorted(proposals: QuerySet[Proposal], filters: ReviewFilters) -> QuerySet[Proposal]:
    first, *rest = SORTS.get(filters.sort, SORTS["name"])
    if filters.descending:
        first = first.copy()
        first.descending = True
    return proposals.order_by(first, *rest, "pk")


def review_list(
    *,
    user: AnyUser,
    region: Region,
    period: Period,
    filters: ReviewFilters,
    page_number: str | int | None = 1,
) -> ReviewList:
    """One page of the region's review list, for a user who oversees the region."""
    method = review_method(period)
    previous = previous_period(period)
    systems = list(System.objects.filter(region=region).order_by("name"))
    if method is None:
        return ReviewList(region, period, None, None, [], systems, previous)
    proposals = annotated_proposals(user=user, period=period, method=method, previous=previous)
    proposals = _sorted(_filtered(proposals.filter(organisation__region=region), filters), filters)
    proposals = proposals.defer("criteria", "domain_scores")  # the list shows neither
    page = Paginator(proposals, PAGE_SIZE).get_page(page_number)
    rows = [ReviewRow(p, dict(sorted(p.flag_counts.items()))) for p in page.object_list]
    return ReviewList(region, period, method, page, rows, systems, previous)


def kind_choices() -> list[tuple[str, str]]:
    """The kind/sector filter's options."""
    return [
        ("", "All kinds"),
        (OrganisationKind.ICS, "ICSs"),
        (OrganisationKind.CCG, "CCGs"),
        (OrganisationKind.TRUST, "All trusts"),
        *((f"trust:{s.value}", f"Trusts: {s.label.lower()}") for s in Sector),
    ]
