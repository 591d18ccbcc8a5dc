"""Synthetic quarterly return values with realistic shape, for the demo and the benchmarks.

Each (body, metric) series has its own level drawn around the metric's typical published value
(`metrics/typical.py`; else its standard or valid range), the national drift, a winter swing,
point-to-point noise, for a few series a step change, and for the few deteriorating bodies a
slide in the worse direction over the last year and a half (so SPC and flags have something to
find). Counts that grow with a body are scaled by its size; rare events are Poisson draws.
Deterministic for a seed: the same call gives the same numbers.

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

import math

from metrics.engine.kinds import Frequency, Polarity, ValueType
from metrics.models.catalogue import Metric, Period
from metrics.typical import typical

STEP_CHANGE_SHARE = 0.05
# A deteriorating body slides this many between-body deviations over its last 18 months.
DETERIORATION = 2.5
DETERIORATION_MONTHS = 18


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
    noise: float | None = None  # point to point; None: a share of the spread
    season: float = 0.0  # added in January, subtracted in July
    drift: float = 0.0  # national change per point
    sized: bool = False  # grows with the body's size
    rare: bool = False  # a count of rare events: Poisson draws
    worse: int = 0  # +1 where a higher value is worse, -1 where lower is, 0 neutral


def _tighter(bound: float | None, plausible: float, *, upper: bool) -> float:
    """The tighter of a catalogue bound (if any) and a plausible one."""
    if bound is None:
        return plausible
    return min(bound, plausible) if upper else max(bound, plausible)


def metric_shape(metric: Metric) -> MetricShape:
    low, high = metric.valid_min, metric.valid_max
    integer = metric.value_type in (ValueType.RATING, ValueType.COUNT)
    known = typical(metric.code) if metric.value_type != ValueType.RATING else None
    monthly = metric.frequency == Frequency.MONTHLY
    if known is not None:
        return MetricShape(
            metric_id=metric.pk,
            code=metric.code,
            monthly=monthly,
            centre=known.centre,
            spread=known.between,
            low=_tighter(low, known.low, upper=False),
            high=_tighter(high, known.high, upper=True),
            integer=integer,
            noise=known.noise,
            season=known.season,
            drift=known.drift / (12 if monthly else 4),
            sized=known.sized,
            rare=known.rare,
            worse={Polarity.HIGHER_BETTER: -1, Polarity.LOWER_BETTER: 1}.get(
                Polarity(metric.polarity), 0
            ),
        )
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


def poisson(rate: float, rng: random.Random) -> int:
    """A Poisson draw (Knuth's method: the rates here are small)."""
    limit, count, product = math.exp(-max(rate, 0.0)), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def winter(point: date) -> float:
    """1 in January, -1 in July, a cosine between."""
    return math.cos(2 * math.pi * (point.month - 1) / 12)


def series(
    shape: MetricShape,
    points: Sequence[date],
    *,
    rng: random.Random,
    size: float = 1.0,
    deteriorating: bool = False,
) -> Iterator[tuple[date, float]]:
    """One body's values of one metric at the given month or quarter ends.

    `size` scales the counts that grow with a body; a `deteriorating` body slides in the
    metric's worse direction over its last DETERIORATION_MONTHS.
    """
    level = rng.gauss(shape.centre, shape.spread)
    slope = rng.gauss(0, shape.spread * 0.01)
    noise = (
        shape.noise
        if shape.noise is not None
        else (shape.spread * (0.05 if shape.integer else 0.15))
    )
    step_at = len(points) - rng.randint(4, 9) if rng.random() < STEP_CHANGE_SHARE else None
    step = rng.choice((-1, 1)) * shape.spread * 0.8
    ramp = DETERIORATION_MONTHS // (1 if shape.monthly else 3)
    slide = shape.worse * shape.spread * DETERIORATION if deteriorating else 0.0
    scale = size if shape.sized else 1.0
    if shape.integer and shape.spread < 1 and not shape.rare:  # ratings: an odd re-inspection
        value = _bounded(shape, level)
        for index, point in enumerate(points):
            if index and rng.random() < 0.04:
                value = _bounded(shape, value + rng.choice((-1, 1)))
            yield point, value
        return
    for index, point in enumerate(points):
        value = level + (slope + shape.drift) * index + shape.season * winter(point)
        value += rng.gauss(0, noise) if noise else 0.0
        if step_at is not None and index >= step_at:
            value += step
        value += slide * max(0.0, 1 - (len(points) - 1 - index) / ramp)
        if shape.rare:
            yield point, _bounded(shape, poisson(value * scale, rng))
        else:
            yield point, _bounded(shape, value * scale)


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
    size: float = 1.0,
    deteriorating: bool = False,
) -> dict[int, list[tuple[int, date, float]]]:
    """Every value of one body, keyed by the index of the period it belongs to (`size` and
    `deteriorating` as for `series`)."""
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
        values = series(
            shape, [p for _, p in points], rng=rng, size=size, deteriorating=deteriorating
        )
        for (index, _), (point, value) in zip(points, values, strict=True):
            by_period[index].append((shape.metric_id, point, value))
    return by_period


def return_csv(ods_code: str, values: Sequence[tuple[str, date, float]]) -> bytes:
    """The return file a body would have sent for these values (the documented layout)."""
    lines = ["organisation_code,metric_code,period_end,value,numerator,denominator,comment"]
    lines += [f"{ods_code},{code},{end.isoformat()},{value:g},,," for code, end, value in values]
    return ("\n".join(lines) + "\n").encode()
