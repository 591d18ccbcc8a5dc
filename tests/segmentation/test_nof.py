"""NOF 2025/26 proposed segments (DESIGN.md "Metric scores and segments"), hand-worked."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from segmentation.criteria import MET, NOT_MET
from segmentation.methodology import league_ranks
from segmentation.nof import NofParameters, nof_proposals
from tests.segmentation.facts import body, metric, pip

D = Decimal
P = NofParameters()


def scored(average: str, group: str = "trust:acute", deficit: float | None = 1.0, **kw):
    """A body whose one scored metric gives it exactly this average; OF0079 its plan."""
    metrics = [metric("OF0023", score=average)]
    if deficit is not None:
        metrics.append(metric("OF0079", value=deficit, scored=False, theme="finance"))
    return body(*metrics, group=group, **kw)


def test_quartiles_of_the_averages_lower_is_better():
    # 1.00 .. 5.00: P25 = 2.00, P50 = 3.00, P75 = 4.00 (n = 5, whole ranks).
    bodies = {n: scored(n) for n in ("1.00", "2.00", "3.00", "4.00", "5.00")}
    outcomes = nof_proposals(bodies, P)
    assert {k: o.segment for k, o in outcomes.items()} == {
        "1.00": 1,
        "2.00": 1,
        "3.00": 2,
        "4.00": 4,
        "5.00": 4,
    }
    step = outcomes["3.00"].criterion("segment_by_quartile")
    assert step.evidence == (
        "3.00 is above P25 (2.00) and at or below P50 (3.00) of the averages of the 5 acute "
        "trusts (lower is better) → segment 2."
    )


def test_thresholds_between_averages_show_their_interpolated_digits():
    # 1.00, 1.25, 2.00, 2.50: P25 = 1.00 + 0.75 × 0.25 = 1.1875; P50 = 1.625; P75 = 2.125.
    bodies = {n: scored(n) for n in ("1.00", "1.25", "2.00", "2.50")}
    step = nof_proposals(bodies, P)["1.25"].criterion("segment_by_quartile")
    assert step.evidence.startswith(
        "1.25 is above P25 (1.1875) and at or below P50 (1.625) of the averages of the 4"
    )


def test_ties_at_a_quartile_cut_point_take_the_better_segment():
    # 1, 2, 2, 2, 3: P25 = P50 = 2.00, P75 = 2.00: every 2.00 is "≤ P25" → segment 1;
    # 3.00 ≥ P75 → segment 4.
    values = ["1.00", "2.00", "2.00", "2.00", "3.00"]
    bodies = {i: scored(v) for i, v in enumerate(values)}
    segments = [nof_proposals(bodies, P)[i].segment for i in range(5)]
    assert segments == [1, 1, 1, 1, 4]


def test_fewer_than_four_bodies_in_a_peer_group_get_no_segment():
    bodies = {
        "a": scored("1.50", group="trust:ambulance"),
        "b": scored("2.50", group="trust:ambulance"),
        "c": scored("3.50", group="trust:ambulance"),
    }
    outcome = nof_proposals(bodies, P)["a"]
    assert outcome.segment is None
    assert outcome.basis == "no_segment"
    assert outcome.criterion("segment_by_quartile").evidence == (
        "Only 3 of the ambulance trusts have an average score: fewer than 4, so no quartile and "
        "no segment."
    )


def test_missing_scores_are_left_out_and_a_body_without_any_gets_no_segment():
    bodies = {n: scored(n) for n in ("1.00", "2.00", "3.00", "4.00")}
    bodies["empty"] = body(metric("OF0023", score=None))
    outcomes = nof_proposals(bodies, P)
    assert outcomes["empty"].segment is None
    assert outcomes["empty"].criterion("average_score").status == NOT_MET
    # The four averages alone: 1, 2, 3, 4 → P25 1.75, P50 2.5, P75 3.25.
    assert [outcomes[n].segment for n in ("1.00", "2.00", "3.00", "4.00")] == [1, 2, 3, 4]


def test_exact_thirds_in_the_average():
    # 1.00 (weight 1) and three infection metrics at 1/3: 4.00, 1.00, 1.00.
    # (1 + 6/3) / 2 = 1.50 exactly; 0.3333 weights would give 1.49995 → 1.50 only by luck.
    third = Fraction(1, 3)
    facts = body(
        metric("OF0023", score="1.00"),
        metric("OF0020", score="4.00", weight=third),
        metric("OF0048", score="1.00", weight=third),
        metric("OF0088", score="1.00", weight=third),
    )
    outcome = nof_proposals({"x": facts}, P)["x"]
    assert outcome.average_score == D("1.50")
    assert "weighted 1, 1/3" in outcome.criterion("average_score").evidence


def test_financial_override_moves_1_and_2_to_3():
    bodies = {n: scored(n) for n in ("1.00", "2.00", "3.00", "4.00", "5.00")}
    bodies["1.00"] = scored("1.00", deficit=-0.5)
    bodies["4.00"] = scored("4.00", deficit=-2.0)
    outcomes = nof_proposals(bodies, P)
    assert outcomes["1.00"].segment == 3
    assert outcomes["1.00"].basis == "financial_override"
    assert outcomes["1.00"].criterion("in_deficit").evidence == (
        "OF0079 = -0.5: below 0, in deficit; segment 1 → 3."
    )
    assert outcomes["4.00"].segment == 4  # already worse than 3
    assert outcomes["2.00"].criterion("in_deficit").status == NOT_MET


def test_no_deficit_value_is_not_a_deficit():
    bodies = {n: scored(n, deficit=None) for n in ("1.00", "2.00", "3.00", "4.00")}
    outcome = nof_proposals(bodies, P)["1.00"]
    assert outcome.segment == 1
    assert outcome.criterion("in_deficit").evidence == (
        "No OF0079 value this quarter: not treated as in deficit."
    )


def test_defined_thresholds_with_ties_at_each_cut_point():
    cuts = (D("1.50"), D("2.50"), D("3.00"))
    p = NofParameters(cut_points=cuts)
    values = ("1.50", "1.51", "2.50", "2.99", "3.00")
    outcomes = nof_proposals({v: scored(v) for v in values}, p)
    # ≤ 1.50 → 1; ≤ 2.50 → 2; < 3.00 → 3; else 4. No peer group minimum with fixed cuts.
    assert [outcomes[v].segment for v in values] == [1, 2, 2, 3, 4]
    assert outcomes["2.50"].criterion("segment_by_thresholds").evidence == (
        "2.50 is above 1.50 and at most 2.50 (cut points 1.50, 2.50, 3.00; lower is better) "
        "→ segment 2."
    )
    alone = nof_proposals({"x": scored("2.00", group="trust:ambulance")}, p)["x"]
    assert alone.segment == 2


def test_segment_5_is_never_automatic_but_pip_keeps_a_body_in_5():
    bodies = {n: scored(n) for n in ("1.00", "2.00", "3.00", "4.00", "5.00")}
    assert max(o.segment or 0 for o in nof_proposals(bodies, P).values()) == 4
    bodies["1.00"] = scored("1.00", support=(pip(),))
    outcome = nof_proposals(bodies, P)["1.00"]
    assert outcome.segment == 5
    assert outcome.criterion("support_programme").status == MET


def test_domain_scores_are_context():
    facts = body(
        metric("A", score="1.00", theme="access"),
        metric("B", score="2.00", theme="access"),
        metric("C", score="4.00", theme="people"),
    )
    outcome = nof_proposals({"x": facts}, P)["x"]
    assert [(d.theme, d.average) for d in outcome.domain_scores] == [
        ("access", D("1.50")),
        ("people", D("4.00")),
    ]
    assert outcome.average_score == D("2.33")  # 7 / 3 = 2.333…


# --- league table ----------------------------------------------------------------------------


def test_league_ranks_by_segment_then_average_within_peer_group():
    rows = {
        "a": ("acute", 2, D("1.90")),
        "b": ("acute", 1, D("2.40")),  # a better segment beats a better average
        "c": ("acute", 2, D("1.90")),  # tied with a: same rank
        "d": ("acute", 2, D("2.10")),
        "e": ("acute", 2, None),  # no average: after its segment's others
        "f": ("acute", None, D("1.00")),  # no segment: not ranked
        "g": ("mental", 3, D("3.00")),  # another peer group starts again at 1
    }
    assert league_ranks(rows) == {"b": 1, "a": 2, "c": 2, "d": 4, "e": 5, "g": 1}
