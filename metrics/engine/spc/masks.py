"""Special causes as bit masks: one small integer per point, the rules marked on lists."""

from __future__ import annotations

from collections.abc import Sequence

from metrics.engine.kinds import Polarity
from metrics.engine.spc.kinds import (
    PRECEDENCE,
    Classification,
    Direction,
    Signal,
    SpcSegment,
    SpcSettings,
    classify,
)

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
    _mark_two_in_three(values, segment.upper_two_sigma, segment.mean, TWO_HIGH, masks)
    negated = [-v for v in values]
    _mark_two_in_three(negated, -segment.lower_two_sigma, -segment.mean, TWO_LOW, masks)
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


def _mark_two_in_three(
    values: Sequence[float], line: float, mean: float, bit: int, masks: list[int]
) -> None:
    """Two of three consecutive points strictly beyond ``line``, with all three strictly on that
    side of ``mean`` (a third point on the mean or across it breaks the triple): the points
    beyond the line are marked, not the third. (The low side passes negated values, line, mean.)"""
    beyond = [v > line for v in values]
    on_side = [v > mean for v in values]
    for first in range(len(values) - 2):
        triple = range(first, first + 3)
        if sum(beyond[i] for i in triple) >= 2 and all(on_side[i] for i in triple):
            for i in triple:
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


def _value_of(classification: Classification | None) -> str | None:
    return classification.value if classification is not None else None


CLASSIFICATION_OF_MASK: dict[Polarity, tuple[Classification | None, ...]] = {
    polarity: _mask_classifications(polarity) for polarity in Polarity
}
# Per polarity and mask: the first signal's classification and every (rule, direction,
# classification), as a stored document and the flags' evidence spell them.
CAUSES: dict[Polarity, tuple[tuple[str | None, tuple[tuple[str, str, str], ...]], ...]] = {
    polarity: tuple(
        (
            _value_of(classes[mask]),
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
    return CAUSES[Polarity(polarity)][mask][1]
