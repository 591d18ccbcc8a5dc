"""The roll-up arithmetic on hand-worked cases (systemlens.rollup_rules: pure, no database)."""

from __future__ import annotations

import pytest

from systemlens.rollup_rules import (
    RATIO,
    Totals,
    population_weighted_mean,
    rate_from_totals,
    ratio_per,
    sum_of_counts,
    value_from_totals,
)


def test_counts_add_up():
    # 52-week waiters: 120 + 45 + 0 = 165 (a zero is a value, not a gap).
    assert sum_of_counts([120, 45, 0]) == 165


def test_a_rate_is_total_numerator_over_total_denominator_not_a_mean_of_rates():
    # 45/50 = 90% and 150/200 = 75%: the mean of rates would say 82.5%, but the system
    # saw 195 of 250 patients in time, 78%.
    assert rate_from_totals([(45, 50), (150, 200)], per=100) == pytest.approx(78.0)


def test_a_rate_per_thousand():
    # 3 + 9 = 12 incidents over 2,000 + 4,000 = 6,000 bed days: 2 per 1,000.
    assert rate_from_totals([(3, 2000), (9, 4000)], per=1000) == pytest.approx(2.0)


def test_a_population_weighted_mean():
    # (2.0 × 100,000 + 4.0 × 300,000) / 400,000 = 1,400,000 / 400,000 = 3.5.
    assert population_weighted_mean([(2.0, 100_000), (4.0, 300_000)]) == pytest.approx(3.5)


def test_nothing_to_derive_from_gives_no_value():
    assert sum_of_counts([]) is None
    assert rate_from_totals([]) is None
    assert rate_from_totals([(0, 0)]) is None
    assert population_weighted_mean([(3.0, 0)]) is None


def test_totals_give_the_same_answer_as_the_lists():
    totals = Totals(count=2, numerator=195, denominator=250)
    assert value_from_totals(RATIO, totals, 100) == rate_from_totals([(45, 50), (150, 200)], 100)
    with pytest.raises(ValueError, match="Unknown"):
        value_from_totals("median", totals)


def test_a_percentage_is_per_hundred_unless_the_catalogue_says_otherwise():
    assert ratio_per("percentage", None) == 100
    assert ratio_per("rate", None) == 1
    assert ratio_per("rate", 1000) == 1000
