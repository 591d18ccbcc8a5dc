"""Metric scores: step 1 of the NHS Oversight Framework 2025/26 methodology manual.

Each scored metric gets a score from 1.00 (best) to 4.00 (``metric_scores``, ``bespoke_score``):
meeting the standard scores 1.00, failing the floor scores 4.00, the others are spread evenly by
rank between two bookends; bespoke metrics map a band to a score. Steps 2 and 3 (the average
metric score, its segment and the financial override) are segmentation's, in
``segmentation.methodology``.

Scores are Decimals. The arithmetic is exact (``fractions.Fraction``) and rounded once, half up,
to 2 dp — never float rounding, which would turn 2.125 into 2.12.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TypeVar

from metrics.engine.kinds import Polarity
from metrics.engine.quartiles import rank_and_percentile

K = TypeVar("K", bound=Hashable)

BEST_SCORE = Decimal("1.00")
WORST_SCORE = Decimal("4.00")


@dataclass(frozen=True)
class ScoreBand:
    """One entry of a bespoke score map: values in [low, high) score ``score``.

    None means unbounded on that side. ``low == high`` is the exact-value form
    (``VALUE=SCORE``), e.g. a CQC rating held as its numeric code.
    """

    low: float | None
    high: float | None
    score: Decimal

    @property
    def exact(self) -> bool:
        return self.low is not None and self.low == self.high

    def contains(self, value: float) -> bool:
        if self.exact:
            return value == self.low
        above_low = self.low is None or value >= self.low
        below_high = self.high is None or value < self.high
        return above_low and below_high


def parse_score_map(text: str) -> tuple[ScoreBand, ...]:
    """Parse the catalogue's score map, e.g. ``"..5=1.00; 5..10=2.50; 10..=4.00"``.

    Entries are separated by ``;``. Each is ``VALUE=SCORE`` (that exact value) or
    ``LOW..HIGH=SCORE`` (LOW inclusive, HIGH exclusive, either side may be left out).
    Scores are 1.00 to 4.00 with at most 2 decimal places; entries may not overlap.
    Raises ValueError naming the offending entry.
    """
    entries = [entry.strip() for entry in text.split(";") if entry.strip()]
    if not entries:
        raise ValueError("the score map has no entries")
    bands: list[ScoreBand] = []
    for entry in entries:
        band = _parse_entry(entry)
        for earlier_entry, earlier in zip(entries, bands, strict=False):
            if _overlaps(band, earlier):
                raise ValueError(f"score map entries {earlier_entry!r} and {entry!r} overlap")
        bands.append(band)
    return tuple(bands)


def _parse_entry(entry: str) -> ScoreBand:
    values_text, equals, score_text = entry.rpartition("=")
    if not equals:
        raise ValueError(
            f"score map entry {entry!r} has no '=' (expected VALUE=SCORE or LOW..HIGH=SCORE)"
        )
    score = _parse_score(entry, score_text)
    if ".." not in values_text:
        value = _parse_number(entry, values_text)
        return ScoreBand(low=value, high=value, score=score)
    low_text, _, high_text = values_text.partition("..")
    low = _parse_number(entry, low_text) if low_text.strip() else None
    high = _parse_number(entry, high_text) if high_text.strip() else None
    if low is None and high is None:
        raise ValueError(f"score map entry {entry!r} needs a low or a high bound")
    if low is not None and high is not None and low >= high:
        raise ValueError(f"score map entry {entry!r} has its low bound not below its high bound")
    return ScoreBand(low=low, high=high, score=score)


def _parse_number(entry: str, text: str) -> float:
    try:
        number = float(text.strip())
    except ValueError:
        raise ValueError(f"score map entry {entry!r}: {text.strip()!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"score map entry {entry!r}: {text.strip()!r} is not a finite number")
    return number


def _parse_score(entry: str, text: str) -> Decimal:
    try:
        score = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"score map entry {entry!r}: {text.strip()!r} is not a score") from None
    if not score.is_finite() or not BEST_SCORE <= score <= WORST_SCORE:
        raise ValueError(f"score map entry {entry!r}: the score must be from 1.00 to 4.00")
    if score != score.quantize(Decimal("0.01")):
        raise ValueError(f"score map entry {entry!r}: the score has more than 2 decimal places")
    return score.quantize(Decimal("0.01"))


def _overlaps(a: ScoreBand, b: ScoreBand) -> bool:
    if a.low is not None and a.exact:
        return b.contains(a.low)
    if b.low is not None and b.exact:
        return a.contains(b.low)
    # Two half-open intervals [a.low, a.high) and [b.low, b.high); None is unbounded.
    return _strictly_below(a.low, b.high) and _strictly_below(b.low, a.high)


def _strictly_below(low: float | None, high: float | None) -> bool:
    return low is None or high is None or low < high


def bespoke_score(value: float | None, bands: Sequence[ScoreBand]) -> Decimal | None:
    """The score of the band holding ``value``; None when the value is missing or unmapped."""
    if value is None:
        return None
    return next((band.score for band in bands if band.contains(value)), None)


def score_bookends(*, standard: float | None, floor: float | None) -> tuple[Decimal, Decimal]:
    """(lo, hi) between which the ranked bodies are spread.

    1.00-4.00 with neither, 2.00-4.00 with a standard, 1.00-3.00 with a floor. The manual does
    not say what happens with both; we use 2.00-3.00 so that 1.00 stays reserved for meeting
    the standard and 4.00 for failing the floor.
    """
    lo = Decimal("2.00") if standard is not None else BEST_SCORE
    hi = Decimal("3.00") if floor is not None else WORST_SCORE
    return lo, hi


def metric_scores(
    values: Mapping[K, float],
    *,
    polarity: Polarity | str,
    standard: float | None,
    floor: float | None,
) -> dict[K, Decimal]:
    """Step 1 of the NOF 2025/26 methodology manual: each body's score for one metric.

    1. Meeting the standard (≥ standard, or ≤ for lower-is-better) scores 1.00.
    2. Failing the floor (< floor, or > for lower-is-better) scores 4.00.
    3. The remaining n bodies are ordered best first; r is a body's position, tied values all
       taking the smallest r of their tie; score = lo + (hi - lo) * (r - 1)/(n - 1), with lo/hi
       from ``score_bookends``; n = 1 gives lo.
    4. Rounded half up to 2 dp.

    Missing values are simply absent from ``values``. Neutral metrics are not scored.
    """
    polarity = Polarity(polarity)
    if polarity is Polarity.NEUTRAL:
        raise ValueError("a neutral metric cannot be scored")
    _check_standard_and_floor(polarity, standard, floor)
    higher_better = polarity is Polarity.HIGHER_BETTER
    scores: dict[K, Decimal] = {}
    ranked: dict[K, float] = {}
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
        scores[key] = spread_score(lo, hi, rank.rank, len(ranked))
    return {key: scores[key] for key in values}


def _check_standard_and_floor(
    polarity: Polarity, standard: float | None, floor: float | None
) -> None:
    if standard is None or floor is None:
        return
    worse = standard < floor if polarity is Polarity.HIGHER_BETTER else standard > floor
    if worse:
        raise ValueError(f"the standard {standard} is worse than the floor {floor}")


def spread_score(lo: Decimal, hi: Decimal, rank: int, n: int) -> Decimal:
    if n == 1:
        return lo
    return round_half_up(Fraction(lo) + Fraction(hi - lo) * Fraction(rank - 1, n - 1))


def round_half_up(value: Fraction) -> Decimal:
    """``value`` to 2 dp, halves away from zero (Decimal's ROUND_HALF_UP), exactly."""
    hundredths = math.floor(abs(value) * 100 + Fraction(1, 2))
    return Decimal(hundredths if value >= 0 else -hundredths).scaleb(-2)
