"""SOF 2021/22 quartiles: hand-worked thresholds, every boundary of the rule, and ranks."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.engine.kinds import Polarity
from metrics.engine.quartiles import (
    QuartileThresholds,
    RankResult,
    percentile_inc,
    quartile_of,
    quartile_thresholds,
    rank_and_percentile,
)

# Values 1..8: h = 7p.
#   P25: h = 1.75 -> v[1] + 0.75 * (v[2] - v[1]) = 2 + 0.75 = 2.75
#   P50: h = 3.5  -> 4 + 0.5 = 4.5
#   P75: h = 5.25 -> 6 + 0.25 = 6.25
ONE_TO_EIGHT = QuartileThresholds(p25=2.75, p50=4.5, p75=6.25, n=8)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def test_one_to_eight():
    assert quartile_thresholds([1, 2, 3, 4, 5, 6, 7, 8]) == ONE_TO_EIGHT


def test_four_values():
    # 10, 20, 30, 40: h = 3p. P25: h = 0.75 -> 10 + 7.5 = 17.5; P50: h = 1.5 -> 25;
    # P75: h = 2.25 -> 30 + 2.5 = 32.5.
    assert quartile_thresholds([40, 10, 30, 20]) == QuartileThresholds(17.5, 25.0, 32.5, 4)


def test_whole_ranks_need_no_interpolation():
    # 1..5: h = 4p = 1, 2, 3 exactly, as Excel's QUARTILE.INC gives 2, 3, 4.
    assert quartile_thresholds([5, 3, 1, 4, 2]) == QuartileThresholds(2, 3, 4, 5)


def test_missing_values_are_left_out():
    # None and NaN drop out, leaving 10, 20, 30, 40.
    thresholds = quartile_thresholds([10.0, None, 20.0, math.nan, 30.0, 40.0])
    assert thresholds == QuartileThresholds(17.5, 25.0, 32.5, 4)


def test_fewer_than_four_values_give_no_thresholds():
    assert quartile_thresholds([1.0, 2.0, 3.0, None]) is None
    assert quartile_thresholds([]) is None


def test_minimum_bodies_is_a_parameter():
    assert quartile_thresholds([1.0, 2.0, 3.0], min_bodies=3) == QuartileThresholds(
        1.5, 2.0, 2.5, 3
    )
    assert quartile_thresholds([1.0, 2.0, 3.0, 4.0], min_bodies=5) is None


def test_decimals_interpolate_exactly():
    # 1.00, 1.04, 1.10, 1.20: P25 = 1.00 + 0.75 * 0.04 = 1.03 exactly, not 1.0300000000000002.
    thresholds = quartile_thresholds(
        [Decimal("1.00"), Decimal("1.04"), Decimal("1.10"), Decimal("1.20")]
    )
    assert thresholds is not None
    assert thresholds.p25 == Decimal("1.03")
    # P50: h = 1.5 -> 1.04 + 0.5 * 0.06 = 1.07; P75: h = 2.25 -> 1.10 + 0.25 * 0.10 = 1.125.
    assert (thresholds.p50, thresholds.p75) == (Decimal("1.07"), Decimal("1.125"))


@pytest.mark.parametrize(
    ("value", "quartile"),
    [
        (8.0, 1),
        (6.25, 1),  # = P75: ">= P75" is quartile 1
        (6.24, 2),
        (4.5, 2),  # = P50: ">= P50" is quartile 2
        (4.49, 3),
        (2.76, 3),  # just above P25: "> P25" is quartile 3
        (2.75, 4),  # = P25: "<= P25" is quartile 4
        (1.0, 4),
    ],
)
def test_higher_is_better_boundaries(value, quartile):
    assert quartile_of(value, ONE_TO_EIGHT, Polarity.HIGHER_BETTER) == quartile


@pytest.mark.parametrize(
    ("value", "quartile"),
    [
        (1.0, 1),
        (2.75, 1),  # = P25: "<= P25" is quartile 1
        (2.76, 2),
        (4.5, 2),  # = P50: "<= P50" is quartile 2
        (4.51, 3),
        (6.24, 3),  # just below P75: "< P75" is quartile 3
        (6.25, 4),  # = P75: ">= P75" is quartile 4
        (8.0, 4),
    ],
)
def test_lower_is_better_boundaries(value, quartile):
    assert quartile_of(value, ONE_TO_EIGHT, Polarity.LOWER_BETTER) == quartile


def test_all_equal_values_are_all_top_quartile():
    # 5, 5, 5, 5: every threshold is 5, and 5 >= P75 (or <= P25 when lower is better).
    thresholds = quartile_thresholds([5.0, 5.0, 5.0, 5.0])
    assert quartile_of(5.0, thresholds, "higher_better") == 1
    assert quartile_of(5.0, thresholds, "lower_better") == 1


def test_no_quartile_for_neutral_missing_or_too_few():
    assert quartile_of(3.0, ONE_TO_EIGHT, Polarity.NEUTRAL) is None
    assert quartile_of(None, ONE_TO_EIGHT, Polarity.HIGHER_BETTER) is None
    assert quartile_of(math.nan, ONE_TO_EIGHT, Polarity.HIGHER_BETTER) is None
    assert quartile_of(3.0, None, Polarity.HIGHER_BETTER) is None


def test_unknown_polarity_is_an_error():
    with pytest.raises(ValueError, match="sideways"):
        quartile_of(3.0, ONE_TO_EIGHT, "sideways")


def test_percentile_ends_and_single_value():
    assert percentile_inc([1.0, 2.0, 3.0], 0) == 1.0
    assert percentile_inc([1.0, 2.0, 3.0], 1) == 3.0
    assert percentile_inc([7.0], 0.25) == 7.0


@pytest.mark.parametrize(("values", "p"), [([], 0.5), ([1.0], -0.1), ([1.0], 1.5)])
def test_percentile_rejects_bad_input(values, p):
    with pytest.raises(ValueError, match="percentile"):
        percentile_inc(values, p)


def test_rank_higher_is_better_with_ties():
    # Best first: d=30 (1), b=c=20 (both 2, the smallest position of their tie), a=10 (4).
    # Percentile rank (r - 1)/(n - 1) with n = 4: 0, 1/3, 1/3, 1.
    ranks = rank_and_percentile({"a": 10, "b": 20, "c": 20, "d": 30}, Polarity.HIGHER_BETTER)
    assert ranks == {
        "a": RankResult(4, 1.0),
        "b": RankResult(2, 1 / 3),
        "c": RankResult(2, 1 / 3),
        "d": RankResult(1, 0.0),
    }


def test_rank_lower_is_better():
    ranks = rank_and_percentile({"a": 10, "b": 20, "c": 20, "d": 30}, "lower_better")
    assert [ranks[k].rank for k in "abcd"] == [1, 2, 2, 4]


def test_rank_of_one_body():
    assert rank_and_percentile({"a": 5.0}, Polarity.HIGHER_BETTER) == {"a": RankResult(1, 0.0)}
    assert rank_and_percentile({}, Polarity.HIGHER_BETTER) == {}


def test_rank_refuses_neutral_and_nan():
    with pytest.raises(ValueError, match="neutral"):
        rank_and_percentile({"a": 1.0}, Polarity.NEUTRAL)
    with pytest.raises(ValueError, match="missing"):
        rank_and_percentile({"a": math.nan}, Polarity.HIGHER_BETTER)


@given(st.lists(finite, min_size=4))
def test_thresholds_are_monotone(values):
    thresholds = quartile_thresholds(values)
    assert thresholds is not None
    assert min(values) <= thresholds.p25 <= thresholds.p50 <= thresholds.p75 <= max(values)


@given(st.lists(finite, min_size=1), st.floats(min_value=0, max_value=1))
def test_percentile_matches_numpy(values, p):
    expected = float(np.percentile(values, p * 100))
    assert math.isclose(percentile_inc(sorted(values), p), expected, rel_tol=1e-9, abs_tol=1e-6)


@given(st.lists(finite, min_size=4))
def test_better_values_never_get_worse_quartiles(values):
    # Ties can lift the worst value out of quartile 4 (0, 0, 0, 1 has P25 = P50 = 0, and
    # 0 >= P50 is quartile 2), so the property is monotonicity, with the best in quartile 1.
    thresholds = quartile_thresholds(values)
    ascending = sorted(values)
    higher = [quartile_of(v, thresholds, Polarity.HIGHER_BETTER) or 0 for v in ascending]
    lower = [quartile_of(v, thresholds, Polarity.LOWER_BETTER) or 0 for v in ascending]
    assert higher == sorted(higher, reverse=True)
    assert higher[-1] == 1
    assert lower == sorted(lower)
    assert lower[0] == 1


def test_ties_at_the_bottom_are_not_bottom_quartile():
    # 0, 0, 0, 1 (h = 3p): P25 = 0 (h = 0.75 between two zeros), P50 = 0 (h = 1.5),
    # P75 = 0 + 0.25 * 1 = 0.25. A 0 is >= P50, so quartile 2 before "<= P25" is reached.
    thresholds = quartile_thresholds([0.0, 0.0, 0.0, 1.0])
    assert thresholds == QuartileThresholds(0.0, 0.0, 0.25, 4)
    assert quartile_of(0.0, thresholds, Polarity.HIGHER_BETTER) == 2
    assert quartile_of(1.0, thresholds, Polarity.HIGHER_BETTER) == 1
