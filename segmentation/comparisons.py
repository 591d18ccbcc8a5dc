"""For national users (issue 8 item 8): how often each region's decisions differ from the
proposals — in which direction, for which criteria, with the rationales — and one quarter
segmented under two methods side by side, with the bodies whose segment differs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from metrics.models.catalogue import Period
from oversight.models import Region
from segmentation.models import DecisionState, Proposal, SegmentationMethod, SegmentDecision


@dataclass
class RegionDifferences:
    region: Region
    decisions: int = 0
    differ: int = 0
    more_support: int = 0  # decided a higher segment than proposed
    less_support: int = 0
    criteria: Counter[str] = field(default_factory=Counter)  # met by the differing proposals
    differing: list[SegmentDecision] = field(default_factory=list)

    @property
    def criteria_counts(self) -> list[tuple[str, int]]:
        return self.criteria.most_common()

    @property
    def share(self) -> str:
        return f"{round(100 * self.differ / self.decisions)}%" if self.decisions else "—"


def decision_differences(period: Period) -> list[RegionDifferences]:
    """Each region's standing decisions of the quarter (the latest of each body, sent-back ones
    left out) against the proposals they were made on (two queries)."""
    by_region = {r.pk: RegionDifferences(r) for r in Region.objects.order_by("name")}
    decisions = (
        SegmentDecision.objects.filter(period=period)
        .exclude(state=DecisionState.SENT_BACK)
        .select_related("organisation", "recorded_by")
        .order_by("organisation_id", "-recorded_at", "-pk")
    )
    seen: set[int] = set()
    for decision in decisions:
        if decision.organisation_id in seen:
            continue
        seen.add(decision.organisation_id)
        tally = by_region[decision.organisation.region_id]
        tally.decisions += 1
        if not decision.differs_from_proposal:
            continue
        tally.differ += 1
        proposed = decision.proposed_segment
        if proposed is not None and decision.segment > proposed:
            tally.more_support += 1
        elif proposed is not None:
            tally.less_support += 1
        tally.criteria.update(decision.proposal_criteria_met)
        tally.differing.append(decision)
    return list(by_region.values())


@dataclass(frozen=True)
class ComparedBody:
    ods_code: str
    name: str
    peer_group: str
    segment_a: int | None
    segment_b: int | None
    summary_a: str
    summary_b: str


@dataclass
class Comparison:
    a: SegmentationMethod
    b: SegmentationMethod
    bodies: int  # segmented by both
    differing: list[ComparedBody]
    only_one: int  # bodies one of the methods does not segment (e.g. ICSs under NOF rules)
    counts: dict[tuple[int | None, int | None], int]


def methods_of(period: Period) -> list[SegmentationMethod]:
    """The methods with proposals for the quarter, the primary ones first (one query)."""
    return list(
        SegmentationMethod.objects.filter(
            pk__in=Proposal.objects.filter(period=period).values("method_id")
        ).order_by("-primary", "code")
    )


def method_comparison(period: Period, a: SegmentationMethod, b: SegmentationMethod) -> Comparison:
    """The quarter's proposals under two methods, body by body (one query)."""
    rows: dict[int, dict[str, object]] = {}
    proposals = (
        Proposal.objects.filter(period=period, method__in=[a, b])
        .select_related("organisation")
        .order_by("organisation__name")
    )
    for p in proposals:
        row = rows.setdefault(
            p.organisation_id,
            {"ods": p.organisation.ods_code, "name": p.organisation.name, "group": p.peer_group},
        )
        side = "a" if p.method_id == a.pk else "b"
        row[f"segment_{side}"] = p.segment
        row[f"summary_{side}"] = p.summary
    compared = [
        ComparedBody(
            str(r["ods"]),
            str(r["name"]),
            str(r["group"]),
            r.get("segment_a"),  # type: ignore[arg-type]
            r.get("segment_b"),  # type: ignore[arg-type]
            str(r.get("summary_a", "Not segmented by this method")),
            str(r.get("summary_b", "Not segmented by this method")),
        )
        for r in rows.values()
    ]
    both = [r for r in rows.values() if "summary_a" in r and "summary_b" in r]
    shared = [c for c, r in zip(compared, rows.values(), strict=True) if r in both]
    counts = Counter((c.segment_a, c.segment_b) for c in shared)
    return Comparison(
        a,
        b,
        len(shared),
        [c for c in shared if c.segment_a != c.segment_b],
        len(compared) - len(shared),
        dict(sorted(counts.items(), key=lambda kv: (kv[0][0] or 9, kv[0][1] or 9))),
    )
