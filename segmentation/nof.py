"""The NOF 2025/26 proposed segment: average metric score → segment → financial override.

Source: NHS England, NHS Oversight Framework 2025/26 methodology manual, as DESIGN.md "Metric
scores and segments" sets it down (step 1, each metric's score, is the calculation's):

2. The average metric score of a body is the weighted mean of its scores (exact weights,
   2 dp half up); within its peer group the averages are quartiled, lower is better (1 if
   ≤ P25, 2 if ≤ P50, 3 if < P75, 4 if ≥ P75) — or, where the method stores defined
   thresholds (the 2026/27 manual's approach), cut by those. Quartiles need at least
   ``min_bodies`` averages in the peer group; with fewer, no segment is proposed.
3. Financial override: a body in segment 1 or 2 that is in deficit (or receives deficit
   support) goes to 3.
4. Segment 5 is a regional decision, never automatic; a body already in the Provider
   Improvement Programme is proposed 5 until it exits, as SOF 2021/22 proposes 4 for RSP.

Domain scores (the same average over each domain) are context only. Pure: plain values in and
out, for a whole quarter at once since quartiles compare bodies.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from metrics.engine.kinds import Polarity
from metrics.engine.quartiles import QuartileThresholds, quartile_of, quartile_thresholds
from metrics.results.selectors import peer_group_name
from segmentation.criteria import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    STEP,
    BodyFacts,
    Criterion,
    Outcome,
    Scores,
    codes_text,
    support_criterion,
)
from segmentation.methodology import apply_financial_override, segment_of_average
from segmentation.scores import average_and_domains, scored

K = TypeVar("K", bound=Hashable)
CutPoints = tuple[Decimal, Decimal, Decimal]


@dataclass(frozen=True)
class NofParameters:
    min_bodies: int = 4
    cut_points: CutPoints | None = None
    deficit_metrics: frozenset[str] = frozenset({"OF0079"})
    deficit_below: Decimal = Decimal(0)
    support_programme: str = "pip"
    support_programme_label: str = "Provider Improvement Programme"
    support_segment: int | None = 5


@dataclass(frozen=True)
class _Averaged:
    facts: BodyFacts
    scores: Scores

    @property
    def average(self) -> Decimal | None:
        return self.scores.average

    @property
    def scored(self) -> int:
        return self.scores.scored


def nof_proposals(bodies: Mapping[K, BodyFacts], p: NofParameters) -> dict[K, Outcome]:
    """Every body's proposed segment for the quarter, peer group by peer group (steps 2–4)."""
    averaged = {
        key: _Averaged(facts, average_and_domains(facts.metrics)) for key, facts in bodies.items()
    }
    groups: dict[str, dict[K, Decimal]] = {}
    for key, body in averaged.items():
        if body.average is not None:
            groups.setdefault(body.facts.peer_group, {})[key] = body.average
    outcomes: dict[K, Outcome] = {}
    for key, body in averaged.items():
        group = groups.get(body.facts.peer_group, {})
        thresholds = (
            None
            if p.cut_points is not None
            else quartile_thresholds(group.values(), min_bodies=p.min_bodies)
        )
        outcomes[key] = _outcome(body, len(group), thresholds, p)
    return outcomes


def _outcome(
    body: _Averaged,
    group_size: int,
    thresholds: QuartileThresholds[Decimal] | None,
    p: NofParameters,
) -> Outcome:
    facts = body.facts
    average_step = _average_criterion(body)
    segment, segment_step = _segment_step(body, group_size, thresholds, p)
    deficit, deficit_step = _deficit_step(facts, segment, p)
    support = support_criterion(
        facts, p.support_programme, p.support_segment, p.support_programme_label
    )
    five = Criterion(
        "segment_5",
        STEP,
        "Segment 5: intensive support",
        NOT_APPLICABLE,
        "Segment 5 is a regional decision for some segment 4 bodies, never proposed automatically.",
    )
    criteria = ((support,) if support else ()) + (average_step, segment_step, deficit_step, five)
    if support is not None and support.status == MET:
        summary = f"Proposed {p.support_segment}: in the {p.support_programme_label}."
        return Outcome(p.support_segment, "support_programme", summary, criteria, body.scores)
    if segment is None:
        return Outcome(
            None, "no_segment", f"No proposal: {segment_step.evidence}", criteria, body.scores
        )
    final = apply_financial_override(segment, in_deficit=deficit)
    if final != segment:
        summary = (
            f"Proposed 3: segment {segment} by average score {body.average}, "
            "then the financial override."
        )
        return Outcome(final, "financial_override", summary, criteria, body.scores)
    how = "defined thresholds" if p.cut_points else "quartile"
    summary = (
        f"Proposed {final}: average metric score {body.average} by {how} within the peer group."
    )
    return Outcome(final, "average_score", summary, criteria, body.scores)


def _average_criterion(body: _Averaged) -> Criterion:
    label = "Average metric score (weighted mean of the metric scores)"
    codes = tuple(m.code for m in scored(body.facts.metrics))
    if body.average is None:
        return Criterion(
            "average_score",
            STEP,
            label,
            NOT_MET,
            "No scored metric this quarter: no average, so no segment.",
        )
    weights = sorted({str(m.weight) for m in scored(body.facts.metrics)})
    text = (
        f"{body.average}: the mean of {body.scored} metric scores weighted {', '.join(weights)} "
        f"({codes_text(list(codes))}), computed exactly and rounded half up to 2 dp."
    )
    return Criterion("average_score", STEP, label, MET, text, codes)


def _segment_step(
    body: _Averaged, group_size: int, t: QuartileThresholds[Decimal] | None, p: NofParameters
) -> tuple[int | None, Criterion]:
    if p.cut_points is not None:
        return _by_thresholds(body.average, p.cut_points)
    return _by_quartile(body.average, body.facts.peer_group, group_size, t, p.min_bodies)


def _by_thresholds(average: Decimal | None, cuts: CutPoints) -> tuple[int | None, Criterion]:
    label = "Segment by the method's defined thresholds"
    if average is None:
        text = "No average score, so no segment."
        return None, Criterion("segment_by_thresholds", STEP, label, NOT_MET, text)
    segment = segment_of_average({0: average}, cut_points=cuts)[0]
    c1, c2, c3 = cuts
    where = {
        1: f"at most {c1}",
        2: f"above {c1} and at most {c2}",
        3: f"above {c2} and below {c3}",
        4: f"at least {c3}",
    }[segment]
    text = (
        f"{average} is {where} (cut points {c1}, {c2}, {c3}; lower is better) → segment {segment}."
    )
    return segment, Criterion("segment_by_thresholds", STEP, label, MET, text)


def _by_quartile(
    average: Decimal | None,
    group: str,
    group_size: int,
    t: QuartileThresholds[Decimal] | None,
    min_bodies: int,
) -> tuple[int | None, Criterion]:
    label = "Segment by quartile of the average within the peer group"
    if average is None:
        text = "No average score, so no quartile."
        return None, Criterion("segment_by_quartile", STEP, label, NOT_MET, text)
    segment = quartile_of(average, t, Polarity.LOWER_BETTER) if t is not None else None
    if t is None or segment is None:
        text = (
            f"Only {group_size} of the {peer_group_name(group)} have an average score: fewer "
            f"than {min_bodies}, so no quartile and no segment."
        )
        return None, Criterion("segment_by_quartile", STEP, label, NOT_MET, text)
    p25, p50, p75 = (threshold_text(v) for v in (t.p25, t.p50, t.p75))
    where = {
        1: f"at or below P25 ({p25})",
        2: f"above P25 ({p25}) and at or below P50 ({p50})",
        3: f"above P50 ({p50}) and below P75 ({p75})",
        4: f"at or above P75 ({p75})",
    }[segment]
    text = (
        f"{average} is {where} of the averages of the {t.n} {peer_group_name(group)} "
        f"(lower is better) → segment {segment}."
    )
    return segment, Criterion("segment_by_quartile", STEP, label, MET, text)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def threshold_text(value: Decimal) -> str:
    """A threshold to 2 dp, or to the 4 dp an interpolation between averages may need."""
    exact = value.quantize(Decimal("0.0001")).normalize()
    return f"{exact:.2f}" if exact == exact.quantize(Decimal("0.01")) else f"{exact}"


def _deficit_step(
    facts: BodyFacts, segment: int | None, p: NofParameters
) -> tuple[bool, Criterion]:
    label = "Financial override: in deficit or receiving deficit support"
    values = facts.values_of(p.deficit_metrics)
    codes = tuple(m.code for m in values)
    if not values:
        codes_wanted = codes_text(sorted(p.deficit_metrics))
        text = f"No {codes_wanted} value this quarter: not treated as in deficit."
        return False, Criterion("in_deficit", STEP, label, NOT_MET, text)
    below = [m for m in values if m.value is not None and Decimal(str(m.value)) < p.deficit_below]
    shown = ", ".join(f"{m.code} = {m.value:g}" for m in values)
    if not below:
        return False, Criterion(
            "in_deficit",
            STEP,
            label,
            NOT_MET,
            f"{shown}: not below {_plain(p.deficit_below)}, so not in deficit.",
            codes,
        )
    if segment in (1, 2):
        effect = f"segment {segment} → 3."
    elif segment is None:
        effect = "no segment to override."
    else:
        effect = f"already segment {segment}, unchanged."
    return True, Criterion(
        "in_deficit",
        STEP,
        label,
        MET,
        f"{shown}: below {_plain(p.deficit_below)}, in deficit; {effect}",
        codes,
    )
