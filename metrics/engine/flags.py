"""Flags: which of DESIGN.md's flag kinds hold for one body and metric in a quarter.

Source: DESIGN.md "Flags" (kinds and default definitions) and "Proposed segment (SOF 2021/22)"
(negative variance against financial plan, CQC rating below Good). Every definition is a
parameter (``DEFAULT_DEFINITIONS``) that a run stores with its results and each flag repeats,
so a page can say in words why a flag was raised and by which rule.

Pure: plain facts in (the quarter's result, the SPC series' latest point, previous quarters'
quartiles), a mapping of kind → evidence out. The calculation run gathers the facts. Evidence is
the few facts each reason was raised on, no words: ``metrics.engine.flag_words`` writes its
sentences when the flag is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from metrics.engine.kinds import FlagKind

Definition = Mapping[str, Any]
Evidence = dict[str, Any]

DEFAULT_DEFINITIONS: dict[str, dict[str, Any]] = {
    FlagKind.TOP_QUARTILE.value: {"quartile": 1},
    FlagKind.BOTTOM_QUARTILE.value: {"quartile": 4},
    FlagKind.DRAMATIC_DROP.value: {
        "spc_concern_outside_limits": True,
        "quartile_from": [1, 2],
        "quartile_to": 4,
    },
    FlagKind.SUSTAINED_VERY_POOR.value: {
        "bottom_quartile_quarters": 3,
        "of_last_quarters": 4,
        "spc_concern_run_or_trend": True,
        "spc_consistently_fail": True,
    },
    FlagKind.SPC_IMPROVEMENT.value: {"latest_point": "improvement"},
    FlagKind.SPC_CONCERN.value: {"latest_point": "concern"},
    FlagKind.FAILING_STANDARD.value: {"against": "standard"},
    FlagKind.NEGATIVE_VARIANCE_FINANCIAL_PLAN.value: {
        "metric_codes": ["S054", "OF0081"],
        "below": 0,
    },
    # CQC ratings are coded 1 = Outstanding, 2 = Good, 3 = Requires improvement, 4 = Inadequate.
    FlagKind.CQC_BELOW_GOOD.value: {"metric_codes": ["S001", "S060"], "at_least": 3},
}

CQC_RATINGS = {1: "Outstanding", 2: "Good", 3: "Requires improvement", 4: "Inadequate"}


@dataclass(frozen=True)
class MetricFacts:
    code: str
    name: str
    polarity: str
    standard: float | None


@dataclass(frozen=True)
class Thresholds:
    n: int
    p25: float
    p50: float
    p75: float


@dataclass(frozen=True)
class ResultFacts:
    """The body's quarter result for the metric, with its peer group's thresholds."""

    value: float
    peer_group: str
    rank: int | None
    quartile: int | None
    score: Decimal | None
    thresholds: Thresholds | None


@dataclass(frozen=True)
class SeriesFacts:
    """The latest point of the body's SPC series, as the run stored it."""

    latest_period_end: str
    latest_value: float
    latest_signals: Sequence[Sequence[str]]  # [rule, direction, classification]
    latest_classification: str
    trial: bool
    concern_outside_limits: bool
    concern_run_or_trend: bool
    consistently_fails: bool
    mean: float
    ucl: float
    lcl: float
    assurance: str


@dataclass(frozen=True)
class PastQuartile:
    period: str  # e.g. "2021-22 Q2"
    quartile: int | None  # None: no result, or no quartile, that quarter


@dataclass(frozen=True)
class Facts:
    metric: MetricFacts
    result: ResultFacts | None
    series: SeriesFacts | None
    history: Sequence[PastQuartile]  # the previous quarters, most recent first
    period: str


def body_metric_flags(
    facts: Facts, definitions: Mapping[str, Definition] | CompiledRules
) -> dict[str, Evidence]:
    """Every kind raised for one body and metric, each with its evidence (kind → evidence).

    ``definitions`` may come compiled (``compile_rules``): a run asks once, not per body."""
    if not isinstance(definitions, CompiledRules):
        definitions = compile_rules(definitions)
    raised: dict[str, Evidence] = {}
    for kind, rule, definition in definitions.rules:
        reasons = rule(facts, definition)
        if reasons:
            raised[kind] = {
                "metric": facts.metric.code,
                "period": facts.period,
                "value": facts.result.value if facts.result else None,
                "reasons": reasons,
            }
    return raised


@dataclass(frozen=True)
class CompiledRules:
    """The rules a methodology's definitions switch on, in RULES order, with their definition."""

    rules: tuple[tuple[str, Callable[[Facts, Definition], list[dict[str, Any]]], Definition], ...]


def compile_rules(definitions: Mapping[str, Definition]) -> CompiledRules:
    # A methodology may switch a kind off by leaving its definition out.
    return CompiledRules(
        tuple(
            (kind, rule, definitions[kind]) for kind, rule in RULES.items() if kind in definitions
        )
    )


def _quartile_reason(result: ResultFacts, metric: MetricFacts) -> dict[str, Any]:
    t = result.thresholds
    assert t is not None  # a quartile comes from thresholds
    return {
        "rule": "quartile",
        "quartile": result.quartile,
        "rank": result.rank,
        "peer_group": result.peer_group,
        "n": t.n,
        "p25": t.p25,
        "p50": t.p50,
        "p75": t.p75,
        "polarity": metric.polarity,
    }


def _in_quartile(facts: Facts, definition: Definition) -> list[dict[str, Any]]:
    """Top or bottom quartile: the definition names the quartile."""
    result = facts.result
    if result is None or result.quartile != definition["quartile"]:
        return []
    return [_quartile_reason(result, facts.metric)]


def _spc_reason(series: SeriesFacts, rule: str) -> dict[str, Any]:
    return {
        "rule": rule,
        "period_end": series.latest_period_end,
        "latest_value": series.latest_value,
        "signals": [list(signal) for signal in series.latest_signals],
        "mean": series.mean,
        "ucl": series.ucl,
        "lcl": series.lcl,
        "assurance": series.assurance,
    }


def _dramatic_drop(facts: Facts, definition: Definition) -> list[dict[str, Any]]:
    reasons = []
    series = facts.series
    if definition["spc_concern_outside_limits"] and series and series.concern_outside_limits:
        reasons.append(_spc_reason(series, "spc_concern_outside_limits"))
    result, history = facts.result, facts.history
    previous = history[0] if history else None
    if (
        result is not None
        and previous is not None
        and result.quartile == definition["quartile_to"]
        and previous.quartile in definition["quartile_from"]
    ):
        reasons.append(
            {
                "rule": "quartile_fall",
                "previous_period": previous.period,
                "previous_quartile": previous.quartile,
                "quartile": result.quartile,
            }
        )
    return reasons


def _sustained_very_poor(facts: Facts, definition: Definition) -> list[dict[str, Any]]:
    reasons = []
    result = facts.result
    window = definition["of_last_quarters"]
    current = result.quartile if result else None
    earlier = facts.history[: window - 1]
    count = (current == 4) + sum(q.quartile == 4 for q in earlier)
    if count >= definition["bottom_quartile_quarters"]:
        quarters = [PastQuartile(facts.period, current), *earlier]
        reasons.append(
            {
                "rule": "bottom_quartile_sustained",
                "quartiles": [{"period": q.period, "quartile": q.quartile} for q in quarters],
            }
        )
    series = facts.series
    if definition["spc_concern_run_or_trend"] and series and series.concern_run_or_trend:
        reasons.append(_spc_reason(series, "spc_concern_run_or_trend"))
    if definition["spc_consistently_fail"] and series and series.consistently_fails:
        reasons.append(_spc_reason(series, "spc_consistently_fail"))
    return reasons


def _spc_latest(facts: Facts, definition: Definition) -> list[dict[str, Any]]:
    series = facts.series
    wanted = definition["latest_point"]
    if series is None or series.trial or series.latest_classification != wanted:
        return []  # trial limits raise no flags (DESIGN.md "SPC")
    return [_spc_reason(series, f"spc_{wanted}")]


def _failing_standard(facts: Facts, definition: Definition) -> list[dict[str, Any]]:
    metric, result = facts.metric, facts.result
    standard = metric.standard if definition["against"] == "standard" else None
    if result is None or standard is None or metric.polarity == "neutral":
        return []
    # The complement of "meeting the standard" in metrics.scoring.metric_scores (step 1).
    higher_better = metric.polarity == "higher_better"
    meets = result.value >= standard if higher_better else result.value <= standard
    if meets:
        return []
    return [
        {
            "rule": "failing_standard",
            "standard": standard,
            "polarity": metric.polarity,
        }
    ]


def _negative_variance(facts: Facts, definition: Definition) -> list[dict[str, Any]]:
    result = facts.result
    if result is None or facts.metric.code not in definition["metric_codes"]:
        return []
    if not result.value < definition["below"]:
        return []
    return [
        {
            "rule": "negative_variance",
            "below": definition["below"],
            "metric_name": facts.metric.name,
        }
    ]


def _cqc_below_good(facts: Facts, definition: Definition) -> list[dict[str, Any]]:
    result = facts.result
    if result is None or facts.metric.code not in definition["metric_codes"]:
        return []
    if not result.value >= definition["at_least"]:
        return []
    rating = CQC_RATINGS.get(int(result.value), f"code {result.value:g}")
    return [
        {
            "rule": "cqc_rating",
            "rating": rating,
            "at_least": definition["at_least"],
            "metric_name": facts.metric.name,
        }
    ]


RULES: dict[str, Callable[[Facts, Definition], list[dict[str, Any]]]] = {
    FlagKind.TOP_QUARTILE.value: _in_quartile,
    FlagKind.BOTTOM_QUARTILE.value: _in_quartile,
    FlagKind.DRAMATIC_DROP.value: _dramatic_drop,
    FlagKind.SUSTAINED_VERY_POOR.value: _sustained_very_poor,
    FlagKind.SPC_IMPROVEMENT.value: _spc_latest,
    FlagKind.SPC_CONCERN.value: _spc_latest,
    FlagKind.FAILING_STANDARD.value: _failing_standard,
    FlagKind.NEGATIVE_VARIANCE_FINANCIAL_PLAN.value: _negative_variance,
    FlagKind.CQC_BELOW_GOOD.value: _cqc_below_good,
}
