"""The words and shapes of an SPC analysis: rules, directions, icons, settings, results."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from metrics.engine.kinds import Polarity

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


def classify(direction: Direction, polarity: Polarity) -> Classification:
    """Improvement or concern by polarity; neutral metrics keep the plain direction."""
    if polarity is Polarity.NEUTRAL:
        return Classification(direction.value)
    good = (direction is Direction.HIGH) == (polarity is Polarity.HIGHER_BETTER)
    return Classification.IMPROVEMENT if good else Classification.CONCERN
