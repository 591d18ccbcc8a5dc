"""Statistical process control of one body's metric series: the XmR chart.

Source: NHS England, "Making Data Count" (MDC). For each segment of the series (a rebase
starts a new one, each with its own mean and limits, and no rule spans a rebase):

1. Mean over the baseline points: all of the segment, or its first N.
2. Moving ranges |yᵢ - yᵢ₋₁| over the baseline and their mean, AMR. Optional screening drops
   moving ranges ≥ 3.267 * AMR and recomputes AMR once (MDC's Excel tool does not screen).
3. Process limits mean ± 2.66 * AMR; the 2-sigma band mean ± (2 * 2.66 / 3) * AMR.
4. Special causes, marked on every point they cover, in precedence order:
   - outside_limits: a point strictly above the upper or below the lower limit;
   - trend: N points strictly rising or falling (a tie breaks it);
   - two_in_three: two of three consecutive points beyond the same 2-sigma line — only the points
     beyond that line are marked, not the third point of the triple;
   - run: N points strictly on one side of the mean (a point on the mean breaks it).
   A point can carry several; its ``rule`` is the one first in that order.
5. A signal's direction (high/low) read with the polarity gives improvement or concern;
   neutral metrics keep high/low.
6. Variation icon from the latest point's first signal. Assurance icon from the target
   against the latest segment's limits: a target strictly beyond the limits on the side the
   process should move towards is never reached (consistently fail), beyond the other side it
   is always met (consistently pass), otherwise hit and miss.

Limits computed from fewer than ``min_points_for_limits`` baseline points are trial: shown, but
``signals_reliable`` is False and no flags should be raised. When AMR = 0 (a constant series)
no rule fires at all: a series is never "outside" limits that sit on its own mean.

Two forms of the same rules: ``spc_analyse`` for one series, with an object per point (charts,
tests), and ``spc_block`` for many series of equal length at once, on numpy arrays (a
calculation run: ~30k series at England scale). Both mark special causes as small bit masks
(``SIGNAL_BITS``); the tests hold the two forms equal. ``document_encode``/``document_decode``
are the compact stored form of a series' chart.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from metrics.quartiles import Polarity

LIMIT_FACTOR = 2.66  # 3 / d₂, d₂ = 1.128 for moving ranges of two points
TWO_SIGMA_FACTOR = 2 * LIMIT_FACTOR / 3
SCREEN_FACTOR = 3.267  # D₄ for n = 2: the upper limit of the moving-range chart


class SpcRule(StrEnum):
    OUTSIDE_LIMITS = "outside_limits"
    TREND = "trend"
    TWO_IN_THREE = "two_in_three"
    RUN = "run"


PRECEDENCE = (SpcRule.OUTSIDE_LIMITS, SpcRule.TREND, SpcRule.TWO_IN_THREE, SpcRule.RUN)


class Direction(StrEnum):
    HIGH = "high"
    LOW = "low"


class Classification(StrEnum):
    IMPROVEMENT = "improvement"
    CONCERN = "concern"
    HIGH = "high"  # neutral metrics
    LOW = "low"


class VariationIcon(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT_HIGH = "improvement_high"
    IMPROVEMENT_LOW = "improvement_low"
    CONCERN_HIGH = "concern_high"
    CONCERN_LOW = "concern_low"
    NEITHER_HIGH = "neither_high"
    NEITHER_LOW = "neither_low"


class AssuranceIcon(StrEnum):
    CONSISTENTLY_PASS = "consistently_pass"  # noqa: S105 - an icon name, not a password
    CONSISTENTLY_FAIL = "consistently_fail"
    HIT_AND_MISS = "hit_and_miss"


@dataclass(frozen=True)
class SpcSettings:
    run_length: int = 7
    trend_length: int = 7
    screen_moving_ranges: bool = False
    baseline_points: int | None = None  # None: every point of the segment is baseline
    min_points_for_limits: int = 13

    def __post_init__(self) -> None:
        if self.run_length not in (6, 7) or self.trend_length not in (6, 7):
            raise ValueError("run and trend lengths must be 6 or 7 points")
        if self.baseline_points is not None and self.baseline_points < 2:
            raise ValueError("a baseline needs at least 2 points")
        if self.min_points_for_limits < 2:
            raise ValueError("limits need at least 2 points")


@dataclass(frozen=True)
class Signal:
    rule: SpcRule
    direction: Direction


@dataclass(frozen=True)
class SpcSegment:
    start: int  # index of the first point
    end: int  # index after the last point
    baseline_points: int
    mean: float
    amr: float
    ucl: float
    lcl: float
    upper_two_sigma: float
    lower_two_sigma: float
    trial: bool  # limits from fewer than min_points_for_limits points


@dataclass(frozen=True)
class SpcPoint:
    index: int
    value: float
    segment: int
    mean: float
    ucl: float
    lcl: float
    upper_two_sigma: float
    lower_two_sigma: float
    signals: tuple[Signal, ...]  # every special cause on this point, in precedence order
    classification: Classification | None  # of the first signal

    @property
    def rule(self) -> SpcRule | None:
        return self.signals[0].rule if self.signals else None

    @property
    def direction(self) -> Direction | None:
        return self.signals[0].direction if self.signals else None


@dataclass(frozen=True)
class SpcResult:
    polarity: Polarity
    target: float | None
    segments: tuple[SpcSegment, ...]
    points: tuple[SpcPoint, ...]
    variation: VariationIcon
    assurance: AssuranceIcon | None

    @property
    def latest(self) -> SpcPoint:
        return self.points[-1]

    @property
    def trial(self) -> bool:
        return self.segments[-1].trial

    @property
    def signals_reliable(self) -> bool:
        """False while the latest segment's limits are trial: show them, raise no flags."""
        return not self.trial


def spc_analyse(
    values: Sequence[float],
    *,
    polarity: Polarity | str,
    target: float | None,
    settings: SpcSettings | None = None,
    rebase_at: Sequence[int] = (),
) -> SpcResult:
    """XmR analysis of ``values`` (oldest first); ``rebase_at`` holds the indices where a
    recorded rebase starts a new segment (0 is the start anyway and is ignored).

    The reference form, one series with a rich object per point: what a chart of one series
    and the hand-worked tests use. A calculation run analyses every series at once with
    ``spc_block``, which follows the same rules on arrays (the tests hold the two equal).
    """
    polarity = Polarity(polarity)
    settings = settings or SpcSettings()
    if not values:
        raise ValueError("an SPC chart needs at least one value")
    if not all(math.isfinite(v) for v in values):
        raise ValueError("SPC values must be finite numbers; leave missing months out")
    classes = CLASSIFICATION_OF_MASK[polarity]
    segments: list[SpcSegment] = []
    points: list[SpcPoint] = []
    for number, (start, end) in enumerate(_segment_bounds(len(values), rebase_at)):
        part = values[start:end]
        segment = _segment_limits(part, start, end, settings)
        segments.append(segment)
        for offset, mask in enumerate(segment_masks(part, segment, settings)):
            points.append(
                SpcPoint(
                    index=start + offset,
                    value=part[offset],
                    segment=number,
                    mean=segment.mean,
                    ucl=segment.ucl,
                    lcl=segment.lcl,
                    upper_two_sigma=segment.upper_two_sigma,
                    lower_two_sigma=segment.lower_two_sigma,
                    signals=SIGNALS_OF_MASK[mask],
                    classification=classes[mask],
                )
            )
    return SpcResult(
        polarity=polarity,
        target=target,
        segments=tuple(segments),
        points=tuple(points),
        variation=_variation(points[-1]),
        assurance=_assurance(segments[-1], target, polarity),
    )


def _segment_bounds(length: int, rebase_at: Sequence[int]) -> list[tuple[int, int]]:
    if any(i < 0 or i >= length for i in rebase_at):
        raise ValueError(f"rebase indices {list(rebase_at)} must lie within 0..{length - 1}")
    starts = sorted({0, *rebase_at})
    return list(itertools.pairwise([*starts, length]))


def _segment_limits(
    values: Sequence[float], start: int, end: int, settings: SpcSettings
) -> SpcSegment:
    baseline = values[: settings.baseline_points] if settings.baseline_points else values
    mean = math.fsum(baseline) / len(baseline)
    amr = _average_moving_range(baseline, screen=settings.screen_moving_ranges)
    return SpcSegment(
        start=start,
        end=end,
        baseline_points=len(baseline),
        mean=mean,
        amr=amr,
        ucl=mean + LIMIT_FACTOR * amr,
        lcl=mean - LIMIT_FACTOR * amr,
        upper_two_sigma=mean + TWO_SIGMA_FACTOR * amr,
        lower_two_sigma=mean - TWO_SIGMA_FACTOR * amr,
        trial=len(baseline) < settings.min_points_for_limits,
    )


def _average_moving_range(values: Sequence[float], *, screen: bool) -> float:
    ranges = [abs(b - a) for a, b in itertools.pairwise(values)]
    if not ranges:
        return 0.0  # a single point has no spread to measure
    amr = math.fsum(ranges) / len(ranges)
    if screen and amr > 0:
        # Never empty: the smallest range is ≤ AMR < 3.267 * AMR.
        kept = [r for r in ranges if r < SCREEN_FACTOR * amr]
        amr = math.fsum(kept) / len(kept)
    return amr


# --- special causes as bit masks ---------------------------------------------------------------
#
# A point's special causes are one small integer: bit k set when SIGNAL_BITS[k] holds. The bits
# run in precedence order (rule, then "high" before "low"), so reading them from the lowest up
# lists a point's signals in the order SpcPoint.signals gives them.

SIGNAL_BITS: tuple[Signal, ...] = tuple(
    Signal(rule, direction) for rule in PRECEDENCE for direction in (Direction.HIGH, Direction.LOW)
)
OUTSIDE_HIGH, OUTSIDE_LOW, TREND_HIGH, TREND_LOW, TWO_HIGH, TWO_LOW, RUN_HIGH, RUN_LOW = (
    1 << bit for bit in range(len(SIGNAL_BITS))
)
SIGNALS_OF_MASK: tuple[tuple[Signal, ...], ...] = tuple(
    tuple(signal for bit, signal in enumerate(SIGNAL_BITS) if mask >> bit & 1)
    for mask in range(1 << len(SIGNAL_BITS))
)


def _mask_classifications(polarity: Polarity) -> tuple[Classification | None, ...]:
    return tuple(
        classify(signals[0].direction, polarity) if signals else None for signals in SIGNALS_OF_MASK
    )


def concern_bits(polarity: Polarity | str) -> int:
    """The bits whose signal is a concern for ``polarity`` (none for neutral metrics)."""
    polarity = Polarity(polarity)
    if polarity is Polarity.NEUTRAL:
        return 0
    side = Direction.LOW if polarity is Polarity.HIGHER_BETTER else Direction.HIGH
    return sum(1 << bit for bit, s in enumerate(SIGNAL_BITS) if s.direction is side)


def segment_masks(values: Sequence[float], segment: SpcSegment, settings: SpcSettings) -> list[int]:
    """Each point's special causes (a mask of SIGNAL_BITS) within one segment: one pass per rule.

    AMR = 0 (a constant baseline) silences every rule.
    """
    masks = [0] * len(values)
    if not segment.amr > 0:
        return masks
    ucl, lcl = segment.ucl, segment.lcl
    for i, value in enumerate(values):
        if value > ucl:
            masks[i] = OUTSIDE_HIGH
        elif value < lcl:
            masks[i] = OUTSIDE_LOW
    _mark_trends(values, settings.trend_length, masks)
    _mark_two_in_three(values, segment.upper_two_sigma, TWO_HIGH, masks)
    _mark_two_in_three([-v for v in values], -segment.lower_two_sigma, TWO_LOW, masks)
    _mark_runs([v > segment.mean for v in values], settings.run_length, RUN_HIGH, masks)
    _mark_runs([v < segment.mean for v in values], settings.run_length, RUN_LOW, masks)
    return masks


def _mark_trends(values: Sequence[float], length: int, masks: list[int]) -> None:
    """``length`` or more points each strictly above (below) the one before: every point of
    the stretch is marked. A turning point shared by a rising and a falling trend gets both."""
    n = len(values)
    for bit, rising in ((TREND_HIGH, True), (TREND_LOW, False)):
        start = 0  # the first point of the current strictly monotone stretch
        for i in range(1, n + 1):
            if i < n and (values[i] > values[i - 1] if rising else values[i] < values[i - 1]):
                continue
            if i - start >= length:
                for j in range(start, i):
                    masks[j] |= bit
            start = i


def _mark_two_in_three(values: Sequence[float], line: float, bit: int, masks: list[int]) -> None:
    """Two of three consecutive points strictly beyond ``line``: those two (or three) are marked,
    not the third point of the triple. (The low side passes negated values and line.)"""
    beyond = [v > line for v in values]
    for first in range(len(values) - 2):
        if beyond[first] + beyond[first + 1] + beyond[first + 2] >= 2:
            for i in range(first, first + 3):
                if beyond[i]:
                    masks[i] |= bit


def _mark_runs(on_side: Sequence[bool], length: int, bit: int, masks: list[int]) -> None:
    """``length`` or more consecutive points strictly on one side of the mean."""
    start = 0
    n = len(on_side)
    for i in range(n + 1):
        if i < n and on_side[i]:
            continue
        if i - start >= length:
            for j in range(start, i):
                masks[j] |= bit
        start = i + 1


# --- every series at once: the calculation run's form -------------------------------------------


@dataclass(frozen=True)
class SpcBlock:
    """``spc_block``'s answer for a (series, points) block: one row per series, each series one
    segment (a calculation run records no rebases)."""

    baseline_points: int
    trial: bool  # the same for every row: they have the same number of points
    mean: np.ndarray
    amr: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    upper_two_sigma: np.ndarray
    lower_two_sigma: np.ndarray
    masks: np.ndarray  # (series, points) uint8: each point's SIGNAL_BITS


def spc_block(values: np.ndarray, settings: SpcSettings | None = None) -> SpcBlock:
    """``spc_analyse`` of every row of ``values`` (series of equal length, oldest point first)
    at once, as arrays: the same limits bit for bit (means and AMRs by ``math.fsum``, then the
    same float operations) and the same special causes, as masks.

    Each rule is a few whole-array operations: a point's stretch of "above the mean" (or of
    rising steps) is measured from the positions of the nearest breaks on either side.
    """
    settings = settings or SpcSettings()
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] == 0:
        raise ValueError("spc_block takes a (series, points) array with at least one point")
    if not np.isfinite(values).all():
        raise ValueError("SPC values must be finite numbers; leave missing months out")
    count, length = values.shape
    base = values[:, : settings.baseline_points] if settings.baseline_points else values
    points = base.shape[1]
    mean = _fsum_rows(base) / points
    amr = np.zeros(count)
    if points > 1:
        ranges = np.abs(base[:, 1:] - base[:, :-1])
        amr = _fsum_rows(ranges) / (points - 1)
        if settings.screen_moving_ranges:
            kept = ranges < SCREEN_FACTOR * amr[:, None]
            for row in np.flatnonzero(amr > 0).tolist():
                amr[row] = math.fsum(ranges[row, kept[row]].tolist()) / int(kept[row].sum())
    ucl, lcl = mean + LIMIT_FACTOR * amr, mean - LIMIT_FACTOR * amr
    upper, lower = mean + TWO_SIGMA_FACTOR * amr, mean - TWO_SIGMA_FACTOR * amr
    masks = np.zeros((count, length), dtype=np.uint8)
    live = amr > 0  # AMR = 0: no rule fires
    if live.any():
        masks[live] = _block_masks(
            values[live], mean[live], ucl[live], lcl[live], upper[live], lower[live], settings
        )
    return SpcBlock(
        baseline_points=points,
        trial=points < settings.min_points_for_limits,
        mean=mean,
        amr=amr,
        ucl=ucl,
        lcl=lcl,
        upper_two_sigma=upper,
        lower_two_sigma=lower,
        masks=masks,
    )


def _fsum_rows(block: np.ndarray) -> np.ndarray:
    """Each row's exactly rounded sum (math.fsum): numpy's pairwise sum can differ in the last
    bit, and a mean one bit off moves a point lying on it to one side. (fsum reads each row
    through a memoryview: no list of Python floats is built first.)"""
    rows = np.ascontiguousarray(block, dtype=np.float64)
    return np.fromiter((math.fsum(memoryview(row)) for row in rows), np.float64, len(rows))


def _block_masks(
    v: np.ndarray,
    mean: np.ndarray,
    ucl: np.ndarray,
    lcl: np.ndarray,
    upper: np.ndarray,
    lower: np.ndarray,
    settings: SpcSettings,
) -> np.ndarray:
    def bits(condition: np.ndarray, bit: int) -> np.ndarray:
        return condition.view(np.uint8) * np.uint8(bit)

    length = v.shape[1]
    masks = bits(v > ucl[:, None], OUTSIDE_HIGH) | bits(v < lcl[:, None], OUTSIDE_LOW)
    if length > 1:
        for bit, steps in ((TREND_HIGH, v[:, 1:] > v[:, :-1]), (TREND_LOW, v[:, 1:] < v[:, :-1])):
            # Step j joins points j and j + 1: a stretch of k steps is a trend of k + 1 points.
            long_enough = steps & (_stretch_lengths(steps) + 1 >= settings.trend_length)
            marked = np.zeros_like(v, dtype=bool)
            marked[:, 1:] |= long_enough
            marked[:, :-1] |= long_enough
            masks |= bits(marked, bit)
    if length > 2:
        for bit, beyond in ((TWO_HIGH, v > upper[:, None]), (TWO_LOW, v < lower[:, None])):
            b = beyond.view(np.uint8)
            triple = (b[:, :-2] + b[:, 1:-1] + b[:, 2:]) >= 2  # the triple starting at j
            covered = np.zeros_like(beyond)
            covered[:, :-2] |= triple
            covered[:, 1:-1] |= triple
            covered[:, 2:] |= triple
            masks |= bits(beyond & covered, bit)
    for bit, side in ((RUN_HIGH, v > mean[:, None]), (RUN_LOW, v < mean[:, None])):
        masks |= bits(side & (_stretch_lengths(side) >= settings.run_length), bit)
    return masks


def _stretch_lengths(flags: np.ndarray) -> np.ndarray:
    """For each True cell, the length of the maximal stretch of True cells along its row that
    holds it (0 for False cells): the gap between the nearest False on either side."""
    columns = flags.shape[1]
    position = np.arange(columns)
    before = np.maximum.accumulate(np.where(flags, -1, position), axis=1)
    after = np.minimum.accumulate(np.where(flags, columns, position)[:, ::-1], axis=1)[:, ::-1]
    return np.where(flags, after - before - 1, 0)


# --- the stored chart document -------------------------------------------------------------------
#
# What a calculation run stores of each series for its chart (SpcSeries.result): every point's
# value, period end and special causes, and every segment's limits. Stored compactly as bytes —
# a header, the segments, then the values (float64), period ends (days since 1970-01-01, int32)
# and signal masks (uint8), little-endian — and read back as the mapping charts and the API read:
#   {"polarity", "target", "period_ends": ["YYYY-MM-DD", …], "values": […],
#    "special_causes": [[index, classification, [[rule, direction, classification], …]], …]
#                      (points with a special cause only),
#    "segments": [{"start", "end", "baseline_points", "mean", "amr", "ucl", "lcl",
#                  "upper_two_sigma", "lower_two_sigma", "trial"}, …],
#    "variation", "assurance" (None without a target)}.
# Packing is a few array copies where JSON meant formatting and parsing every number.

DOCUMENT_MAGIC = b"SPC1"
POLARITY_CODES: tuple[Polarity, ...] = tuple(Polarity)
VARIATION_CODES: tuple[VariationIcon, ...] = tuple(VariationIcon)
ASSURANCE_CODES: tuple[AssuranceIcon | None, ...] = (None, *AssuranceIcon)
DOCUMENT_HEAD = np.dtype(
    [
        ("magic", "S4"),
        ("polarity", "u1"),
        ("variation", "u1"),
        ("assurance", "u1"),
        ("has_target", "u1"),
        ("points", "<u4"),
        ("segments", "<u4"),
        ("target", "<f8"),
    ]
)
DOCUMENT_SEGMENT = np.dtype(
    [
        ("start", "<u4"),
        ("end", "<u4"),
        ("baseline_points", "<u4"),
        ("mean", "<f8"),
        ("amr", "<f8"),
        ("ucl", "<f8"),
        ("lcl", "<f8"),
        ("upper_two_sigma", "<f8"),
        ("lower_two_sigma", "<f8"),
        ("trial", "?"),
    ]
)
EPOCH = date(1970, 1, 1)


def document_dtype(points: int) -> np.dtype:
    """One document of a one-segment series of ``points`` points, as a numpy record: a block of
    documents is filled column by column and cut into bytes, one document per row."""
    return np.dtype(
        [
            ("head", DOCUMENT_HEAD),
            ("segment", DOCUMENT_SEGMENT),
            ("values", "<f8", (points,)),
            ("days", "<i4", (points,)),
            ("masks", "u1", (points,)),
        ]
    )


def document_encode(document: Mapping[str, Any]) -> bytes:
    """A chart document (the mapping above) as stored bytes; ``document_decode`` reverses it."""
    polarity = Polarity(document["polarity"])
    values = [float(v) for v in document["values"]]
    count = len(values)
    segments = document["segments"]
    masks = np.zeros(count, dtype=np.uint8)
    bit_of = {(s.rule.value, s.direction.value): 1 << bit for bit, s in enumerate(SIGNAL_BITS)}
    for index, _classification, signals in document["special_causes"]:
        masks[int(index)] = sum(bit_of[(str(rule), str(side))] for rule, side, _ in signals)
    target = document.get("target")
    assurance = document.get("assurance")
    head = np.zeros((), DOCUMENT_HEAD)
    head["magic"] = DOCUMENT_MAGIC
    head["polarity"] = POLARITY_CODES.index(polarity)
    head["variation"] = VARIATION_CODES.index(VariationIcon(document["variation"]))
    head["assurance"] = ASSURANCE_CODES.index(AssuranceIcon(assurance) if assurance else None)
    head["has_target"] = target is not None
    head["points"] = count
    head["segments"] = len(segments)
    head["target"] = float(target) if target is not None else 0.0
    rows = np.zeros(len(segments), DOCUMENT_SEGMENT)
    for row, segment in zip(rows, segments, strict=True):
        for name in DOCUMENT_SEGMENT.names or ():
            row[name] = segment[name]
    days = [(date.fromisoformat(str(end)[:10]) - EPOCH).days for end in document["period_ends"]]
    return b"".join(
        [
            head.tobytes(),
            rows.tobytes(),
            np.array(values, "<f8").tobytes(),
            np.array(days, "<i4").tobytes(),
            masks.tobytes(),
        ]
    )


def document_decode(data: bytes) -> dict[str, Any]:
    """The chart document ``document_encode`` (or a run's packing) stored, as a mapping."""
    head = np.frombuffer(data, DOCUMENT_HEAD, count=1)[0]
    if bytes(head["magic"]) != DOCUMENT_MAGIC:
        raise ValueError("not an SPC chart document")
    count, segment_count = int(head["points"]), int(head["segments"])
    offset = DOCUMENT_HEAD.itemsize
    segments = np.frombuffer(data, DOCUMENT_SEGMENT, count=segment_count, offset=offset)
    offset += segments.nbytes
    values = np.frombuffer(data, "<f8", count=count, offset=offset)
    offset += values.nbytes
    days = np.frombuffer(data, "<i4", count=count, offset=offset)
    offset += days.nbytes
    masks = data[offset : offset + count]
    polarity = POLARITY_CODES[int(head["polarity"])]
    causes = _CAUSES[polarity]
    assurance = ASSURANCE_CODES[int(head["assurance"])]
    return {
        "polarity": polarity.value,
        "target": float(head["target"]) if head["has_target"] else None,
        "period_ends": [_iso_day(day) for day in days.tolist()],
        "values": values.tolist(),
        "special_causes": [
            [index, causes[mask][0], [list(signal) for signal in causes[mask][1]]]
            for index, mask in enumerate(masks)
            if mask
        ],
        "segments": [
            {
                "start": int(s["start"]),
                "end": int(s["end"]),
                "baseline_points": int(s["baseline_points"]),
                "mean": float(s["mean"]),
                "amr": float(s["amr"]),
                "ucl": float(s["ucl"]),
                "lcl": float(s["lcl"]),
                "upper_two_sigma": float(s["upper_two_sigma"]),
                "lower_two_sigma": float(s["lower_two_sigma"]),
                "trial": bool(s["trial"]),
            }
            for s in segments
        ],
        "variation": VARIATION_CODES[int(head["variation"])].value,
        "assurance": assurance.value if assurance else None,
    }


@functools.lru_cache(maxsize=4096)
def _iso_day(day: int) -> str:
    return (EPOCH + timedelta(days=day)).isoformat()


def classify(direction: Direction, polarity: Polarity) -> Classification:
    """Improvement or concern by polarity; neutral metrics keep the plain direction."""
    if polarity is Polarity.NEUTRAL:
        return Classification(direction.value)
    good = (direction is Direction.HIGH) == (polarity is Polarity.HIGHER_BETTER)
    return Classification.IMPROVEMENT if good else Classification.CONCERN


CLASSIFICATION_OF_MASK: dict[Polarity, tuple[Classification | None, ...]] = {
    polarity: _mask_classifications(polarity) for polarity in Polarity
}
# Per polarity and mask: the first signal's classification and every (rule, direction,
# classification), as a stored document and the flags' evidence spell them.
_CAUSES: dict[Polarity, tuple[tuple[str | None, tuple[tuple[str, str, str], ...]], ...]] = {
    polarity: tuple(
        (
            classes[mask].value if classes[mask] else None,  # type: ignore[union-attr]
            tuple(
                (s.rule.value, s.direction.value, classify(s.direction, polarity).value)
                for s in signals
            ),
        )
        for mask, signals in enumerate(SIGNALS_OF_MASK)
    )
    for polarity, classes in CLASSIFICATION_OF_MASK.items()
}


def mask_signals(mask: int, polarity: Polarity | str) -> tuple[tuple[str, str, str], ...]:
    """A mask's signals as (rule, direction, classification), in precedence order."""
    return _CAUSES[Polarity(polarity)][mask][1]


def _variation(latest: SpcPoint) -> VariationIcon:
    if latest.direction is None or latest.classification is None:
        return VariationIcon.COMMON_CAUSE
    kind = latest.classification
    prefix = "neither" if kind in (Classification.HIGH, Classification.LOW) else kind.value
    return VariationIcon(f"{prefix}_{latest.direction.value}")


def _assurance(
    segment: SpcSegment, target: float | None, polarity: Polarity
) -> AssuranceIcon | None:
    """Target strictly beyond a limit decides; a target on a limit is still hit and miss."""
    if target is None or polarity is Polarity.NEUTRAL:
        return None
    if target > segment.ucl:
        side = Direction.HIGH
    elif target < segment.lcl:
        side = Direction.LOW
    else:
        return AssuranceIcon.HIT_AND_MISS
    # A target above the upper limit is out of reach of a higher-is-better process: it fails.
    if classify(side, polarity) is Classification.IMPROVEMENT:
        return AssuranceIcon.CONSISTENTLY_FAIL
    return AssuranceIcon.CONSISTENTLY_PASS


def latest_is_concern_outside_limits(result: SpcResult) -> bool:
    """Flag evidence: the latest point is a special-cause concern outside the limits."""
    return _latest_has_concern(result, {SpcRule.OUTSIDE_LIMITS})


def latest_in_concern_run_or_trend(result: SpcResult) -> bool:
    """Flag evidence: the latest point belongs to a concern-side run or trend."""
    return _latest_has_concern(result, {SpcRule.RUN, SpcRule.TREND})


def latest_assurance_consistently_fails(result: SpcResult) -> bool:
    """Flag evidence: the process cannot meet its target (and its limits are not trial)."""
    return result.signals_reliable and result.assurance is AssuranceIcon.CONSISTENTLY_FAIL


def _latest_has_concern(result: SpcResult, rules: set[SpcRule]) -> bool:
    # Every signal counts, not only the first: a point outside the limits can also end a run.
    return result.signals_reliable and any(
        signal.rule in rules
        and classify(signal.direction, result.polarity) is Classification.CONCERN
        for signal in result.latest.signals
    )
