"""Flags: which of DESIGN.md's flag kinds hold for a quarter's results, and on which facts.

Source: DESIGN.md "Flags" (kinds and default definitions) and "Proposed segment (SOF 2021/22)"
(negative variance against financial plan, CQC rating below Good). Every definition is a
parameter (``DEFAULT_DEFINITIONS``) that a run stores with its results and each flag repeats,
so a page can say in words why a flag was raised and by which rule.

Pure: a quarter's facts in, column by column (``QuarterFacts``: one row per body's result for
a metric, with the SPC series' latest point and the previous quarters' quartiles), the flags
raised out. Each rule is a few array comparisons over every row at once; evidence — the few
facts each reason was raised on, no words — is built only for the rows a rule raised.
``metrics.engine.flag_words`` writes its sentences when the flag is shown.
``body_metric_flags`` asks the same rules about one body and metric.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np

from metrics.engine.kinds import FlagKind

Definition = Mapping[str, Any]
Evidence = dict[str, Any]
Reason = dict[str, Any]

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
NO_QUARTILE = 0  # in QuarterFacts' quartile columns: no result, or no quartile


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


class SeriesFacts(NamedTuple):
    """The latest point of the body's SPC series, as the run stored it (a named tuple: a run
    reads thousands of them)."""

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
class QuarterFacts:
    """What the flags of a quarter are raised on, one row per body's result for a metric.

    ``metric_at`` indexes ``metrics``; ``value`` is NaN and ``quartile`` NO_QUARTILE where a
    row has no result; ``thresholds`` are keyed by (row's metric index, peer group);
    ``series`` holds, by row, the latest point of the series that can raise a flag (others
    may be left out); ``history`` the quartiles of the previous quarters, most recent first
    (a column per ``history_periods``, NO_QUARTILE where there is none)."""

    period: str
    metrics: Sequence[MetricFacts]
    metric_at: np.ndarray
    value: np.ndarray
    quartile: np.ndarray
    rank: Sequence[int | None]
    peer_group: Sequence[str]
    thresholds: Mapping[tuple[int, str], Thresholds]
    series: Mapping[int, SeriesFacts]
    history: np.ndarray
    history_periods: Sequence[str]
    values: list[Any] = field(init=False, repr=False)  # ``value`` as Python floats (evidence)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", self.value.tolist())

    def __len__(self) -> int:
        return len(self.value)

    def series_mask(self, wanted: Callable[[SeriesFacts], bool]) -> np.ndarray:
        mask = np.zeros(len(self), dtype=bool)
        rows = [row for row, series in self.series.items() if wanted(series)]
        mask[rows] = True
        return mask

    def of_metrics(self, per_metric: Sequence[Any], dtype: Any) -> np.ndarray:
        """A metric's fact on every row of it."""
        found: np.ndarray = np.asarray(per_metric, dtype=dtype)[self.metric_at]
        return found


# A rule: for each of its reasons, the rows it holds on and how to say which facts it read.
RuleReasons = list[tuple[np.ndarray, Callable[[int], Reason]]]
Rule = Callable[[QuarterFacts, Definition], RuleReasons]


class RaisedFlag(NamedTuple):  # tens of thousands a run
    row: int  # in QuarterFacts
    kind: str
    evidence: Evidence


def quarter_flags(
    facts: QuarterFacts, definitions: Mapping[str, Definition]
) -> Iterator[RaisedFlag]:
    """Every flag the rules raise on the quarter's facts, kind after kind (DESIGN.md "Flags";
    a methodology switches a kind off by leaving its definition out)."""
    metric, values, period = facts.metrics, facts.values, facts.period
    for kind, rule in RULES.items():
        if kind not in definitions:
            continue
        reasons = rule(facts, definitions[kind])
        if not reasons:
            continue
        raised = np.logical_or.reduce([mask for mask, _ in reasons])
        for row in np.flatnonzero(raised).tolist():
            value = values[row]
            yield RaisedFlag(
                row,
                kind,
                {
                    "metric": metric[facts.metric_at[row]].code,
                    "period": period,
                    "value": None if value != value else value,  # NaN: no result
                    "reasons": [reason(row) for mask, reason in reasons if mask[row]],
                },
            )


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
class PastQuartile:
    period: str  # e.g. "2021-22 Q2"
    quartile: int | None  # None: no result, or no quartile, that quarter


@dataclass(frozen=True)
class Facts:
    """One body's facts for one metric (``body_metric_flags``)."""

    metric: MetricFacts
    result: ResultFacts | None
    series: SeriesFacts | None
    history: Sequence[PastQuartile]  # the previous quarters, most recent first
    period: str


def body_metric_flags(facts: Facts, definitions: Mapping[str, Definition]) -> dict[str, Evidence]:
    """Every kind raised for one body and metric, each with its evidence (kind → evidence):
    ``quarter_flags`` on a quarter of one row."""
    result = facts.result
    group = result.peer_group if result else ""
    thresholds = {}
    if result is not None and result.thresholds is not None:
        thresholds[(0, group)] = result.thresholds
    one = QuarterFacts(
        period=facts.period,
        metrics=[facts.metric],
        metric_at=np.zeros(1, dtype=np.int64),
        value=np.array([np.nan if result is None else result.value], dtype=np.float64),
        quartile=np.array([_quartile_code(result.quartile if result else None)], dtype=np.int8),
        rank=[result.rank if result else None],
        peer_group=[group],
        thresholds=thresholds,
        series={} if facts.series is None else {0: facts.series},
        history=np.array(
            [[_quartile_code(past.quartile) for past in facts.history]], dtype=np.int8
        ).reshape(1, len(facts.history)),
        history_periods=[past.period for past in facts.history],
    )
    return {flag.kind: flag.evidence for flag in quarter_flags(one, definitions)}


def _quartile_code(quartile: int | None) -> int:
    return NO_QUARTILE if quartile is None else quartile


def _quartile_or_none(code: int) -> int | None:
    return None if code == NO_QUARTILE else int(code)


# --- the rules -------------------------------------------------------------------------------


def _quartile_reason(facts: QuarterFacts) -> Callable[[int], Reason]:
    def reason(row: int) -> Reason:
        metric_at = int(facts.metric_at[row])
        group = facts.peer_group[row]
        t = facts.thresholds[(metric_at, group)]  # a quartile comes from thresholds
        return {
            "rule": "quartile",
            "quartile": int(facts.quartile[row]),
            "rank": facts.rank[row],
            "peer_group": group,
            "n": t.n,
            "p25": t.p25,
            "p50": t.p50,
            "p75": t.p75,
            "polarity": facts.metrics[metric_at].polarity,
        }

    return reason


def _in_quartile(facts: QuarterFacts, definition: Definition) -> RuleReasons:
    """Top or bottom quartile: the definition names the quartile."""
    return [(facts.quartile == definition["quartile"], _quartile_reason(facts))]


def _spc_reason(facts: QuarterFacts, rule: str) -> Callable[[int], Reason]:
    def reason(row: int) -> Reason:
        series = facts.series[row]
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

    return reason


def _spc_concern(facts: QuarterFacts, switched_on: bool, concern: str, rule: str) -> RuleReasons:
    if not switched_on:
        return []
    return [(facts.series_mask(lambda s: getattr(s, concern)), _spc_reason(facts, rule))]


def _dramatic_drop(facts: QuarterFacts, definition: Definition) -> RuleReasons:
    reasons = _spc_concern(
        facts,
        definition["spc_concern_outside_limits"],
        "concern_outside_limits",
        "spc_concern_outside_limits",
    )
    if facts.history.shape[1]:
        previous = facts.history[:, 0]
        fell = (facts.quartile == definition["quartile_to"]) & np.isin(
            previous, definition["quartile_from"]
        )

        def quartile_fall(row: int) -> Reason:
            return {
                "rule": "quartile_fall",
                "previous_period": facts.history_periods[0],
                "previous_quartile": int(previous[row]),
                "quartile": int(facts.quartile[row]),
            }

        reasons.append((fell, quartile_fall))
    return reasons


def _sustained_very_poor(facts: QuarterFacts, definition: Definition) -> RuleReasons:
    window = definition["of_last_quarters"]
    quartiles = np.column_stack([facts.quartile, facts.history[:, : window - 1]])
    periods = [facts.period, *facts.history_periods[: window - 1]]
    count = (quartiles == 4).sum(axis=1)

    def bottom_quartile_sustained(row: int) -> Reason:
        return {
            "rule": "bottom_quartile_sustained",
            "quartiles": [
                {"period": period, "quartile": _quartile_or_none(quartile)}
                for period, quartile in zip(periods, quartiles[row].tolist(), strict=True)
            ],
        }

    return [
        (count >= definition["bottom_quartile_quarters"], bottom_quartile_sustained),
        *_spc_concern(
            facts,
            definition["spc_concern_run_or_trend"],
            "concern_run_or_trend",
            "spc_concern_run_or_trend",
        ),
        *_spc_concern(
            facts,
            definition["spc_consistently_fail"],
            "consistently_fails",
            "spc_consistently_fail",
        ),
    ]


def _spc_latest(facts: QuarterFacts, definition: Definition) -> RuleReasons:
    wanted = definition["latest_point"]
    # Trial limits raise no flags (DESIGN.md "SPC").
    mask = facts.series_mask(lambda s: not s.trial and s.latest_classification == wanted)
    return [(mask, _spc_reason(facts, f"spc_{wanted}"))]


def _failing_standard(facts: QuarterFacts, definition: Definition) -> RuleReasons:
    against = definition["against"] == "standard"
    standard = facts.of_metrics(
        [
            m.standard if against and m.standard is not None and m.polarity != "neutral" else np.nan
            for m in facts.metrics
        ],
        np.float64,
    )
    higher_better = facts.of_metrics([m.polarity == "higher_better" for m in facts.metrics], bool)
    # The complement of "meeting the standard" in metrics.scoring.metric_scores (step 1); NaN
    # (no standard, no result) meets nothing and fails nothing.
    with np.errstate(invalid="ignore"):
        fails = np.where(higher_better, facts.value < standard, facts.value > standard)

    def failing(row: int) -> Reason:
        metric = facts.metrics[facts.metric_at[row]]
        return {
            "rule": "failing_standard",
            "standard": metric.standard,
            "polarity": metric.polarity,
        }

    return [(fails, failing)]


def _of_codes(facts: QuarterFacts, codes: Sequence[str]) -> np.ndarray:
    return facts.of_metrics([m.code in codes for m in facts.metrics], bool)


def _negative_variance(facts: QuarterFacts, definition: Definition) -> RuleReasons:
    below = definition["below"]
    with np.errstate(invalid="ignore"):
        mask = _of_codes(facts, definition["metric_codes"]) & (facts.value < below)

    def negative(row: int) -> Reason:
        name = facts.metrics[facts.metric_at[row]].name
        return {"rule": "negative_variance", "below": below, "metric_name": name}

    return [(mask, negative)]


def _cqc_below_good(facts: QuarterFacts, definition: Definition) -> RuleReasons:
    at_least = definition["at_least"]
    with np.errstate(invalid="ignore"):
        mask = _of_codes(facts, definition["metric_codes"]) & (facts.value >= at_least)

    def rating(row: int) -> Reason:
        value = facts.values[row]
        return {
            "rule": "cqc_rating",
            "rating": CQC_RATINGS.get(int(value), f"code {value:g}"),
            "at_least": at_least,
            "metric_name": facts.metrics[facts.metric_at[row]].name,
        }

    return [(mask, rating)]


RULES: dict[str, Rule] = {
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
