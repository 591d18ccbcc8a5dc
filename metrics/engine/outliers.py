"""Is a value far from the body's own history? The outlier rule of return validation.

DESIGN.md "Validation": "warnings and outliers against the body's own history need a
justification comment before sign-off". The rule, with its parameters named below:

1. The history is the body's accepted values of the metric before the quarter (the caller
   reads a span of ``metrics.returns.contexts.OUTLIER_HISTORY_YEARS``); fewer than
   ``MIN_POINTS`` values judge nothing: a year of months (a history that has not seen a winter
   calls every winter month far), two years of quarters (four points say little about a
   range: on the demo, a quarter judged by four flagged over half the returns).
2. Its centre is the median and its spread the median absolute deviation (MAD), floored at
   ``SPREAD_FLOOR_SHARE`` of the median: a flat history (100 % every month for five years)
   still has a spread of one percentage point, so 71.3 % is judged rather than ignored, while
   99.5 % is not.
3. A value is far from it when it lies outside the history's whole range by at least
   ``GAP_IN_WIDTHS`` times the range's width (the width floored as the spread is), *and* its
   modified z-score, 0.6745 × (value − median) ÷ spread (Iglewicz and Hoaglin 1993, "How to
   Detect and Handle Outliers", ASQC vol. 16), is beyond ±``Z_LIMIT``. The gap is what an
   analyst sees at once ("below anything it reported, by more than its whole range"); it spares
   the drift and the winter swing of a series that edges past its old best or worst month,
   which the score alone warned about (on the demo's five synthetic years: 52 % of returns
   with a warning by the score alone, 10 % with both). A history that is 0 at every point has
   no spread even floored: any other value is far.

Pure: plain values in, plain values out (``metrics.returns.validation`` words the finding).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

MIN_POINTS = {True: 12, False: 8}  # monthly: a year of months; quarterly: two years
Z_FACTOR = 0.6745  # makes the MAD comparable with a standard deviation (normal data)
Z_LIMIT = 3.5  # Iglewicz and Hoaglin's cut for a potential outlier
SPREAD_FLOOR_SHARE = 0.01  # the smallest spread, as a share of the median's size
GAP_IN_WIDTHS = 1.0  # how far outside the history's range, in widths of that range

Point = tuple[date, float]  # (period end, accepted value)


@dataclass(frozen=True)
class History:
    """What a body's past of one metric says is usual, as an analyst would describe it."""

    points: int
    first: date
    last: date
    low: float
    high: float
    median: float
    spread: float  # the MAD, floored (rule step 2)


@dataclass(frozen=True)
class Outlier:
    value: float
    direction: Literal["above", "below"]
    score: float  # the modified z-score; infinite against a history of zeros
    history: History


def history_of(points: Sequence[Point], *, monthly: bool) -> History | None:
    """The history's summary, or None when it has too few (finite) points to judge."""
    past = [(day, value) for day, value in points if math.isfinite(value)]
    if len(past) < MIN_POINTS[monthly]:
        return None
    values = [value for _, value in past]
    median = statistics.median(values)
    mad = statistics.median(abs(value - median) for value in values)
    days = [day for day, _ in past]
    return History(
        points=len(past),
        first=min(days),
        last=max(days),
        low=min(values),
        high=max(values),
        median=median,
        spread=max(mad, SPREAD_FLOOR_SHARE * abs(median)),
    )


def outlier_against(value: float, history: History) -> Outlier | None:
    """The value as an outlier against the history (rule step 3), or None when it is not."""
    if history.low <= value <= history.high:
        return None
    direction: Literal["above", "below"] = "above" if value > history.high else "below"
    gap = value - history.high if direction == "above" else history.low - value
    width = max(history.high - history.low, SPREAD_FLOOR_SHARE * abs(history.median))
    if gap < GAP_IN_WIDTHS * width:
        return None
    if history.spread == 0:  # a history of zeros: nothing else was ever seen
        return Outlier(value, direction, math.copysign(math.inf, value - history.median), history)
    score = Z_FACTOR * (value - history.median) / history.spread
    if abs(score) <= Z_LIMIT:
        return None
    return Outlier(value, direction, score, history)
