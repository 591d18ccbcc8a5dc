"""NOF 2025/26 methodology manual, steps 2 and 3: average metric score, segment, override."""

from __future__ import annotations

from decimal import Decimal

import pytest

from metrics.engine.kinds import Polarity
from segmentation.methodology import apply_financial_override, segment_of_average, weighted_average

D = Decimal
HIGHER = Polarity.HIGHER_BETTER
LOWER = Polarity.LOWER_BETTER


# --- step 2: average and segment -------------------------------------------------------------


def test_weighted_average():
    # (1.00 + 4.00) / 2 = 2.50
    assert weighted_average([(D("1.00"), D(1)), (D("4.00"), D(1))]) == D("2.50")
    # (2.00 * 3 + 4.00 * 1) / 4 = 10 / 4 = 2.50
    assert weighted_average([(D("2.00"), D(3)), (D("4.00"), D(1))]) == D("2.50")


def test_weighted_average_with_thirds():
    # Two metrics at weight 1 (1.00, 2.00) and three infection metrics at 1/3 each
    # (4.00, 1.00, 1.00): (1 + 2 + 6/3) / 3 = 5/3 = 1.666.. -> 1.67.
    third = D(1) / D(3)
    pairs = [(D("1.00"), D(1)), (D("2.00"), D(1))] + [(D(s), third) for s in ("4", "1", "1")]
    assert weighted_average(pairs) == D("1.67")


def test_weighted_average_rounds_half_up():
    # (1.00 + 1.25) / 2 = 1.125 -> 1.13; (2.00 + 2.01) / 2 = 2.005 -> 2.01 (float says 2.0).
    assert weighted_average([(D("1.00"), D(1)), (D("1.25"), D(1))]) == D("1.13")
    assert weighted_average([(D("2.00"), D(1)), (D("2.01"), D(1))]) == D("2.01")
    assert round((2.00 + 2.01) / 2, 2) == 2.0  # the trap


def test_weighted_average_edge_cases():
    assert weighted_average([]) is None
    assert weighted_average([(D("2.00"), D(0))]) is None
    with pytest.raises(ValueError, match="negative"):
        weighted_average([(D("2.00"), D(-1))])
    assert str(weighted_average([(D("3"), D(1))])) == "3.00"


def test_segments_by_quartile_lower_is_better():
    # 1.50 .. 3.25 in steps of 0.25 (n = 8, h = 7p):
    #   P25 = 1.75 + 0.75 * 0.25 = 1.9375; P50 = 2.25 + 0.5 * 0.25 = 2.375;
    #   P75 = 2.75 + 0.25 * 0.25 = 2.8125.
    averages = {f"t{i}": D("1.50") + D("0.25") * i for i in range(8)}
    assert list(segment_of_average(averages).values()) == [1, 1, 2, 2, 3, 3, 4, 4]


def test_segment_boundaries_at_the_thresholds():
    # 1.00, 2.00, 3.00, 4.00, 5.00: P25 = 2.00, P50 = 3.00, P75 = 4.00 (h = 4p, whole ranks).
    averages = {n: D(n) for n in ("1.00", "2.00", "3.00", "4.00", "5.00")}
    # <= P25 -> 1; <= P50 -> 2; < P75 -> 3 (none here); >= P75 -> 4.
    assert segment_of_average(averages) == {"1.00": 1, "2.00": 1, "3.00": 2, "4.00": 4, "5.00": 4}


def test_too_few_averages_give_no_segment():
    assert segment_of_average({"a": D("1.00"), "b": D("2.00"), "c": D("3.00")}) == {}


def test_segments_by_fixed_cut_points():
    cuts = (D("1.50"), D("2.50"), D("3.00"))
    averages = {v: D(v) for v in ("1.00", "1.50", "1.51", "2.50", "2.99", "3.00", "3.50")}
    # <= 1.50 -> 1; <= 2.50 -> 2; < 3.00 -> 3; else 4. Works with any number of bodies.
    assert segment_of_average(averages, cut_points=cuts) == {
        "1.00": 1,
        "1.50": 1,
        "1.51": 2,
        "2.50": 2,
        "2.99": 3,
        "3.00": 4,
        "3.50": 4,
    }
    assert segment_of_average({"a": D("2.00")}, cut_points=cuts) == {"a": 2}


def test_cut_points_must_ascend():
    with pytest.raises(ValueError, match="ascending"):
        segment_of_average({}, cut_points=(D("2"), D("1"), D("3")))


# --- step 3: financial override --------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "in_deficit", "expected"),
    [
        (1, True, 3),
        (2, True, 3),
        (3, True, 3),
        (4, True, 4),
        (5, True, 5),
        (1, False, 1),
        (2, False, 2),
    ],
)
def test_financial_override(segment, in_deficit, expected):
    assert apply_financial_override(segment, in_deficit=in_deficit) == expected


def test_financial_override_rejects_non_segments():
    with pytest.raises(ValueError, match="not a segment"):
        apply_financial_override(0, in_deficit=False)


def test_a_method_is_named_without_repeating_its_edition() -> None:
    from metrics.models.catalogue import FrameworkEdition, Methodology
    from segmentation.methods import method_name

    sof = FrameworkEdition(
        name="System Oversight Framework 2021/22", methodology=Methodology.SOF_2021_22
    )
    bench = FrameworkEdition(name="Bench edition", methodology=Methodology.SOF_2021_22)

    assert method_name(sof) == "System Oversight Framework 2021/22 rules"
    assert method_name(bench) == "Bench edition: System Oversight Framework 2021/22 rules"
