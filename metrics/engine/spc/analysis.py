"""The XmR analysis of one series (``spc_analyse``): the reference form charts and tests use."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from metrics.engine.kinds import Polarity
from metrics.engine.spc.kinds import (
    LIMIT_FACTOR,
    SCREEN_FACTOR,
    TWO_SIGMA_FACTOR,
    AssuranceIcon,
    Classification,
    Direction,
    SpcPoint,
    SpcResult,
    SpcRule,
    SpcSegment,
    SpcSettings,
    VariationIcon,
    classify,
)
from metrics.engine.spc.masks import CLASSIFICATION_OF_MASK, SIGNALS_OF_MASK, segment_masks


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
