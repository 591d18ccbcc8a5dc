"""The SOF 2021/22 proposed segment: the framework's criteria, each met, not met or n/a.

Source: NHS England, System Oversight Framework 2021/22, "identifying the scale and nature of
support needs", as DESIGN.md "Proposed segment (SOF 2021/22)" sets it down:

1. All bodies start in segment 2.
2. Segment 1 candidate when all hold: top-quartile performance across its oversight metrics
   (default: at least half of its quartiled metrics in quartile 1 and none in quartile 4); no
   negative variance against the financial plan; for trusts, CQC Good or Outstanding both
   overall and for well-led; for ICSs, positive trends (at least one SPC improvement, no SPC
   concern). The other ICS criteria (tackling variation; capability against the four
   purposes) are judgement items the reviewer records with the decision.
3. Mandated support candidate (segment 3) when any holds: bottom quartile across the relevant
   subset (default: at least half the quartiled metrics of any one theme in quartile 4); a
   dramatic drop; sustained very poor performance; negative variance against the financial
   plan; for trusts, CQC Requires improvement (or worse) overall and for well-led.
4. Segment 4 is never proposed automatically, but a body in the Recovery Support Programme is
   proposed 4 until it exits.

Where a body is both a segment 1 and a segment 3 candidate, segment 3 wins: a concern is not
outweighed by strengths (the reviewer may decide otherwise, with a rationale). "Quartiled
metrics" are the body's metrics with a national quartile this quarter; contextual (unscored)
ones are left out unless the method says otherwise. Pure: plain values in and out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from metrics.engine.flags import CQC_RATINGS
from metrics.engine.kinds import FlagKind
from segmentation.criteria import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    SEGMENT_1,
    SEGMENT_3,
    BodyFacts,
    Criterion,
    FlagFact,
    MetricFact,
    Outcome,
    codes_text,
    share_text,
    support_criterion,
)
from segmentation.scores import average_and_domains

TRUST, ICS = "trust", "ics"


@dataclass(frozen=True)
class SofParameters:
    """Every threshold of the SOF 2021/22 criteria (the defaults are DESIGN.md's)."""

    top_quartile_share: Decimal = Decimal("0.50")
    top_quartile_most_bottom: int = 0
    cqc_overall_metrics: frozenset[str] = frozenset({"S001"})
    cqc_well_led_metrics: frozenset[str] = frozenset({"S060"})
    cqc_good_at_most: int = 2
    ics_improvements_at_least: int = 1
    ics_concerns_at_most: int = 0
    bottom_theme_share: Decimal = Decimal("0.50")
    bottom_theme_min_metrics: int = 1
    cqc_poor_at_least: int = 3
    include_contextual: bool = False
    support_programme: str = "rsp"
    support_programme_label: str = "Recovery Support Programme"
    support_segment: int | None = 4


def sof_proposal(facts: BodyFacts, p: SofParameters) -> Outcome:
    """The proposed segment of one body and every criterion behind it (steps 1 to 4 above)."""
    quartiled = [
        m for m in facts.metrics if m.quartile is not None and (m.scored or p.include_contextual)
    ]
    support = support_criterion(
        facts, p.support_programme, p.support_segment, p.support_programme_label
    )
    segment_3 = _segment_3(facts, quartiled, p)
    segment_1 = _segment_1(facts, quartiled, p)
    scores = average_and_domains(facts.metrics)
    criteria = ((support,) if support else ()) + segment_3 + segment_1
    if support is not None and support.status == MET:
        summary = f"Proposed {p.support_segment}: in the {p.support_programme_label}."
        return Outcome(p.support_segment, "support_programme", summary, criteria, scores)
    met_3 = [c for c in segment_3 if c.status == MET]
    if met_3:
        reasons = "; ".join(c.label.lower() for c in met_3)
        summary = f"Proposed 3: mandated support candidate ({reasons})."
        return Outcome(3, "segment_3_candidate", summary, criteria, scores)
    if all(c.status != NOT_MET for c in segment_1):
        summary = "Proposed 1: every segment 1 criterion holds."
        return Outcome(1, "segment_1_candidate", summary, criteria, scores)
    summary = (
        "Proposed 2, where every body starts: no segment 3 criterion holds, "
        "and not all segment 1 criteria do."
    )
    return Outcome(2, "default", summary, criteria, scores)


# --- segment 1 -------------------------------------------------------------------------------


def _segment_1(
    facts: BodyFacts, quartiled: list[MetricFact], p: SofParameters
) -> tuple[Criterion, ...]:
    criteria = [
        _top_quartile(quartiled, p),
        _no_negative_variance(facts),
        _cqc_good(facts, p),
    ]
    if facts.kind == ICS:
        criteria.append(_positive_trends(facts, p))
        criteria += [
            Criterion(
                code,
                SEGMENT_1,
                label,
                NOT_APPLICABLE,
                "A judgement item: the regional reviewer records it with the decision.",
            )
            for code, label in (
                ("tackling_variation", "Tackling unwarranted variation"),
                ("four_purposes", "Capability against the four purposes of an ICS"),
            )
        ]
    return tuple(criteria)


def _top_quartile(quartiled: list[MetricFact], p: SofParameters) -> Criterion:
    label = "Top-quartile performance across its oversight metrics"
    top = [m.code for m in quartiled if m.quartile == 1]
    bottom = [m.code for m in quartiled if m.quartile == 4]
    n = len(quartiled)
    if n == 0:
        return Criterion(
            "top_quartile", SEGMENT_1, label, NOT_MET, "No quartiled metric this quarter."
        )
    met = len(top) >= p.top_quartile_share * n and len(bottom) <= p.top_quartile_most_bottom
    evidence = (
        f"{len(top)} of {n} quartiled metrics in quartile 1 (at least "
        f"{share_text(p.top_quartile_share)} needed){_listed(top)}; {len(bottom)} in quartile 4 "
        f"(at most {p.top_quartile_most_bottom} allowed){_listed(bottom)}."
    )
    return Criterion(
        "top_quartile", SEGMENT_1, label, MET if met else NOT_MET, evidence, tuple(top + bottom)
    )


def _no_negative_variance(facts: BodyFacts) -> Criterion:
    label = "No negative variance against the financial plan"
    flags = facts.flags_of(FlagKind.NEGATIVE_VARIANCE_FINANCIAL_PLAN)
    if flags:
        codes = [f.metric for f in flags]
        text = f"Negative variance against the financial plan flagged on {codes_text(codes)}."
        return Criterion(
            "no_negative_variance", SEGMENT_1, label, NOT_MET, text, tuple(codes), tuple(flags)
        )
    text = "No negative variance against the financial plan was flagged this quarter."
    return Criterion("no_negative_variance", SEGMENT_1, label, MET, text)


def _ratings(facts: BodyFacts, p: SofParameters) -> tuple[MetricFact | None, MetricFact | None]:
    overall = facts.values_of(p.cqc_overall_metrics)
    well_led = facts.values_of(p.cqc_well_led_metrics)
    return (overall[0] if overall else None, well_led[0] if well_led else None)


def _rating_text(fact: MetricFact | None, what: str) -> str:
    if fact is None or fact.value is None:
        return f"no CQC {what} rating this quarter"
    rating = CQC_RATINGS.get(int(fact.value), f"code {fact.value:g}")
    return f"CQC {what} {rating} ({fact.code})"


def _cqc_good(facts: BodyFacts, p: SofParameters) -> Criterion:
    label = "CQC Good or Outstanding, overall and for well-led"
    if facts.kind != TRUST:
        return Criterion(
            "cqc_good", SEGMENT_1, label, NOT_APPLICABLE, "CQC ratings are for trusts."
        )
    overall, well_led = _ratings(facts, p)
    ok = [
        r is not None and r.value is not None and r.value <= p.cqc_good_at_most
        for r in (overall, well_led)
    ]
    evidence = _sentence(
        f"{_rating_text(overall, 'overall')}; {_rating_text(well_led, 'well-led')}."
    )
    codes = tuple(r.code for r in (overall, well_led) if r is not None)
    return Criterion("cqc_good", SEGMENT_1, label, MET if all(ok) else NOT_MET, evidence, codes)


def _positive_trends(facts: BodyFacts, p: SofParameters) -> Criterion:
    label = "Positive trends: SPC improvement and no SPC concern"
    better = facts.flags_of(FlagKind.SPC_IMPROVEMENT)
    worse = facts.flags_of(FlagKind.SPC_CONCERN)
    met = len(better) >= p.ics_improvements_at_least and len(worse) <= p.ics_concerns_at_most
    evidence = (
        f"{len(better)} SPC improvement flag(s) (at least {p.ics_improvements_at_least} needed)"
        f"{_listed([f.metric for f in better])}; {len(worse)} SPC concern flag(s) (at most "
        f"{p.ics_concerns_at_most} allowed){_listed([f.metric for f in worse])}."
    )
    flags = tuple(better + worse)
    return Criterion(
        "positive_trends",
        SEGMENT_1,
        label,
        MET if met else NOT_MET,
        evidence,
        tuple(f.metric for f in flags),
        flags,
    )


# --- segment 3 -------------------------------------------------------------------------------


def _segment_3(
    facts: BodyFacts, quartiled: list[MetricFact], p: SofParameters
) -> tuple[Criterion, ...]:
    return (
        _bottom_quartile_theme(quartiled, p),
        _flagged(facts, FlagKind.DRAMATIC_DROP, "dramatic_drop", "A dramatic drop in performance"),
        _flagged(
            facts,
            FlagKind.SUSTAINED_VERY_POOR,
            "sustained_very_poor",
            "Sustained very poor performance",
        ),
        _flagged(
            facts,
            FlagKind.NEGATIVE_VARIANCE_FINANCIAL_PLAN,
            "negative_variance",
            "Negative variance against the financial plan",
        ),
        _cqc_poor(facts, p),
    )


def _bottom_quartile_theme(quartiled: list[MetricFact], p: SofParameters) -> Criterion:
    label = "Bottom quartile across the metrics of a theme"
    themes: dict[str, list[MetricFact]] = defaultdict(list)
    for metric in quartiled:
        themes[metric.theme].append(metric)
    hits, worst = [], None
    for metrics in themes.values():
        bottom = [m for m in metrics if m.quartile == 4]
        share = (len(bottom), len(metrics), metrics[0].theme_name, [m.code for m in bottom])
        if worst is None or len(bottom) * worst[1] > worst[0] * len(metrics):
            worst = share
        if len(metrics) >= p.bottom_theme_min_metrics and len(bottom) >= p.bottom_theme_share * len(
            metrics
        ):
            hits.append(share)
    needed = share_text(p.bottom_theme_share)
    if hits:
        text = "; ".join(
            f"{name}: {b} of {n} quartiled metrics in quartile 4{_listed(codes)}"
            for b, n, name, codes in hits
        )
        hit_codes = tuple(code for *_, cs in hits for code in cs)
        return Criterion(
            "bottom_quartile_theme",
            SEGMENT_3,
            label,
            MET,
            f"{text} (at least {needed} needed).",
            hit_codes,
        )
    if worst is None:
        return Criterion(
            "bottom_quartile_theme", SEGMENT_3, label, NOT_MET, "No quartiled metric this quarter."
        )
    b, n, name, codes = worst
    text = (
        f"No theme has at least {needed} of its quartiled metrics in quartile 4; the most is "
        f"{name}, {b} of {n}{_listed(codes)}."
    )
    return Criterion("bottom_quartile_theme", SEGMENT_3, label, NOT_MET, text, tuple(codes))


def _flagged(facts: BodyFacts, kind: FlagKind, code: str, label: str) -> Criterion:
    flags: list[FlagFact] = facts.flags_of(kind)
    if not flags:
        return Criterion(
            code, SEGMENT_3, label, NOT_MET, f"No {kind.label.lower()} flag this quarter."
        )
    codes = [f.metric for f in flags]
    text = f"{kind.label} flagged on {codes_text(codes)}."
    return Criterion(code, SEGMENT_3, label, MET, text, tuple(codes), tuple(flags))


def _cqc_poor(facts: BodyFacts, p: SofParameters) -> Criterion:
    label = "CQC Requires improvement or worse, overall and for well-led"
    if facts.kind != TRUST:
        return Criterion(
            "cqc_poor", SEGMENT_3, label, NOT_APPLICABLE, "CQC ratings are for trusts."
        )
    overall, well_led = _ratings(facts, p)
    poor = [
        r is not None and r.value is not None and r.value >= p.cqc_poor_at_least
        for r in (overall, well_led)
    ]
    evidence = _sentence(
        f"{_rating_text(overall, 'overall')}; {_rating_text(well_led, 'well-led')}."
    )
    codes = tuple(r.code for r in (overall, well_led) if r is not None)
    return Criterion("cqc_poor", SEGMENT_3, label, MET if all(poor) else NOT_MET, evidence, codes)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _listed(codes: list[str]) -> str:
    return f": {codes_text(codes)}" if codes else ""
