"""The national step of a calculation run: every body's quarter value, rank, percentile,
quartile and score for the metrics (and peer groups) that changed.

DESIGN.md "Quartiles (SOF 2021/22)" and "Metric scores (NOF 2025/26 methodology manual)".
Thresholds, quarter values, ranks, percentiles and quartiles come from SQL over the whole
quarter (metrics.calculation_sql, one statement on PostgreSQL); scores from the rule of
metrics.scoring, per metric and peer group, over those quarter values; the rows go in with COPY.
What did not change is taken from the previous run, by reference (its units).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

from metrics.calculation.national_sql import (
    RESULT_COLUMNS,
    RESULT_TYPES,
    Quarter,
    Units,
    results_and_thresholds,
    thresholds_take,
    units_take,
    units_write,
)
from metrics.engine.kinds import Polarity
from metrics.engine.quartiles import rank_and_percentile
from metrics.engine.scoring import (
    BEST_SCORE,
    WORST_SCORE,
    bespoke_score,
    metric_scores,
    parse_score_map,
    score_bookends,
    spread_score,
)
from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import Metric
from metrics.models.results import MetricResult, QuartileThreshold
from oversight.bulk import copy_rows
from oversight.clock import Clock


def national_results_write(
    run: CalculationRun,
    *,
    recomputed: Units,
    previous_id: int | None,
    min_bodies: int,
    metrics: Mapping[int, Metric],
    timings: dict[str, float] | None = None,
) -> set[tuple[int, str]]:
    """Compute and store the results and thresholds of the ``recomputed`` metrics and peer
    groups and take the others from run ``previous_id`` (None: there is nothing to take).

    Returns the (metric, peer group) units whose results or thresholds differ from the previous
    run's (every unit computed, without one): only their flags can differ. ``timings`` adds up
    the seconds of each part."""
    period = run.period
    changed: set[tuple[int, str]] = set()
    timings = timings if timings is not None else {}
    lap = Clock(timings).lap

    if recomputed.metric_ids is None or recomputed.metric_ids:
        quarter = Quarter(
            run_id=run.pk,
            period_id=period.pk,
            edition_id=run.edition_id,
            start=str(period.start),
            end=str(period.end),
            metric_ids=recomputed.metric_ids,
            peer_groups=recomputed.peer_groups,
        )
        rows = results_and_thresholds(quarter, min_bodies=min_bodies)
        lap("results: quarter values, ranks, quartiles (SQL)")
        scored = [(run.pk, period.pk, *row, run.pk) for row in _scored(rows, metrics)]
        lap("results: scores")
        copy_rows("metrics_storedresult", RESULT_COLUMNS, scored, RESULT_TYPES)
        units = sorted({row[1:3] for row in rows})
        units_write("metrics_resultunit", run.pk, units)
        changed = set(units)
        lap("results: write")
        if previous_id is not None:
            changed = _changed_units(run.pk, previous_id, recomputed, scored)
            lap("results: compared with the previous run")
    if previous_id is not None:
        units_take(
            "metrics_resultunit", run_id=run.pk, previous_id=previous_id, recomputed=recomputed
        )
        thresholds_take(run_id=run.pk, previous_id=previous_id, recomputed=recomputed)
        lap("results: taken from the previous run")
    return changed


# What a result's flags read of it (metrics.flags.ResultFacts), and of its group's thresholds.
_FLAG_FACTS = ("organisation_id", "value", "rank", "quartile", "score")
_THRESHOLDS = ("n", "p25", "p50", "p75")


def _changed_units(
    run_id: int, previous_id: int, recomputed: Units, scored: list[tuple[Any, ...]]
) -> set[tuple[int, str]]:
    """The recomputed units whose flag facts differ from those of run ``previous_id``."""
    columns = RESULT_COLUMNS
    at = [columns.index(name) for name in _FLAG_FACTS]
    metric_at, group_at = columns.index("metric_id"), columns.index("peer_group")
    new: dict[tuple[int, str], set[tuple[Any, ...]]] = defaultdict(set)
    for row in scored:
        new[(row[metric_at], row[group_at])].add(tuple(row[i] for i in at))
    before: dict[tuple[int, str], set[tuple[Any, ...]]] = defaultdict(set)
    in_units = _units_filter(recomputed)
    for metric, group, *facts in MetricResult.objects.filter(
        run_id=previous_id, **in_units
    ).values_list("metric_id", "peer_group", *_FLAG_FACTS):
        before[(metric, group)].add(tuple(facts))
    thresholds = {
        run: {
            (metric, group): rest
            for metric, group, *rest in QuartileThreshold.objects.filter(
                run_id=run, **in_units
            ).values_list("metric_id", "peer_group", *_THRESHOLDS)
        }
        for run in (run_id, previous_id)
    }
    return {
        unit
        for unit in new.keys() | before.keys()
        if new.get(unit) != before.get(unit)
        or thresholds[run_id].get(unit) != thresholds[previous_id].get(unit)
    }


def _units_filter(units: Units) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if units.metric_ids is not None:
        found["metric_id__in"] = list(units.metric_ids)
    if units.peer_groups is not None:
        found["peer_group__in"] = list(units.peer_groups)
    return found


# Where a result row (``results_and_thresholds``) holds its quartile.
QUARTILE_AT = 6


def _scored(
    rows: list[tuple[Any, ...]], metrics: Mapping[int, Metric]
) -> Iterator[tuple[Any, ...]]:
    """Each result row with its score: step 1 of the NOF 2025/26 manual, per metric and peer
    group — Python over the quarter values (one a body), not national rows. A contextual
    metric (not scored: DESIGN.md "scored or contextual") keeps no quartile either: what the
    catalogue does not score is shown, never quartiled or flagged.
    """
    for (metric_id, _group), members in groupby(rows, key=itemgetter(1, 2)):
        group = list(members)
        metric = metrics[metric_id]
        scores = _group_scores(metric, {row[0]: row[3] for row in group})
        for row in group:
            if not metric.scored:  # contextual: shown and ranked, never quartiled
                row = (*row[:QUARTILE_AT], None, *row[QUARTILE_AT + 1 :])
            yield (*row, scores.get(row[0]))


def _group_scores(metric: Metric, values: dict[int, float]) -> dict[int, Decimal]:
    """Scores by body; none for contextual metrics or neutral ones without a score map."""
    if not metric.scored:
        return {}
    if metric.score_map:
        bands = _bands(metric.score_map)
        found = {key: bespoke_score(value, bands) for key, value in values.items()}
        return {key: score for key, score in found.items() if score is not None}
    if metric.polarity == Polarity.NEUTRAL:
        return {}
    return _metric_scores(values, metric.polarity, metric.standard, metric.floor)


@functools.lru_cache(maxsize=256)
def _bands(score_map: str) -> Any:
    return parse_score_map(score_map)


def _metric_scores(
    values: Mapping[int, float], polarity: str, standard: float | None, floor: float | None
) -> dict[int, Decimal]:
    """metrics.scoring.metric_scores, with each (bookends, rank, n) score worked out once.

    The manual's spread lo + (hi - lo)(r - 1)/(n - 1), exactly in fractions and rounded half up,
    depends on nothing but (lo, hi, r, n): a peer group has the same n for most metrics, so
    tens of thousands of scores come from a few hundred distinct ones.
    """
    metric_scores({}, polarity=polarity, standard=standard, floor=floor)  # its checks
    higher_better = polarity == Polarity.HIGHER_BETTER
    scores: dict[int, Decimal] = {}
    ranked: dict[int, float] = {}
    for key, value in values.items():
        if not math.isfinite(value):
            raise ValueError(f"value {value!r} for {key!r} is not a finite number")
        if standard is not None and (value >= standard if higher_better else value <= standard):
            scores[key] = BEST_SCORE
        elif floor is not None and (value < floor if higher_better else value > floor):
            scores[key] = WORST_SCORE
        else:
            ranked[key] = value
    lo, hi = score_bookends(standard=standard, floor=floor)
    for key, rank in rank_and_percentile(ranked, polarity).items():
        scores[key] = _spread_once(lo, hi, rank.rank, len(ranked))
    return scores


_spread_once = functools.lru_cache(maxsize=65536)(spread_score)
