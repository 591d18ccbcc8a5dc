"""National quartiles and ranks for one metric, quarter and peer group.

Source: NHS England, System Oversight Framework 2021/22 guidance. Over the bodies of one peer
group with an accepted, non-missing value (at least four of them, else no quartile):

1. P25, P50 and P75 by linear interpolation between closest ranks — numpy's default method,
   Excel's QUARTILE.INC / PERCENTILE.INC and PostgreSQL's ``percentile_cont``.
2. Higher is better: quartile 1 (best) if value ≥ P75, 2 if ≥ P50, 3 if > P25, 4 if ≤ P25.
   Lower is better mirrors it: 1 if ≤ P25, 2 if ≤ P50, 3 if < P75, 4 if ≥ P75.
   Neutral metrics get no quartile.

Everything here takes plain values and returns plain values; the database is not involved.
Values may be floats or Decimals (the NOF average scores are Decimals, and interpolating them
as Decimals keeps a 2 dp average exactly comparable with the thresholds).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from metrics.engine.kinds import Polarity

K = TypeVar("K", bound=Hashable)
Num = TypeVar("Num", float, Decimal)


@dataclass(frozen=True)
class QuartileThresholds(Generic[Num]):
    p25: Num
    p50: Num
    p75: Num
    n: int  # how many values the thresholds were computed from


@dataclass(frozen=True)
class RankResult:
    rank: int  # competition rank: 1 = best, tied values share the smallest rank
    percentile: float  # (rank - 1) / (n - 1); 0.0 when there is a single body


def percentile_inc(sorted_values: Sequence[Num], p: float) -> Num:
    """The p-th percentile (0 ≤ p ≤ 1) of values already sorted ascending.

    Linear interpolation between closest ranks: h = (n - 1) * p, result =
    v[⌊h⌋] + (v[⌊h⌋ + 1] - v[⌊h⌋]) * (h - ⌊h⌋). This is exactly PostgreSQL's
    ``percentile_cont`` arithmetic; numpy and Excel agree to the last bit or two.
    """
    if not sorted_values:
        raise ValueError("cannot take a percentile of no values")
    if not 0 <= p <= 1:
        raise ValueError(f"percentile {p} is outside 0..1")
    h = (len(sorted_values) - 1) * p
    below = math.floor(h)
    fraction = h - below
    low = sorted_values[below]
    if fraction == 0:
        return low
    high = sorted_values[below + 1]
    if isinstance(low, Decimal):
        # Decimal(float) is exact, so quarter fractions stay exact.
        return low + (high - low) * Decimal(fraction)
    return low + (high - low) * fraction


def quartile_thresholds(
    values: Iterable[Num | None], *, min_bodies: int = 4
) -> QuartileThresholds[Num] | None:
    """P25/P50/P75 of the non-missing values, or None when fewer than ``min_bodies``."""
    # NaN is the only value unequal to itself (float and Decimal alike).
    present = sorted(v for v in values if v is not None and v == v)
    if len(present) < min_bodies or not present:
        return None
    return QuartileThresholds(
        p25=percentile_inc(present, 0.25),
        p50=percentile_inc(present, 0.5),
        p75=percentile_inc(present, 0.75),
        n=len(present),
    )


def quartile_of(
    value: Num | None,
    thresholds: QuartileThresholds[Num] | None,
    polarity: Polarity | str,
) -> int | None:
    """Quartile 1 (best) to 4 by the SOF 2021/22 rule; None for neutral or missing data."""
    polarity = Polarity(polarity)
    if thresholds is None or polarity is Polarity.NEUTRAL:
        return None
    if value is None or value != value:  # missing, or NaN
        return None
    if polarity is Polarity.HIGHER_BETTER:
        return _quartile_higher_better(value, thresholds)
    return _quartile_lower_better(value, thresholds)


def _quartile_higher_better(value: Num, t: QuartileThresholds[Num]) -> int:
    if value >= t.p75:
        return 1
    if value >= t.p50:
        return 2
    if value > t.p25:
        return 3
    return 4


def _quartile_lower_better(value: Num, t: QuartileThresholds[Num]) -> int:
    if value <= t.p25:
        return 1
    if value <= t.p50:
        return 2
    if value < t.p75:
        return 3
    return 4


def rank_and_percentile(values: Mapping[K, Num], polarity: Polarity | str) -> dict[K, RankResult]:
    """Each key's competition rank (1 = best) and percentile rank (r - 1)/(n - 1).

    A plain-Python reference for the database's ``RANK()`` / ``PERCENT_RANK()`` window
    functions ordered best first. Neutral metrics have no "best", so they raise ValueError.
    """
    polarity = Polarity(polarity)
    if polarity is Polarity.NEUTRAL:
        raise ValueError("a neutral metric cannot be ranked")
    if any(_is_missing(v) for v in values.values()):
        raise ValueError("missing values must be left out, not passed as NaN or None")
    best_first = sorted(values.values(), reverse=polarity is Polarity.HIGHER_BETTER)
    first_position: dict[Num, int] = {}
    for position, value in enumerate(best_first, start=1):
        first_position.setdefault(value, position)  # ties keep the smallest position
    n = len(best_first)
    return {
        key: RankResult(
            rank=first_position[value],
            percentile=(first_position[value] - 1) / (n - 1) if n > 1 else 0.0,
        )
        for key, value in values.items()
    }


def _is_missing(value: object) -> bool:
    # NaN is the only value unequal to itself (float and Decimal alike).
    return value is None or value != value
