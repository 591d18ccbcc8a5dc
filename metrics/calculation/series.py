"""The SPC step of a calculation run: every body's series, analysed and stored in one pass.

DESIGN.md "SPC (Making Data Count)" and "Scale": ~30k series of ~60 points at England scale.
The values of a batch of bodies come in one query as arrays (metrics.calculation_sql
``series_arrays``); series of equal length are analysed together by metrics.spc.spc_block —
a few array operations per rule for thousands of series, never a Python loop over points —
and what the run stores of each series (the latest segment's limits, the latest point and its
signals, the icons, what the flags read, and the packed chart document) goes out through COPY,
stored in the run with a unit per body (metrics.models, "stored once, shared between runs").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from psycopg.types.json import Jsonb

from metrics.calculation.national_sql import units_write
from metrics.calculation.rebased import RebaseDays, rebased_rows
from metrics.calculation.series_sql import SeriesArrays, series_arrays
from metrics.engine.kinds import Polarity
from metrics.engine.spc.block import SpcBlock, spc_block
from metrics.engine.spc.document import (
    ASSURANCE_CODES,
    DOCUMENT_MAGIC,
    EPOCH,
    POLARITY_CODES,
    VARIATION_CODES,
    document_dtype,
)
from metrics.engine.spc.kinds import (
    AssuranceIcon,
    Classification,
    SpcSettings,
    VariationIcon,
    classify,
)
from metrics.engine.spc.masks import (
    CLASSIFICATION_OF_MASK,
    OUTSIDE_HIGH,
    OUTSIDE_LOW,
    RUN_HIGH,
    RUN_LOW,
    SIGNALS_OF_MASK,
    TREND_HIGH,
    TREND_LOW,
    concern_bits,
    mask_signals,
)
from oversight.bulk import copy_rows
from oversight.clock import Clock

SPC_COLUMNS = (
    "stored_in_id",
    "period_id",
    "organisation_id",
    "metric_id",
    "points",
    "mean",
    "amr",
    "ucl",
    "lcl",
    "upper_two_sigma",
    "lower_two_sigma",
    "trial",
    "variation",
    "assurance",
    "latest_period_end",
    "latest_value",
    "latest_signals",
    "latest_classification",
    "concern_outside_limits",
    "concern_run_or_trend",
    "consistently_fails",
    "result",
    "computed_in_id",
)


SPC_TYPES = (
    "int8", "int8", "int8", "int8", "int4", "float8", "float8", "float8", "float8", "float8",
    "float8", "bool", "varchar", "varchar", "date", "float8", "jsonb", "varchar", "bool", "bool",
    "bool", "bytea", "int8",
)  # fmt: skip


@dataclass(frozen=True)
class SeriesMetric:
    """What SPC needs to know of a metric: its polarity and target (the standard)."""

    polarity: str
    target: float | None


def spc_settings(parameters: Mapping[str, Any]) -> SpcSettings:
    return SpcSettings(
        run_length=parameters["run_length"],
        trend_length=parameters["trend_length"],
        screen_moving_ranges=parameters["screen_moving_ranges"],
        baseline_points=parameters["baseline_points"],
        min_points_for_limits=parameters["min_points_for_limits"],
    )


# --- what the latest point's mask means, per polarity: tables indexed [polarity code, mask] ---


def _table(value: Any) -> np.ndarray:
    """A (polarity, mask) table of ``value(polarity, mask)``."""
    return np.array(
        [[value(polarity, mask) for mask in range(len(SIGNALS_OF_MASK))] for polarity in Polarity],
        dtype=object,
    )


def _variation(polarity: Polarity, mask: int) -> int:
    """metrics.spc's variation icon (code) of a latest point with these signals."""
    signals = SIGNALS_OF_MASK[mask]
    if not signals:
        return VARIATION_CODES.index(VariationIcon.COMMON_CAUSE)
    kind = classify(signals[0].direction, polarity)
    prefix = "neither" if kind in (Classification.HIGH, Classification.LOW) else kind.value
    return VARIATION_CODES.index(VariationIcon(f"{prefix}_{signals[0].direction.value}"))


def _classification(polarity: Polarity, mask: int) -> str:
    found = CLASSIFICATION_OF_MASK[polarity][mask]
    return found.value if found else ""


_VARIATION = _table(_variation).astype(np.uint8)
_CLASSIFICATION = _table(_classification)
# The latest point's [rule, direction, classification] triples, as jsonb (binary COPY).
_SIGNALS = _table(lambda p, m: Jsonb([list(s) for s in mask_signals(m, p)]))
# Every signal counts, not only the first: a point outside the limits can also end a run.
_CONCERN_OUTSIDE = _table(
    lambda p, m: bool(m & concern_bits(p) & (OUTSIDE_HIGH | OUTSIDE_LOW))
).astype(bool)
_CONCERN_RUN_OR_TREND = _table(
    lambda p, m: bool(m & concern_bits(p) & (TREND_HIGH | TREND_LOW | RUN_HIGH | RUN_LOW))
).astype(bool)
_NO_ASSURANCE = ASSURANCE_CODES.index(None)
_PASS = ASSURANCE_CODES.index(AssuranceIcon.CONSISTENTLY_PASS)
_FAIL = ASSURANCE_CODES.index(AssuranceIcon.CONSISTENTLY_FAIL)
_HIT_AND_MISS = ASSURANCE_CODES.index(AssuranceIcon.HIT_AND_MISS)
_HIGHER, _LOWER, _NEUTRAL = (
    POLARITY_CODES.index(p)
    for p in (Polarity.HIGHER_BETTER, Polarity.LOWER_BETTER, Polarity.NEUTRAL)
)


def spc_batch_write(
    *,
    run_id: int,
    period_id: int,
    edition_id: int,
    period_start: str,
    period_end: str,
    organisation_ids: Sequence[int],
    metrics: Mapping[int, SeriesMetric],
    settings: SpcSettings,
    timings: dict[str, float] | None = None,
    found: SeriesArrays | None = None,
    rebases: RebaseDays | None = None,
) -> int:
    """Analyse and store the series of a batch of bodies that reach into the quarter (those
    with a result: a value of the quarter's accepted version); returns how many series.
    ``found``: their values, if already read. ``timings`` adds up the
    seconds spent reading, analysing and writing. ``rebases``: the recorded rebases
    (``rebases.rebase_days``) that split series into segments."""
    clock = Clock(timings if timings is not None else {})
    if found is None:
        found = series_arrays(
            edition_id=edition_id, period_end=period_end, organisation_ids=organisation_ids
        )
        clock.lap("spc: read values")
    rows = list(
        series_rows(found, run_id, period_id, period_start, metrics, settings, rebases or {})
    )
    clock.lap("spc: analyse")
    written = copy_rows("metrics_storedseries", SPC_COLUMNS, rows, SPC_TYPES)
    units_write("metrics_seriesunit", run_id, sorted({(row[2],) for row in rows}))
    clock.lap("spc: write")
    return written


def series_rows(
    found: SeriesArrays,
    run_id: int,
    period_id: int,
    period_start: str,
    metrics: Mapping[int, SeriesMetric],
    settings: SpcSettings,
    rebases: RebaseDays | None = None,
) -> Iterator[tuple[object, ...]]:
    """The SpcSeries rows (SPC_COLUMNS) of every series in ``found`` that reaches the quarter;
    those a recorded rebase splits are analysed one by one (metrics.calculation.rebased)."""
    if not len(found.value):
        return
    # Held per series in period order (metrics.returns.series): nothing to sort or regroup.
    organisation, metric, day, value = found.organisation, found.metric, found.day, found.value
    lengths = found.length
    starts = np.cumsum(lengths) - lengths
    first_day = (np.datetime64(period_start, "D") - np.datetime64(EPOCH, "D")).astype(int)
    # A series without a value this quarter is a metric the body no longer returns: no result.
    reaching = day[starts + lengths - 1] >= first_day
    # Only the metrics given are charted (a rating is not: metrics.calculation.steps).
    reaching &= np.isin(metric, np.fromiter(metrics, np.int64, len(metrics)))
    organisation, metric = organisation[reaching], metric[reaching]
    starts, lengths = starts[reaching], lengths[reaching]
    if rebases:
        rows, split = rebased_rows(
            rebases,
            (
                starts,
                lengths,
                np.repeat(found.organisation, found.length),  # per point, as rebased_rows reads
                np.repeat(found.metric, found.length),
                value,
                day,
            ),
            run_id=run_id,
            period_id=period_id,
            polarity={pk: m.polarity for pk, m in metrics.items()},
            targets={pk: m.target for pk, m in metrics.items()},
            settings=settings,
        )
        yield from rows
        starts, lengths = starts[~split], lengths[~split]
        organisation, metric = organisation[~split], metric[~split]
    codes = {pk: POLARITY_CODES.index(Polarity(m.polarity)) for pk, m in metrics.items()}
    targets = {pk: m.target for pk, m in metrics.items()}
    for length in np.unique(lengths).tolist():
        first = starts[lengths == length]
        where = first[:, None] + np.arange(length)
        yield from _block_rows(
            run_id,
            period_id,
            organisation[lengths == length],
            metric[lengths == length],
            value[where],
            day[where],
            codes,
            targets,
            settings,
        )


def _block_rows(
    run_id: int,
    period_id: int,
    organisation: np.ndarray,
    metric: np.ndarray,
    values: np.ndarray,
    days: np.ndarray,
    codes: Mapping[int, int],
    targets: Mapping[int, float | None],
    settings: SpcSettings,
) -> Iterator[tuple[object, ...]]:
    """The rows of a block of series with the same number of points."""
    length = values.shape[1]
    block = spc_block(values, settings)
    metric_ids = metric.tolist()
    polarity = np.array([codes[m] for m in metric_ids], dtype=np.intp)
    target_given = np.array([targets[m] is not None for m in metric_ids], dtype=bool)
    target = np.array([targets[m] or 0.0 for m in metric_ids], dtype=np.float64)
    latest = block.masks[:, -1].astype(np.intp)
    reliable = not block.trial
    # Assurance (metrics.spc): a target strictly beyond a limit on the side the process should
    # move towards is never reached (fail), beyond the other side always met (pass); else hit
    # and miss; none without a target or for a neutral metric.
    higher = polarity == _HIGHER
    assurance = np.where(
        target > block.ucl,
        np.where(higher, _FAIL, _PASS),
        np.where(target < block.lcl, np.where(higher, _PASS, _FAIL), _HIT_AND_MISS),
    )
    assurance = np.where(target_given & (polarity != _NEUTRAL), assurance, _NO_ASSURANCE)
    variation = _VARIATION[polarity, latest]
    documents = _documents(block, length, polarity, variation, assurance, target_given, target)
    documents["values"] = values
    documents["days"] = days
    packed, size = documents.tobytes(), documents.dtype.itemsize

    latest_days = days[:, -1].tolist()
    when = {d: EPOCH + timedelta(days=d) for d in set(latest_days)}
    columns = zip(
        organisation.tolist(),
        metric_ids,
        block.mean.tolist(),
        block.amr.tolist(),
        block.ucl.tolist(),
        block.lcl.tolist(),
        block.upper_two_sigma.tolist(),
        block.lower_two_sigma.tolist(),
        [VARIATION_CODES[v].value for v in variation.tolist()],
        [icon.value if (icon := ASSURANCE_CODES[a]) else "" for a in assurance.tolist()],
        [when[d] for d in latest_days],
        values[:, -1].tolist(),
        _SIGNALS[polarity, latest].tolist(),
        _CLASSIFICATION[polarity, latest].tolist(),
        (_CONCERN_OUTSIDE[polarity, latest] & reliable).tolist(),
        (_CONCERN_RUN_OR_TREND[polarity, latest] & reliable).tolist(),
        ((assurance == _FAIL) & reliable).tolist(),
        strict=True,
    )
    trial = block.trial
    for row, (org, met, mean, amr, ucl, lcl, upper, lower, *latest_facts) in enumerate(columns):
        yield (
            run_id,
            period_id,
            org,
            met,
            length,
            mean,
            amr,
            ucl,
            lcl,
            upper,
            lower,
            trial,
            *latest_facts,
            packed[row * size : (row + 1) * size],
            run_id,
        )


def _documents(
    block: SpcBlock,
    length: int,
    polarity: np.ndarray,
    variation: np.ndarray,
    assurance: np.ndarray,
    target_given: np.ndarray,
    target: np.ndarray,
) -> np.ndarray:
    """The chart documents of a block (metrics.spc's stored form), filled column by column;
    the caller adds the values and period ends."""
    documents = np.zeros(len(polarity), document_dtype(length))
    head, segment = documents["head"], documents["segment"]
    head["magic"] = DOCUMENT_MAGIC
    head["polarity"] = polarity
    head["variation"] = variation
    head["assurance"] = assurance
    head["has_target"] = target_given
    head["points"] = length
    head["segments"] = 1
    head["target"] = target
    segment["end"] = length
    segment["baseline_points"] = block.baseline_points
    for name in ("mean", "amr", "ucl", "lcl", "upper_two_sigma", "lower_two_sigma"):
        segment[name] = getattr(block, name)
    segment["trial"] = block.trial
    documents["masks"] = block.masks
    return documents
