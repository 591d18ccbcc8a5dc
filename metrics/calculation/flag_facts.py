"""What a run's flags are raised on, read as arrays: the quarter's results, their peer groups'
thresholds, the series that can signal, and the previous quarters' quartiles.

Four queries, whatever the scale — results, thresholds, signalling SPC series and previous
quarters' quartiles — the results and quartiles each as a few binary arrays on PostgreSQL
(``sql.columns_fetch``: ~1.2 M earlier quartiles at stress scale, no Python tuple per row),
placed on the quarter's rows by their (body, metric) key with a sorted search, never a loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from django.db.models import Case, CharField, IntegerField, Q, TextField, Value, When
from django.db.models.functions import Cast, Coalesce

from metrics.calculation.sql import columns_fetch
from metrics.engine.flags import (
    NO_QUARTILE,
    MetricFacts,
    QuarterFacts,
    SeriesFacts,
    Thresholds,
)
from metrics.engine.spc.kinds import Classification
from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import Metric, Period
from metrics.models.results import MetricResult, QuartileThreshold, SpcSeries

NO_RANK = -1


@dataclass(frozen=True)
class FlaggedRows:
    """The quarter's facts (``facts``) with each row's body and metric."""

    organisation: np.ndarray
    metric: np.ndarray
    facts: QuarterFacts


def quarter_facts_read(
    run: CalculationRun,
    results: Any,
    metrics: Mapping[int, Metric],
    *,
    history: list[list[int]],
    wanted: set[tuple[int, str]] | None,
    scoped: bool,
) -> FlaggedRows:
    """The facts of the ``results`` (a MetricResult query of the run, of ``metrics``), only of
    the ``wanted`` (metric, peer group) units if given; ``scoped``: read the series and
    earlier quartiles of these results' bodies only (else of every body)."""
    groups = sorted(results.order_by().values_list("peer_group", flat=True).distinct())
    group_code = Case(
        *[When(peer_group=group, then=Value(at)) for at, group in enumerate(groups)],
        output_field=IntegerField(),
    )
    organisation, metric, group_at, value, rank, quartile = columns_fetch(
        results.annotate(
            group_at=group_code,
            rank_or=Coalesce("rank", NO_RANK),
            quartile_or=Coalesce("quartile", NO_QUARTILE),
        ).values_list(
            "organisation_id", "metric_id", "group_at", "value", "rank_or", "quartile_or"
        ),
        ["bigint", "bigint", "integer", "double precision", "integer", "smallint"],
    )
    metric_ids = np.array(sorted(metrics), dtype=np.int64)
    if wanted is not None:
        keep = np.array(
            [
                (m, groups[g]) in wanted
                for m, g in zip(metric.tolist(), group_at.tolist(), strict=True)
            ],
            dtype=bool,
        )
        organisation, metric, group_at = organisation[keep], metric[keep], group_at[keep]
        value, rank, quartile = value[keep], rank[keep], quartile[keep]
    keys = _Keys(organisation, metric)
    bodies = sorted(set(organisation.tolist())) if scoped else None
    scope = Scope(bodies, sorted(set(metric.tolist())))
    metric_at = np.searchsorted(metric_ids, metric)
    index_of = {pk: at for at, pk in enumerate(metric_ids.tolist())}
    periods, quartiles = _history(history, keys, scope)
    facts = QuarterFacts(
        period=run.period.label,
        metrics=[_metric_facts(metrics[pk]) for pk in metric_ids.tolist()],
        metric_at=metric_at,
        value=value,
        quartile=quartile.astype(np.int8),
        rank=[None if r == NO_RANK else r for r in rank.tolist()],
        peer_group=[groups[at] for at in group_at.tolist()],
        thresholds=_thresholds(run, index_of),
        series=_signalling_series(run, keys, scope),
        history=quartiles,
        history_periods=periods,
    )
    return FlaggedRows(organisation, metric, facts)


def _metric_facts(metric: Metric) -> MetricFacts:
    return MetricFacts(metric.code, metric.name, metric.polarity, metric.standard)


class _Keys:
    """The quarter's rows by their (body, metric) key: ``rows`` finds where keys sit."""

    def __init__(self, organisation: np.ndarray, metric: np.ndarray) -> None:
        self.width = int(metric.max()) + 1 if len(metric) else 1
        codes = organisation * self.width + metric
        self.order = np.argsort(codes, kind="stable")
        self.sorted = codes[self.order]

    def rows(self, organisation: np.ndarray, metric: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the keys given (-1: not a row of the quarter), and which were found."""
        inside = metric < self.width
        codes = organisation * self.width + metric
        at = np.searchsorted(self.sorted, codes)
        found = inside & (at < len(self.sorted))
        found[found] = self.sorted[at[found]] == codes[found]
        rows = np.full(len(codes), -1, dtype=np.int64)
        rows[found] = self.order[at[found]]
        return rows, found


@dataclass(frozen=True)
class Scope:
    """Whose series and earlier quartiles the flags read: of these bodies (None: all) and
    metrics (a run's flags may be worked out in parts, by metric: ``.parts``)."""

    organisation_ids: list[int] | None
    metric_ids: list[int]

    def filter(self, rows: Any) -> Any:
        rows = rows.filter(metric_id__in=self.metric_ids)
        if self.organisation_ids is None:
            return rows
        return rows.filter(organisation_id__in=self.organisation_ids)


def _thresholds(
    run: CalculationRun, index_of: Mapping[int, int]
) -> dict[tuple[int, str], Thresholds]:
    rows = QuartileThreshold.objects.filter(run=run, metric_id__in=list(index_of)).values_list(
        "metric_id", "peer_group", "n", "p25", "p50", "p75"
    )
    return {
        (index_of[metric], group): Thresholds(n, p25, p50, p75)
        for metric, group, n, p25, p50, p75 in rows
    }


def _signalling_series(run: CalculationRun, keys: _Keys, scope: Scope) -> dict[int, SeriesFacts]:
    """Only the series whose latest point or assurance can raise a flag (in ``scope``), by row."""
    signalling = (
        Q(concern_outside_limits=True)
        | Q(concern_run_or_trend=True)
        | Q(consistently_fails=True)
        | Q(
            trial=False,
            latest_classification__in=[Classification.IMPROVEMENT, Classification.CONCERN],
        )
    )
    series = scope.filter(SpcSeries.objects.filter(run=run))
    # The date and the signals as text, parsed here (orjson): no converter per row.
    found = list(
        series.filter(signalling)
        .annotate(
            end=Cast("latest_period_end", CharField()), signals=Cast("latest_signals", TextField())
        )
        .values_list(
            "organisation_id",
            "metric_id",
            "end",
            "latest_value",
            "signals",
            "latest_classification",
            "trial",
            "concern_outside_limits",
            "concern_run_or_trend",
            "consistently_fails",
            "mean",
            "ucl",
            "lcl",
            "assurance",
        )
    )
    rows, on_row = keys.rows(
        np.array([row[0] for row in found], dtype=np.int64),
        np.array([row[1] for row in found], dtype=np.int64),
    )
    return {
        row: SeriesFacts._make((end, value, orjson.loads(signals), *facts))
        for row, present, (_, _, end, value, signals, *facts) in zip(
            rows.tolist(), on_row.tolist(), found, strict=True
        )
        if present
    }


def _history(history: list[list[int]], keys: _Keys, scope: Scope) -> tuple[list[str], np.ndarray]:
    """The labels of the ``history`` quarters and their quartiles on the quarter's rows (a
    column per quarter, most recent first; NO_QUARTILE where there is none)."""
    labels = {p.pk: p.label for p in Period.objects.filter(pk__in=[pk for pk, _ in history])}
    quartiles = np.full((len(keys.sorted), len(history)), NO_QUARTILE, dtype=np.int8)
    runs = [run_id for _, run_id in history if run_id]
    if runs and len(keys.sorted):
        # The runs first, so the results are read through their (run, …) index.
        earlier = scope.filter(MetricResult.objects.filter(run_id__in=runs, quartile__isnull=False))
        organisation, metric, period, quartile = columns_fetch(
            earlier.values_list("organisation_id", "metric_id", "period_id", "quartile"),
            ["bigint", "bigint", "bigint", "smallint"],
        )
        rows, found = keys.rows(organisation, metric)
        column = {pk: at for at, (pk, _) in enumerate(history)}
        columns = np.array([column.get(p, -1) for p in period.tolist()], dtype=np.int64)
        found &= columns >= 0
        quartiles[rows[found], columns[found]] = quartile[found]
    return [labels[pk] for pk, _ in history], quartiles
