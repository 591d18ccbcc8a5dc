"""Segmentation methodologies: from a quarter's scores and flags to each body's proposed segment.

NHS Oversight Framework 2025/26 methodology manual, steps 2 and 3 (step 1, each metric's score,
is ``metrics.engine.scoring``): the weighted mean of a body's metric scores, quartiled within its
peer group (lower is better) or cut by an edition's fixed thresholds, then the financial
override. Pure: plain values in and out.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from metrics.engine.kinds import Polarity
from metrics.engine.quartiles import quartile_of, quartile_thresholds
from metrics.engine.scoring import round_half_up

K = TypeVar("K", bound=Hashable)


def weighted_average(scores: Sequence[tuple[Decimal, Decimal | Fraction]]) -> Decimal | None:
    """Step 2: the weighted mean of (score, weight) pairs, 2 dp half up, computed exactly.

    Weights are exact fractions (``Metric.exact_weight``: the infection metrics weigh 1/3
    each) or Decimals. None when there are no scores or the weights add up to zero.
    """
    if any(weight < 0 for _, weight in scores):
        raise ValueError("weights cannot be negative")
    total_weight = sum((Fraction(weight) for _, weight in scores), Fraction(0))
    if total_weight == 0:
        return None
    total = sum((Fraction(score) * Fraction(weight) for score, weight in scores), Fraction(0))
    return round_half_up(total / total_weight)


def segment_of_average(
    averages: Mapping[K, Decimal],
    *,
    cut_points: tuple[Decimal, Decimal, Decimal] | None = None,
    min_bodies: int = 4,
) -> dict[K, int]:
    """Step 2: segment 1-4 from the average metric scores of one peer group.

    By default the averages are quartiled lower-is-better (1 if ≤ P25, 2 if ≤ P50, 3 if < P75,
    4 if ≥ P75); with fewer than ``min_bodies`` averages nobody gets a segment (empty dict).
    Where the edition stores fixed cut points (c1, c2, c3): 1 if ≤ c1, 2 if ≤ c2, 3 if < c3,
    else 4.
    """
    if cut_points is not None:
        c1, c2, c3 = cut_points
        if not c1 <= c2 <= c3:
            raise ValueError(f"cut points {c1}, {c2}, {c3} are not in ascending order")
        return {key: _segment_by_cut_points(avg, cut_points) for key, avg in averages.items()}
    thresholds = quartile_thresholds(averages.values(), min_bodies=min_bodies)
    segments: dict[K, int] = {}
    for key, average in averages.items():
        quartile = quartile_of(average, thresholds, Polarity.LOWER_BETTER)
        if quartile is not None:
            segments[key] = quartile
    return segments


def _segment_by_cut_points(average: Decimal, cut_points: tuple[Decimal, Decimal, Decimal]) -> int:
    c1, c2, c3 = cut_points
    if average <= c1:
        return 1
    if average <= c2:
        return 2
    if average < c3:
        return 3
    return 4


def apply_financial_override(segment: int, *, in_deficit: bool) -> int:
    """Step 3: a body in segment 1 or 2 that is in deficit (or receives deficit support) → 3."""
    if segment not in (1, 2, 3, 4, 5):
        raise ValueError(f"{segment} is not a segment (1 to 5)")
    if in_deficit and segment in (1, 2):
        return 3
    return segment


def league_ranks(rows: Mapping[K, tuple[str, int | None, Decimal | None]]) -> dict[K, int]:
    """League table positions: within each peer group by segment, then by average score.

    ``rows`` maps each body to (peer group, segment, average score). Lower segment first, then
    lower average (a missing average after the others of its segment); tied bodies share the
    smallest position (competition ranking, as ranks of metrics). Bodies without a segment are
    not ranked (left out). NOF 2025/26 methodology manual: "League table".
    """
    groups: dict[str, list[tuple[int, Decimal | None, K]]] = {}
    for key, (group, segment, average) in rows.items():
        if segment is not None:
            groups.setdefault(group, []).append((segment, average, key))
    ranks: dict[K, int] = {}
    for members in groups.values():
        members.sort(key=lambda m: (m[0], m[1] is None, m[1] if m[1] is not None else 0))
        previous: tuple[int, Decimal | None] | None = None
        for position, (segment, average, key) in enumerate(members, start=1):
            if (segment, average) != previous:
                rank, previous = position, (segment, average)
            ranks[key] = rank
    return ranks
