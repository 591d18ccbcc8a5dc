"""NOF 2025/26 methodology manual step 1, the metric scores, worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.engine.kinds import Polarity
from metrics.engine.scoring import (
    ScoreBand,
    bespoke_score,
    metric_scores,
    parse_score_map,
    score_bookends,
)

D = Decimal
HIGHER = Polarity.HIGHER_BETTER
LOWER = Polarity.LOWER_BETTER


def scores(values, polarity=HIGHER, standard=None, floor=None):
    result = metric_scores(values, polarity=polarity, standard=standard, floor=floor)
    return {key: str(score) for key, score in result.items()}


# --- step 1: metric scores -------------------------------------------------------------------


def test_bookends():
    assert score_bookends(standard=None, floor=None) == (D("1.00"), D("4.00"))
    assert score_bookends(standard=90, floor=None) == (D("2.00"), D("4.00"))
    assert score_bookends(standard=None, floor=50) == (D("1.00"), D("3.00"))
    assert score_bookends(standard=90, floor=50) == (D("2.00"), D("3.00"))


def test_spread_without_standard_or_floor():
    # n = 5, score = 1 + 3 * (r - 1)/4: 1.00, 1.75, 2.50, 3.25, 4.00.
    values = {"a": 50, "b": 40, "c": 30, "d": 20, "e": 10}
    assert scores(values) == {"a": "1.00", "b": "1.75", "c": "2.50", "d": "3.25", "e": "4.00"}
    assert scores(values, LOWER) == {
        "a": "4.00",
        "b": "3.25",
        "c": "2.50",
        "d": "1.75",
        "e": "1.00",
    }


def test_ties_take_the_smallest_position():
    # Best first: d (r=1), b and c (both r=2), a (r=4); n = 4 so step = 3/3 = 1.00.
    values = {"a": 10, "b": 20, "c": 20, "d": 30}
    assert scores(values) == {"a": "4.00", "b": "2.00", "c": "2.00", "d": "1.00"}


def test_all_tied_score_lo():
    assert scores({"a": 7, "b": 7, "c": 7}) == {"a": "1.00", "b": "1.00", "c": "1.00"}


def test_one_ranked_body_scores_lo():
    assert scores({"a": 3}) == {"a": "1.00"}
    # With a standard, the one body not meeting it is ranked alone and takes lo = 2.00.
    assert scores({"a": 95, "b": 80}, standard=90) == {"a": "1.00", "b": "2.00"}


def test_empty():
    assert metric_scores({}, polarity=HIGHER, standard=None, floor=None) == {}


def test_standard_higher_is_better():
    # a (95) and b (exactly 90) meet the standard: 1.00. c, d, e ranked between 2.00 and
    # 4.00 with n = 3: 2 + 2 * (r - 1)/2 = 2.00, 3.00, 4.00.
    values = {"a": 95, "b": 90, "c": 80, "d": 70, "e": 60}
    assert scores(values, standard=90) == {
        "a": "1.00",
        "b": "1.00",
        "c": "2.00",
        "d": "3.00",
        "e": "4.00",
    }


def test_standard_lower_is_better():
    # Meeting means <= 5: a (5) and b (3). Ranked: c (6) 2.00, d (8) 4.00.
    values = {"a": 5, "b": 3, "c": 6, "d": 8}
    assert scores(values, LOWER, standard=5) == {"a": "1.00", "b": "1.00", "c": "2.00", "d": "4.00"}


def test_floor_higher_is_better():
    # Failing means < 50: only a (49.9). b sits exactly on the floor and is ranked.
    # Ranked n = 3 between 1.00 and 3.00: d 1.00, c 2.00, b 3.00.
    values = {"a": 49.9, "b": 50, "c": 60, "d": 70}
    assert scores(values, floor=50) == {"a": "4.00", "b": "3.00", "c": "2.00", "d": "1.00"}


def test_floor_lower_is_better():
    # Failing means > 20: c (21). a (20, on the floor) is ranked last of n = 2: 3.00.
    values = {"a": 20, "b": 10, "c": 21}
    assert scores(values, LOWER, floor=20) == {"a": "3.00", "b": "1.00", "c": "4.00"}


def test_standard_and_floor():
    # Bookends 2.00 and 3.00 for the ranked middle (n = 3): 2.00, 2.50, 3.00.
    values = {"meets": 92, "b": 85, "c": 70, "d": 55, "fails": 40}
    assert scores(values, standard=90, floor=50) == {
        "meets": "1.00",
        "b": "2.00",
        "c": "2.50",
        "d": "3.00",
        "fails": "4.00",
    }


def test_standard_equal_to_floor_leaves_nobody_ranked():
    assert scores({"a": 50, "b": 49}, standard=50, floor=50) == {"a": "1.00", "b": "4.00"}


def test_rounding_is_half_up_on_exact_halves():
    # n = 9, step 3/8 = 0.375: 1.000, 1.375, 1.750, 2.125, 2.500, 2.875, 3.250, 3.625, 4.000.
    # Half up gives 1.38, 2.13, 2.88, 3.63. Float round() gives 2.12 for 2.125 (banker's and
    # binary), which is exactly what we must not do.
    values = {f"b{r}": 100 - r for r in range(1, 10)}
    assert list(scores(values).values()) == [
        "1.00",
        "1.38",
        "1.75",
        "2.13",
        "2.50",
        "2.88",
        "3.25",
        "3.63",
        "4.00",
    ]
    assert round(2.125, 2) == 2.12  # the trap


def test_rounding_of_repeating_fractions():
    # n = 8, step 3/7: 1.428571.. -> 1.43, 1.857142.. -> 1.86, 2.285714.. -> 2.29,
    # 2.714285.. -> 2.71, 3.142857.. -> 3.14, 3.571428.. -> 3.57.
    values = {f"b{r}": 100 - r for r in range(1, 9)}
    assert list(scores(values).values()) == [
        "1.00",
        "1.43",
        "1.86",
        "2.29",
        "2.71",
        "3.14",
        "3.57",
        "4.00",
    ]


def test_keys_keep_input_order():
    assert list(scores({"z": 1, "a": 3, "m": 2})) == ["z", "a", "m"]


def test_scoring_errors():
    with pytest.raises(ValueError, match="neutral"):
        metric_scores({"a": 1}, polarity=Polarity.NEUTRAL, standard=None, floor=None)
    with pytest.raises(ValueError, match="worse than the floor"):
        metric_scores({"a": 1}, polarity=HIGHER, standard=40, floor=50)
    with pytest.raises(ValueError, match="worse than the floor"):
        metric_scores({"a": 1}, polarity=LOWER, standard=50, floor=40)
    with pytest.raises(ValueError, match="finite"):
        metric_scores({"a": float("nan")}, polarity=HIGHER, standard=None, floor=None)


# --- step 1: bespoke score maps --------------------------------------------------------------


def test_parse_ranges():
    bands = parse_score_map("..5=1.00; 5..10=2.5; 10..=4")
    assert bands == (
        ScoreBand(None, 5.0, D("1.00")),
        ScoreBand(5.0, 10.0, D("2.50")),
        ScoreBand(10.0, None, D("4.00")),
    )
    assert [bespoke_score(v, bands) for v in (-3, 4.99, 5, 9.99, 10, 1e9)] == [
        D("1.00"),
        D("1.00"),
        D("2.50"),
        D("2.50"),
        D("4.00"),
        D("4.00"),
    ]


def test_parse_exact_values():
    # CQC ratings held as codes: 1 Outstanding .. 4 Inadequate. A trailing ';' is fine.
    bands = parse_score_map("1=1.00;2=2.00;3=3.00;4=4.00;")
    assert bands[0].exact
    assert bespoke_score(2, bands) == D("2.00")
    assert bespoke_score(2.5, bands) is None  # unmapped
    assert bespoke_score(None, bands) is None  # missing


def test_exact_value_beside_a_range():
    # 5 is outside "..5" (its high bound is exclusive), so "5=2.00" does not overlap it.
    bands = parse_score_map("..5=1.00; 5=2.00")
    assert [bespoke_score(v, bands) for v in (4.99, 5, 5.01)] == [D("1.00"), D("2.00"), None]


def test_adjacent_ranges_meet_at_the_boundary():
    # Low bounds are inclusive, high bounds exclusive: 1 belongs to "1..2" only.
    bands = parse_score_map("0..1=1.00; 1..2=2.00")
    assert [bespoke_score(v, bands) for v in (0.99, 1, 2)] == [D("1.00"), D("2.00"), None]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no entries"),
        (" ; ", "no entries"),
        ("5", r"'5' has no '='"),
        ("x=1.00", r"'x=1.00': 'x' is not a number"),
        ("nan=1.00", "not a finite number"),
        ("1=abc", r"'1=abc': 'abc' is not a score"),
        ("1=5.00", "from 1.00 to 4.00"),
        ("1=0.99", "from 1.00 to 4.00"),
        ("1=1.234", "more than 2 decimal places"),
        ("..=1.00", r"'..=1.00' needs a low or a high bound"),
        ("5..1=1.00", "low bound not below its high bound"),
        ("5..5=1.00", "low bound not below its high bound"),
        ("..5=1.00; 4..=2.00", r"'..5=1.00' and '4..=2.00' overlap"),
        ("1..3=1.00; 2=2.00", r"'1..3=1.00' and '2=2.00' overlap"),
        ("2=2.00; 1..3=1.00", r"'2=2.00' and '1..3=1.00' overlap"),
        ("1=1.00; 1=2.00", "overlap"),
        ("..=", "needs a low or a high bound|not a score"),
    ],
)
def test_parse_errors_name_the_entry(text, message):
    with pytest.raises(ValueError, match=message):
        parse_score_map(text)


# --- properties ------------------------------------------------------------------------------

bodies = st.dictionaries(
    st.integers(0, 200), st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40
)
bounds = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))


@given(bodies, st.sampled_from([HIGHER, LOWER]), bounds, bounds)
def test_scores_stay_within_one_and_four(values, polarity, standard, floor):
    higher = polarity is HIGHER
    if standard is not None and floor is not None:
        # Keep the standard on the better side of the floor.
        standard, floor = sorted([standard, floor], reverse=higher)
    result = metric_scores(values, polarity=polarity, standard=standard, floor=floor)

    def ranked(v):
        meets = standard is not None and (v >= standard if higher else v <= standard)
        fails = floor is not None and (v < floor if higher else v > floor)
        return not meets and not fails

    assert set(result) == set(values)
    assert all(D("1.00") <= s <= D("4.00") for s in result.values())
    assert all(s.as_tuple().exponent == -2 for s in result.values())
    lo, hi = score_bookends(standard=standard, floor=floor)
    ranked_scores = [result[k] for k, v in values.items() if ranked(v)]
    assert all(lo <= s <= hi for s in ranked_scores)
    if ranked_scores:
        assert min(ranked_scores) == lo  # the best ranked body gets lo


@given(bodies, st.sampled_from([HIGHER, LOWER]))
def test_a_better_value_never_scores_worse(values, polarity):
    result = metric_scores(values, polarity=polarity, standard=None, floor=None)
    sign = 1 if polarity is HIGHER else -1
    ordered = sorted(values, key=lambda k: -sign * values[k])  # best first
    assert [result[k] for k in ordered] == sorted(result.values())
