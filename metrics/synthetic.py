"""Synthetic quarterly return values with realistic shape, for the demo and the benchmarks.

Each (body, metric) series has its own level drawn around the metric's standard or valid range,
a gentle trend, month-to-month noise, and for a few series a step change (so SPC has something
to find). Deterministic for a seed: the same call gives the same numbers.

``series_block`` draws the same model for many bodies at once with numpy (the benchmarks' stress
dataset has ~28 M values); numpy is a `bench` extra, so it is imported only there.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

from metrics.engine.kinds import Frequency, ValueType
from metrics.models.catalogue import Metric, Period

STEP_CHANGE_SHARE = 0.03


@dataclass(frozen=True)
class MetricShape:
    """What values of one metric look like: centre, spread, bounds, integer or not."""

    metric_id: int
    code: str
    monthly: bool
    centre: float
    spread: float
    low: float | None
    high: float | None
    integer: bool


def metric_shape(metric: Metric) -> MetricShape:
    low, high = metric.valid_min, metric.valid_max
    integer = metric.value_type in (ValueType.RATING, ValueType.COUNT)
    if metric.value_type == ValueType.RATING:
        centre, spread = 2.2, 0.7
    elif metric.standard is not None:
        centre = metric.standard
        spread = max(abs(metric.standard) * 0.08, 1.0)
    elif low is not None and high is not None:
        centre, spread = low + (high - low) * 0.6, (high - low) * 0.12
    elif metric.value_type == ValueType.COUNT:
        centre, spread = 400.0, 150.0
    elif low is None:  # finance variances and other signed measures
        centre, spread = 0.0, 2.0
    else:
        centre, spread = low + 50.0, 15.0
    return MetricShape(
        metric_id=metric.pk,
        code=metric.code,
        monthly=metric.frequency == Frequency.MONTHLY,
        centre=centre,
        spread=spread,
        low=low,
        high=high,
        integer=integer,
    )


def period_points(period: Period, monthly: bool) -> list[date]:
    return period.month_ends() if monthly else [period.end]


def _bounded(shape: MetricShape, value: float) -> float:
    if shape.low is not None:
        value = max(shape.low, value)
    if shape.high is not None:
        value = min(shape.high, value)
    return float(round(value)) if shape.integer else round(value, 2)


def series(
    shape: MetricShape, points: Sequence[date], *, rng: random.Random
) -> Iterator[tuple[date, float]]:
    """One body's values of one metric at the given month or quarter ends."""
    level = rng.gauss(shape.centre, shape.spread)
    slope = rng.gauss(0, shape.spread * 0.01)
    noise = shape.spread * (0.05 if shape.integer else 0.15)
    step_at = len(points) - rng.randint(4, 9) if rng.random() < STEP_CHANGE_SHARE else None
    step = rng.choice((-1, 1)) * shape.spread * 0.8
    if shape.integer and shape.spread < 1:  # ratings: stable, an occasional re-inspection
        value = _bounded(shape, level)
        for index, point in enumerate(points):
            if index and rng.random() < 0.04:
                value = _bounded(shape, value + rng.choice((-1, 1)))
            yield point, value
        return
    for index, point in enumerate(points):
        value = level + slope * index + rng.gauss(0, noise)
        if step_at is not None and index >= step_at:
            value += step
        yield point, _bounded(shape, value)


def series_block(shape: MetricShape, *, bodies: int, points: int, seed: int) -> np.ndarray:
    """``series`` for ``bodies`` bodies at once: a (bodies, points) array, oldest point first.

    The same model (level, gentle trend, noise, a step change in STEP_CHANGE_SHARE of the
    series; ratings stable with an occasional re-inspection), drawn from numpy's generator, so
    the numbers differ from ``series`` for the same seed but have the same shape.
    """
    import numpy as np

    rng = np.random.default_rng([seed, zlib.crc32(shape.code.encode())])
    level = rng.normal(shape.centre, shape.spread, bodies)
    if shape.integer and shape.spread < 1:  # ratings: one ±1 move at ~4% of the points
        values = np.empty((bodies, points))
        values[:, 0] = _bounded_block(shape, level)
        moves = rng.choice((-1.0, 1.0), (bodies, points)) * (rng.random((bodies, points)) < 0.04)
        for index in range(1, points):  # bounded at every step, as ``series`` does
            values[:, index] = _bounded_block(shape, values[:, index - 1] + moves[:, index])
        return values
    slope = rng.normal(0, shape.spread * 0.01, bodies)
    noise = shape.spread * (0.05 if shape.integer else 0.15)
    trend = slope[:, None] * np.arange(points)
    values = level[:, None] + trend + rng.normal(0, noise, (bodies, points))
    stepped = rng.random(bodies) < STEP_CHANGE_SHARE
    step_at = points - rng.integers(4, 10, bodies)
    step = rng.choice((-1.0, 1.0), bodies) * shape.spread * 0.8
    values += np.where(stepped[:, None] & (np.arange(points) >= step_at[:, None]), step[:, None], 0)
    return _bounded_block(shape, values)


def _bounded_block(shape: MetricShape, values: np.ndarray) -> np.ndarray:
    import numpy as np

    if shape.low is not None or shape.high is not None:
        values = np.clip(values, shape.low, shape.high)
    return np.round(values) if shape.integer else np.round(values, 2)


def body_values(
    *,
    body_id: int,
    shapes: Sequence[MetricShape],
    periods: Sequence[Period],
    seed: int,
) -> dict[int, list[tuple[int, date, float]]]:
    """Every value of one body, keyed by the index of the period it belongs to."""
    by_period: dict[int, list[tuple[int, date, float]]] = {i: [] for i in range(len(periods))}
    timelines = {
        monthly: [
            (i, p) for i, period in enumerate(periods) for p in period_points(period, monthly)
        ]
        for monthly in (True, False)
    }
    for shape in shapes:
        rng = random.Random(f"{seed}:{body_id}:{shape.code}")
        points = timelines[shape.monthly]
        values = series(shape, [p for _, p in points], rng=rng)
        for (index, _), (point, value) in zip(points, values, strict=True):
            by_period[index].append((shape.metric_id, point, value))
    return by_period


def return_csv(ods_code: str, values: Sequence[tuple[str, date, float]]) -> bytes:
    """The return file a body would have sent for these values (the documented layout)."""
    lines = ["organisation_code,metric_code,period_end,value,numerator,denominator,comment"]
    lines += [f"{ods_code},{code},{end.isoformat()},{value:g},,," for code, end, value in values]
    return ("\n".join(lines) + "\n").encode()
