"""National segmentation and league tables (issue 8 item 6).

League table (NOF 2025/26 methodology manual): within each peer group, by segment, then by
average metric score (``segmentation.methodology.league_ranks``). The segment a body is ranked by is
its published segment of the quarter where the region has published one, else its proposed
segment — each row says which. Ranks are national (every body of the peer group counts); the
rows a user sees are those of the bodies they oversee. One query for the table, whatever its
size.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Subquery

from accounts.scope import AnyUser, organisations_overseen_by
from metrics.models.catalogue import Period
from segmentation.methodology import league_ranks
from segmentation.models import Proposal, SegmentationMethod
from segmentation.standing import published_in


@dataclass(frozen=True)
class LeagueRow:
    rank: int | None
    peer_group: str
    ods_code: str
    name: str
    kind: str
    region_code: str
    region_name: str
    system_code: str
    segment: int | None
    segment_source: str  # "published" or "proposed"
    proposed_segment: int | None
    average_score: Decimal | None
    run_id: int
    method: str
    method_version: int


def league_table(*, user: AnyUser, period: Period, method: SegmentationMethod) -> list[LeagueRow]:
    """The quarter's league table under ``method``: rows of the bodies the user oversees, ranked
    among every body of their peer group, by peer group then rank (one query)."""
    published = published_in(period).filter(organisation_id=OuterRef("organisation_id"))
    rows = (
        Proposal.objects.filter(period=period, method=method)
        .annotate(
            published_segment=Subquery(published.values("segment")[:1]),
            seen=Exists(organisations_overseen_by(user).filter(pk=OuterRef("organisation_id"))),
        )
        .values(
            "organisation_id",
            "organisation__ods_code",
            "organisation__name",
            "organisation__kind",
            "organisation__region__ods_code",
            "organisation__region__name",
            "organisation__system__ods_code",
            "peer_group",
            "segment",
            "published_segment",
            "average_score",
            "run_id",
            "method_version",
            "seen",
        )
    )
    listed = list(rows)
    ranked = {
        r["organisation_id"]: (
            r["peer_group"],
            r["published_segment"] if r["published_segment"] is not None else r["segment"],
            r["average_score"],
        )
        for r in listed
    }
    ranks = league_ranks(ranked)
    table = [
        LeagueRow(
            rank=ranks.get(r["organisation_id"]),
            peer_group=r["peer_group"],
            ods_code=r["organisation__ods_code"],
            name=r["organisation__name"],
            kind=r["organisation__kind"],
            region_code=r["organisation__region__ods_code"],
            region_name=r["organisation__region__name"],
            system_code=r["organisation__system__ods_code"] or "",
            segment=ranked[r["organisation_id"]][1],
            segment_source="published" if r["published_segment"] is not None else "proposed",
            proposed_segment=r["segment"],
            average_score=r["average_score"],
            run_id=r["run_id"],
            method=method.code,
            method_version=r["method_version"],
        )
        for r in listed
        if r["seen"]
    ]
    table.sort(key=lambda row: (row.peer_group, row.rank is None, row.rank or 0, row.name))
    return table
