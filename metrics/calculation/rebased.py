"""The series a recorded rebase splits (metrics.models.SpcRebase): analysed one by one.

A run analyses most series in blocks of equal length (``series.series_rows``), each one
segment. A series with a recorded rebase inside it has a segment per rebase, with its own mean
and limits, and no rule spans the break (DESIGN.md "SPC"); rebases are few (decisions an
analyst records), so each such series takes the reference form, ``spc_analyse``, and its row
is built here in the same shape (``series.SPC_COLUMNS``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import numpy as np
from psycopg.types.json import Jsonb

from metrics.engine.spc.analysis import (
    latest_assurance_consistently_fails,
    latest_in_concern_run_or_trend,
    latest_is_concern_outside_limits,
    spc_analyse,
)
from metrics.engine.spc.document import EPOCH, document_encode
from metrics.engine.spc.kinds import SpcPoint, SpcResult, SpcSettings, classify
from metrics.models.calculation import SpcRebase

# (organisation id, metric id) -> the first days (since 1970-01-01) of the rebased quarters.
RebaseDays = Mapping[tuple[int, int], Sequence[int]]


def rebase_days(*, edition_id: int, period_end: str) -> RebaseDays:
    """The recorded rebases a run of a quarter ending ``period_end`` applies: per (body,
    metric), the first days of the quarters they start from (those up to the quarter)."""
    found: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    rows = SpcRebase.objects.filter(
        metric__edition_id=edition_id, starts__start__lte=period_end
    ).values_list("organisation_id", "metric_id", "starts__start")
    for body, metric, start in rows:
        found[(body, metric)].append(day_number(start))
    return dict(found)


def rebased_rows(
    rebases: RebaseDays,
    series: tuple[np.ndarray, ...],
    *,
    run_id: int,
    period_id: int,
    polarity: Mapping[int, str],
    targets: Mapping[int, float | None],
    settings: SpcSettings,
) -> tuple[list[tuple[object, ...]], np.ndarray]:
    """The rows of the series a rebase splits, and which of the series those are (a mask).
    ``series``: (starts, lengths, organisation, metric, value, day) as ``series_rows`` sorts
    them, each series the slice ``[start, start + length)`` of the last four."""
    starts, lengths, organisation, metric, value, day = series
    bodies = np.fromiter((body for body, _ in rebases), np.int64, len(rebases))
    split = np.zeros(len(starts), dtype=bool)
    rows = []
    for n in np.flatnonzero(np.isin(organisation[starts], bodies)).tolist():
        first, last = int(starts[n]), int(starts[n] + lengths[n])
        key = (int(organisation[first]), int(metric[first]))
        at = rebase_indices(day[first:last], rebases.get(key, ()))
        if at:
            split[n] = True
            rows.append(
                rebased_row(
                    run_id=run_id,
                    period_id=period_id,
                    organisation_id=key[0],
                    metric_id=key[1],
                    values=value[first:last],
                    days=day[first:last],
                    polarity=polarity[key[1]],
                    target=targets[key[1]],
                    settings=settings,
                    rebase_at=at,
                )
            )
    return rows, split


def rebase_indices(days: np.ndarray, rebase_days: Sequence[int]) -> list[int]:
    """Where each rebase starts a segment in a series with these period ends (days since
    1970-01-01, oldest first): its first point on or after the rebase's first day. A rebase
    before the series' first point, or after its latest, splits nothing."""
    found = {int(np.searchsorted(days, day, side="left")) for day in rebase_days}
    return sorted(i for i in found if 0 < i < len(days))


def rebased_row(
    *,
    run_id: int,
    period_id: int,
    organisation_id: int,
    metric_id: int,
    values: np.ndarray,
    days: np.ndarray,
    polarity: str,
    target: float | None,
    settings: SpcSettings,
    rebase_at: Sequence[int],
) -> tuple[object, ...]:
    """The stored-series row (``series.SPC_COLUMNS``) of one series split at ``rebase_at``."""
    result = spc_analyse(
        values.tolist(), polarity=polarity, target=target, settings=settings, rebase_at=rebase_at
    )
    latest, last = result.latest, result.segments[-1]
    return (
        run_id,
        period_id,
        organisation_id,
        metric_id,
        len(values),
        last.mean,
        last.amr,
        last.ucl,
        last.lcl,
        last.upper_two_sigma,
        last.lower_two_sigma,
        last.trial,
        result.variation.value,
        result.assurance.value if result.assurance else "",
        EPOCH + timedelta(days=int(days[-1])),
        latest.value,
        Jsonb([list(triple) for triple in _triples(latest, result)]),
        latest.classification.value if latest.classification else "",
        latest_is_concern_outside_limits(result),
        latest_in_concern_run_or_trend(result),
        latest_assurance_consistently_fails(result),
        document_encode(_document(result, days)),
        run_id,
    )


def _triples(point: SpcPoint, result: SpcResult) -> list[tuple[str, str, str]]:
    return [
        (s.rule.value, s.direction.value, classify(s.direction, result.polarity).value)
        for s in point.signals
    ]


def _document(result: SpcResult, days: np.ndarray) -> dict[str, object]:
    """The chart document (metrics.engine.spc.document) of an analysed series."""
    return {
        "polarity": result.polarity.value,
        "target": result.target,
        "period_ends": [
            (EPOCH + timedelta(days=day)).isoformat() for day in days.astype(int).tolist()
        ],
        "values": [p.value for p in result.points],
        "special_causes": [
            [
                p.index,
                p.classification.value if p.classification else None,
                [list(t) for t in _triples(p, result)],
            ]
            for p in result.points
            if p.signals
        ],
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "baseline_points": s.baseline_points,
                "mean": s.mean,
                "amr": s.amr,
                "ucl": s.ucl,
                "lcl": s.lcl,
                "upper_two_sigma": s.upper_two_sigma,
                "lower_two_sigma": s.lower_two_sigma,
                "trial": s.trial,
            }
            for s in result.segments
        ],
        "variation": result.variation.value,
        "assurance": result.assurance.value if result.assurance else None,
    }


def day_number(when: date) -> int:
    """A date as days since 1970-01-01 (the stored series' day numbers)."""
    return (when - EPOCH).days
