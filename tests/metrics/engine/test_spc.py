"""Making Data Count XmR rules, worked by hand.

Most cases sit on one baseline: BASE = 12, 10 repeated 7 times (14 points, ending below the
mean). Mean = 11; every moving range is 2, so AMR = 2;
  limits 11 +/- 2.66 * 2 = 16.32 and 5.68;
  2-sigma lines 11 +/- (2 * 2.66 / 3) * 2 = 14.5467 and 7.4533.
With ``baseline_points=14`` the points appended after BASE are judged against those fixed
limits, so each case reads as "what happens next".
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.engine.kinds import Polarity
from metrics.engine.spc.analysis import (
    latest_assurance_consistently_fails,
    latest_in_concern_run_or_trend,
    latest_is_concern_outside_limits,
    spc_analyse,
)
from metrics.engine.spc.kinds import (
    AssuranceIcon,
    Classification,
    Direction,
    Signal,
    SpcRule,
    SpcSettings,
    VariationIcon,
)

BASE = [12.0, 10.0] * 7
FIXED = SpcSettings(baseline_points=14)
HIGHER = Polarity.HIGHER_BETTER
LOWER = Polarity.LOWER_BETTER


def after_base(tail, polarity=HIGHER, target=None, **overrides):
    settings = SpcSettings(**{"baseline_points": 14, **overrides})
    return spc_analyse([*BASE, *tail], polarity=polarity, target=target, settings=settings)


def rules(result):
    """The rules of the points appended after BASE."""
    return [p.rule for p in result.points[len(BASE) :]]


def test_baseline_limits():
    result = spc_analyse(BASE, polarity=HIGHER, target=None)
    segment = result.segments[0]
    assert (segment.mean, segment.amr) == (11.0, 2.0)
    assert segment.ucl == pytest.approx(16.32)
    assert segment.lcl == pytest.approx(5.68)
    assert segment.upper_two_sigma == pytest.approx(11 + 2 * 2.66 / 3 * 2)  # 14.5467
    assert segment.lower_two_sigma == pytest.approx(11 - 2 * 2.66 / 3 * 2)  # 7.4533
    point = result.points[3]
    assert (point.index, point.value, point.segment, point.mean) == (3, 10.0, 0, 11.0)
    assert (point.ucl, point.lcl) == (segment.ucl, segment.lcl)
    assert (point.rule, point.direction, point.classification) == (None, None, None)
    assert result.variation is VariationIcon.COMMON_CAUSE
    assert not result.trial
    assert result.signals_reliable


# --- outside the limits ----------------------------------------------------------------------


def test_point_above_the_upper_limit():
    result = after_base([17.0])
    latest = result.latest
    assert (latest.rule, latest.direction) == (SpcRule.OUTSIDE_LIMITS, Direction.HIGH)
    assert latest.classification is Classification.IMPROVEMENT
    assert result.variation is VariationIcon.IMPROVEMENT_HIGH
    assert not latest_is_concern_outside_limits(result)


def test_point_above_the_upper_limit_is_a_concern_when_lower_is_better():
    result = after_base([17.0], polarity=LOWER)
    assert result.latest.classification is Classification.CONCERN
    assert result.variation is VariationIcon.CONCERN_HIGH
    assert latest_is_concern_outside_limits(result)


def test_point_below_the_lower_limit():
    result = after_base([5.0])
    assert (result.latest.rule, result.latest.direction) == (SpcRule.OUTSIDE_LIMITS, Direction.LOW)
    assert result.variation is VariationIcon.CONCERN_LOW
    assert latest_is_concern_outside_limits(result)
    assert after_base([5.0], polarity=LOWER).variation is VariationIcon.IMPROVEMENT_LOW


def test_a_point_on_the_limit_is_not_outside():
    ucl = spc_analyse(BASE, polarity=HIGHER, target=None).segments[0].ucl
    lcl = spc_analyse(BASE, polarity=HIGHER, target=None).segments[0].lcl
    assert after_base([ucl]).latest.rule is None
    assert after_base([lcl]).latest.rule is None
    assert after_base([16.3]).latest.rule is None  # beyond 2-sigma alone is nothing


# --- runs ------------------------------------------------------------------------------------


def test_run_of_seven_above_the_mean():
    # 13, 12, ... all above 11, none beyond 14.55, no three rising in a row.
    result = after_base([13, 12, 13, 12, 13, 12, 13])
    assert rules(result) == [SpcRule.RUN] * 7  # every point of the run is marked
    assert result.points[13].rule is None  # BASE's last point (10) is below the mean
    assert result.variation is VariationIcon.IMPROVEMENT_HIGH
    assert not latest_in_concern_run_or_trend(result)
    assert latest_in_concern_run_or_trend(after_base([13, 12, 13, 12, 13, 12, 13], LOWER))


def test_six_points_are_not_a_run_of_seven_but_are_a_run_of_six():
    tail = [13, 12, 13, 12, 13, 12]
    assert rules(after_base(tail)) == [None] * 6
    assert rules(after_base(tail, run_length=6)) == [SpcRule.RUN] * 6


def test_a_point_on_the_mean_breaks_a_run():
    # 11 is exactly the mean: three above, the mean, four above -> no run of seven.
    assert rules(after_base([13, 12, 13, 11, 13, 12, 13, 12])) == [None] * 8
    # The same with 12 in its place is a run of eight.
    assert rules(after_base([13, 12, 13, 12, 13, 12, 13, 12])) == [SpcRule.RUN] * 8


def test_run_below_the_mean_is_a_concern_when_higher_is_better():
    result = after_base([10, 9, 10, 9, 10, 9, 10])
    # BASE ends with 10 (below the mean) so the run is eight long, starting at index 13.
    assert [p.rule for p in result.points[13:]] == [SpcRule.RUN] * 8
    assert result.latest.classification is Classification.CONCERN
    assert latest_in_concern_run_or_trend(result)


# --- trends ----------------------------------------------------------------------------------


def test_trend_of_seven_rising():
    # 8..14 strictly rising from BASE's last 10 (8 < 10 starts it); within the 2-sigma band;
    # below the mean 8, 9, 10, on it 11, above 12, 13, 14 -> no run.
    result = after_base([8, 9, 10, 11, 12, 13, 14])
    assert rules(result) == [SpcRule.TREND] * 7
    assert result.latest.direction is Direction.HIGH
    assert result.variation is VariationIcon.IMPROVEMENT_HIGH
    assert latest_in_concern_run_or_trend(after_base([8, 9, 10, 11, 12, 13, 14], LOWER))


def test_a_tie_breaks_a_trend():
    # 8, 9, 10, 10, 11, 12, 13: the repeated 10 splits it into 3 and 4 rising points.
    assert rules(after_base([8, 9, 10, 10, 11, 12, 13])) == [None] * 7


def test_six_rising_is_a_trend_only_when_trend_length_is_six():
    tail = [9, 10, 11, 12, 13, 14]
    assert rules(after_base(tail)) == [None] * 6
    assert rules(after_base(tail, trend_length=6)) == [SpcRule.TREND] * 6


def test_falling_trend_is_an_improvement_when_lower_is_better():
    result = after_base([14, 13, 12, 11, 10, 9, 8], polarity=LOWER)
    assert rules(result) == [SpcRule.TREND] * 7
    assert result.variation is VariationIcon.IMPROVEMENT_LOW


# --- two of three beyond 2-sigma -------------------------------------------------------------


def test_two_of_three_beyond_two_sigma():
    # 15 and 15 are beyond 14.55, with 12 between: the two 15s are marked, the 12 is not.
    result = after_base([15, 12, 15])
    assert rules(result) == [SpcRule.TWO_IN_THREE, None, SpcRule.TWO_IN_THREE]
    assert result.variation is VariationIcon.IMPROVEMENT_HIGH


def test_two_beyond_two_sigma_four_apart_do_not_fire():
    # Triples (15, 12, 12) and (12, 12, 15) each hold one point beyond 2-sigma.
    assert rules(after_base([15, 12, 12, 15])) == [None] * 4


def test_two_beyond_two_sigma_on_opposite_sides_do_not_fire():
    # 15 is above 14.55 and 7 below 7.45: one per side.
    assert rules(after_base([15, 7])) == [None, None]


def test_two_of_three_low():
    result = after_base([7, 10, 7])
    assert rules(result) == [SpcRule.TWO_IN_THREE, None, SpcRule.TWO_IN_THREE]
    assert result.latest.direction is Direction.LOW


def test_two_beyond_with_the_third_across_the_mean_do_not_fire():
    # 15 and 15 are beyond 14.55 but 10 between them lies below the mean of 11: MDC's rule asks
    # all three points of the triple to sit on the same side of the mean.
    assert rules(after_base([15, 10, 15])) == [None, None, None]


def test_two_beyond_with_the_third_exactly_on_the_mean_do_not_fire():
    # A point on the mean is on neither side, so (15, 11, 15) is no triple.
    assert rules(after_base([15, 11, 15])) == [None, None, None]


def test_two_beyond_in_a_row_need_a_third_on_their_side():
    # BASE ends at 10, below the mean: (10, 15, 15) is no triple; adding 12 makes (15, 15, 12) one,
    # and only the two points beyond 2-sigma are marked.
    assert rules(after_base([15, 15])) == [None, None]
    assert rules(after_base([15, 15, 12])) == [SpcRule.TWO_IN_THREE, SpcRule.TWO_IN_THREE, None]


def test_two_of_three_low_needs_all_three_below_the_mean():
    assert rules(after_base([7, 12, 7])) == [None, None, None]
    assert rules(after_base([7, 11, 7])) == [None, None, None]


# --- precedence ------------------------------------------------------------------------------


def test_outside_limits_beats_run():
    # Six above the mean, then 17 above the limit: 17 is outside and the seventh of a run.
    result = after_base([13, 12, 13, 12, 13, 12, 17], polarity=LOWER)
    latest = result.latest
    assert latest.rule is SpcRule.OUTSIDE_LIMITS
    assert Signal(SpcRule.RUN, Direction.HIGH) in latest.signals
    assert latest_is_concern_outside_limits(result)
    assert latest_in_concern_run_or_trend(result)  # every signal counts, not only the first


def test_trend_beats_two_in_three():
    # 8, 9, 10, 11, 12, 15, 16 rise strictly; 15 and 16 are beyond 14.55 (below 16.32).
    result = after_base([8, 9, 10, 11, 12, 15, 16])
    assert rules(result) == [SpcRule.TREND] * 7
    assert [s.rule for s in result.latest.signals] == [SpcRule.TREND, SpcRule.TWO_IN_THREE]


def test_two_in_three_beats_run():
    # Seven above the mean; the 15s are two of three beyond 2-sigma.
    result = after_base([13, 12, 15, 12, 15, 12, 13])
    assert rules(result) == [
        SpcRule.RUN, SpcRule.RUN, SpcRule.TWO_IN_THREE, SpcRule.RUN,
        SpcRule.TWO_IN_THREE, SpcRule.RUN, SpcRule.RUN,
    ]  # fmt: skip
    assert [s.rule for s in result.points[16].signals] == [SpcRule.TWO_IN_THREE, SpcRule.RUN]


# --- rebasing --------------------------------------------------------------------------------

SEGMENT_ONE = [12, 10, 12, 10, 12, 10, 12, 10, 12, 10, 9.5, 10.5, 11.5, 12.5]  # mean 154/14 = 11
SEGMENT_TWO = [13.5, 14.5, 15.5, 14, 16, 14, 16, 14, 16, 14, 16, 14, 16]  # mean 193.5/13


def test_rules_never_span_a_rebase():
    # Without the rebase, 9.5 .. 15.5 (indices 10-16) is a rising trend of seven across it.
    joined = spc_analyse(SEGMENT_ONE + SEGMENT_TWO, polarity=HIGHER, target=None)
    assert [joined.points[i].rule for i in range(10, 17)] == [SpcRule.TREND] * 7
    # Rebased at index 14 each side holds only 4 and 3 rising points, and nothing fires.
    split = spc_analyse(SEGMENT_ONE + SEGMENT_TWO, polarity=HIGHER, target=None, rebase_at=[14])
    assert all(p.rule is None for p in split.points)
    assert [s.mean for s in split.segments] == [11.0, pytest.approx(193.5 / 13)]
    assert [p.segment for p in split.points] == [0] * 14 + [1] * 13
    assert split.points[14].mean == pytest.approx(14.8846, abs=1e-4)
    assert not split.trial  # 13 points in the latest segment are enough


def test_rebase_at_zero_is_the_start_and_out_of_range_is_an_error():
    assert len(spc_analyse(BASE, polarity=HIGHER, target=None, rebase_at=[0]).segments) == 1
    with pytest.raises(ValueError, match="rebase"):
        spc_analyse(BASE, polarity=HIGHER, target=None, rebase_at=[14])


# --- screening, trial limits, AMR = 0 --------------------------------------------------------

# Moving ranges: ten of 2, then 10 (12 -> ... 10 -> 20), 40 (20 -> 60) and 40 (60 -> 20).
SPIKY = [10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 10, 20, 60, 20]


def test_unscreened_amr_keeps_every_moving_range():
    segment = spc_analyse(SPIKY, polarity=HIGHER, target=None).segments[0]
    assert segment.amr == pytest.approx(110 / 13)  # (10 * 2 + 10 + 40 + 40) / 13 = 8.46


def test_screening_drops_large_moving_ranges_once():
    settings = SpcSettings(screen_moving_ranges=True)
    segment = spc_analyse(SPIKY, polarity=HIGHER, target=None, settings=settings).segments[0]
    # 3.267 * 8.46 = 27.6: both 40s go; AMR = (10 * 2 + 10) / 11 = 2.73. A second pass would
    # also drop the 10 (>= 3.267 * 2.73 = 8.9), but the rule recomputes only once.
    assert segment.amr == pytest.approx(30 / 11)


def test_screening_drops_a_range_exactly_at_the_cut_off():
    # Moving ranges 3267, 244, 244, 245: AMR = 4000 / 4 = 1000, cut-off 3.267 * 1000 = 3267.
    values = [0, 3267, 3023, 3267, 3022]
    settings = SpcSettings(screen_moving_ranges=True)
    segment = spc_analyse(values, polarity=HIGHER, target=None, settings=settings).segments[0]
    assert segment.amr == pytest.approx(733 / 3)


def test_fewer_than_thirteen_points_are_trial_limits():
    result = spc_analyse([*BASE[:12], 40.0], polarity=LOWER, target=None)  # 13 points
    assert not result.trial
    result = spc_analyse([*BASE[:11], 40.0], polarity=LOWER, target=None)  # 12 points
    assert result.trial
    assert not result.signals_reliable
    assert result.segments[0].ucl > result.segments[0].mean  # limits are still computed
    assert result.latest.rule is SpcRule.OUTSIDE_LIMITS  # still shown on the chart ...
    assert not latest_is_concern_outside_limits(result)  # ... but no flag


def test_trial_counts_the_baseline_points():
    # 20 points, limits from the first 12: still trial.
    settings = SpcSettings(baseline_points=12)
    result = spc_analyse(BASE + BASE[:6], polarity=HIGHER, target=None, settings=settings)
    assert result.segments[0].baseline_points == 12
    assert result.trial
    assert not spc_analyse(BASE, polarity=HIGHER, target=None, settings=FIXED).trial


def test_min_points_for_limits_is_a_setting():
    settings = SpcSettings(min_points_for_limits=5)
    assert not spc_analyse(BASE[:5], polarity=HIGHER, target=None, settings=settings).trial


def test_constant_series_has_no_signals():
    result = spc_analyse([5.0] * 15, polarity=HIGHER, target=None)
    segment = result.segments[0]
    assert (segment.amr, segment.ucl, segment.lcl) == (0.0, 5.0, 5.0)
    assert all(p.rule is None for p in result.points)
    assert result.variation is VariationIcon.COMMON_CAUSE


def test_amr_zero_silences_even_a_later_jump():
    # Baseline of 13 fives has AMR 0; the later 9 is above the "limit" 5 but AMR = 0 means
    # no signals at all.
    settings = SpcSettings(baseline_points=13)
    result = spc_analyse([5.0] * 13 + [9.0], polarity=HIGHER, target=None, settings=settings)
    assert result.latest.rule is None


def test_single_point():
    result = spc_analyse([3.0], polarity=HIGHER, target=None)
    assert result.segments[0].amr == 0.0
    assert result.trial
    assert result.variation is VariationIcon.COMMON_CAUSE


# --- assurance -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "target", "icon"),
    [
        (HIGHER, 17.0, AssuranceIcon.CONSISTENTLY_FAIL),  # target above UCL 16.32: never hit
        (HIGHER, 5.0, AssuranceIcon.CONSISTENTLY_PASS),  # target below LCL 5.68: always hit
        (HIGHER, 11.0, AssuranceIcon.HIT_AND_MISS),
        (LOWER, 17.0, AssuranceIcon.CONSISTENTLY_PASS),
        (LOWER, 5.0, AssuranceIcon.CONSISTENTLY_FAIL),
        (LOWER, 6.0, AssuranceIcon.HIT_AND_MISS),
        (HIGHER, None, None),
        (Polarity.NEUTRAL, 17.0, None),
    ],
)
def test_assurance(polarity, target, icon):
    assert spc_analyse(BASE, polarity=polarity, target=target).assurance is icon


def test_target_on_a_limit_is_hit_and_miss():
    ucl = spc_analyse(BASE, polarity=HIGHER, target=None).segments[0].ucl
    assert spc_analyse(BASE, polarity=HIGHER, target=ucl).assurance is AssuranceIcon.HIT_AND_MISS


def test_assurance_uses_the_latest_segment():
    # Segment one sits around 11 (UCL 16.32); segment two around 31: a target of 20 fails the
    # first but is passed by the second, and the icon follows the second.
    values = BASE + [v + 20 for v in BASE]
    result = spc_analyse(values, polarity=HIGHER, target=20.0, rebase_at=[14])
    assert result.assurance is AssuranceIcon.CONSISTENTLY_PASS


def test_consistently_fail_flag_needs_reliable_limits():
    assert latest_assurance_consistently_fails(spc_analyse(BASE, polarity=HIGHER, target=17.0))
    trial = spc_analyse(BASE[:12], polarity=HIGHER, target=17.0)
    assert trial.assurance is AssuranceIcon.CONSISTENTLY_FAIL
    assert not latest_assurance_consistently_fails(trial)


# --- neutral metrics -------------------------------------------------------------------------


def test_neutral_metrics_say_high_or_low():
    high = after_base([17.0], polarity=Polarity.NEUTRAL)
    assert high.latest.classification is Classification.HIGH
    assert high.variation is VariationIcon.NEITHER_HIGH
    assert not latest_is_concern_outside_limits(high)
    low = after_base([10, 9, 10, 9, 10, 9, 10], polarity="neutral")
    assert low.latest.classification is Classification.LOW
    assert low.variation is VariationIcon.NEITHER_LOW
    assert not latest_in_concern_run_or_trend(low)


# --- validation ------------------------------------------------------------------------------


def test_bad_input():
    with pytest.raises(ValueError, match="at least one value"):
        spc_analyse([], polarity=HIGHER, target=None)
    with pytest.raises(ValueError, match="finite"):
        spc_analyse([1.0, math.nan], polarity=HIGHER, target=None)
    with pytest.raises(ValueError, match="6 or 7"):
        SpcSettings(run_length=8)
    with pytest.raises(ValueError, match="6 or 7"):
        SpcSettings(trend_length=5)
    with pytest.raises(ValueError, match="baseline"):
        SpcSettings(baseline_points=1)


# --- properties ------------------------------------------------------------------------------

series = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60)


@given(series)
def test_bands_are_nested_and_symmetric(values):
    segments = spc_analyse(values, polarity=HIGHER, target=None).segments
    assert segments
    for s in segments:
        assert s.lcl <= s.lower_two_sigma <= s.mean <= s.upper_two_sigma <= s.ucl
        assert math.isclose(s.ucl - s.mean, s.mean - s.lcl, rel_tol=1e-9, abs_tol=1e-6)


@given(st.floats(-1e6, 1e6, allow_nan=False), st.integers(1, 40))
def test_constant_series_never_signals(value, length):
    result = spc_analyse([value] * length, polarity=LOWER, target=None)
    assert all(not p.signals for p in result.points)


@given(series)
def test_every_signal_has_a_direction_and_a_classification(values):
    result = spc_analyse(values, polarity=LOWER, target=None)
    assert len(result.points) == len(values)
    for p in result.points:
        assert (p.rule is None) == (p.direction is None) == (p.classification is None)
