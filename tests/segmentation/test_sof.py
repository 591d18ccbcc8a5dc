"""SOF 2021/22 proposed segment (DESIGN.md "Proposed segment"): each criterion, hand-worked."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from segmentation.criteria import MET, NOT_APPLICABLE, NOT_MET
from segmentation.sof import SofParameters, sof_proposal
from tests.segmentation.facts import body, cqc, flag, metric, rsp

P = SofParameters()
GOOD = cqc(2, 1)  # Good overall, Outstanding well-led


def statuses(outcome) -> dict[str, str]:
    return {c.code: c.status for c in outcome.criteria}


# --- segment 1 -------------------------------------------------------------------------------


def test_segment_1_when_every_criterion_holds():
    # 4 quartiled metrics: 2 in Q1 (= half of 4, enough), none in Q4; CQC Good/Outstanding;
    # no negative variance flag.
    facts = body(metric("A", 1), metric("B", 1), metric("C", 2), metric("D", 3), *GOOD)
    outcome = sof_proposal(facts, P)
    assert outcome.segment == 1
    assert outcome.basis == "segment_1_candidate"
    assert statuses(outcome) == {
        "support_programme": NOT_MET,
        "bottom_quartile_theme": NOT_MET,
        "dramatic_drop": NOT_MET,
        "sustained_very_poor": NOT_MET,
        "negative_variance": NOT_MET,
        "cqc_poor": NOT_MET,
        "top_quartile": MET,
        "no_negative_variance": MET,
        "cqc_good": MET,
    }
    top = outcome.criterion("top_quartile")
    assert top.evidence == (
        "2 of 4 quartiled metrics in quartile 1 (at least half needed): A and B; "
        "0 in quartile 4 (at most 0 allowed)."
    )
    assert top.metrics == ("A", "B")
    assert outcome.criterion("cqc_good").evidence == (
        "CQC overall Good (S001); CQC well-led Outstanding (S060)."
    )


def test_top_quartile_share_is_at_least_half_exactly():
    # 5 quartiled metrics, 2 in Q1: 2 < 2.5, not half. 3 in Q1: 3 >= 2.5.
    two = body(
        metric("A", 1), metric("B", 1), metric("C", 2), metric("D", 2), metric("E", 3), *GOOD
    )
    three = body(
        metric("A", 1), metric("B", 1), metric("C", 1), metric("D", 2), metric("E", 3), *GOOD
    )
    assert sof_proposal(two, P).segment == 2
    assert sof_proposal(three, P).segment == 1


def test_one_metric_in_quartile_4_denies_segment_1():
    facts = body(metric("A", 1), metric("B", 1), metric("C", 1), metric("D", 4), *GOOD)
    outcome = sof_proposal(facts, P)
    assert outcome.criterion("top_quartile").status == NOT_MET
    assert outcome.segment == 2  # one Q4 of 4 in "quality" is a quarter, not half: not segment 3


def test_contextual_metrics_are_not_counted_unless_the_method_says_so():
    # A, B in Q1 scored; C, D contextual in Q4: by default 2 of 2 in Q1 → segment 1.
    facts = body(
        metric("A", 1),
        metric("B", 1),
        metric("C", 4, scored=False),
        metric("D", 4, scored=False),
        *GOOD,
    )
    assert sof_proposal(facts, P).segment == 1
    counted = sof_proposal(facts, replace(P, include_contextual=True))
    # Now 2 of 4 in Q4 within one theme: half → a mandated support candidate.
    assert counted.segment == 3
    assert counted.criterion("bottom_quartile_theme").status == MET


def test_cqc_below_good_or_missing_denies_segment_1():
    metrics = (metric("A", 1), metric("B", 1))
    assert sof_proposal(body(*metrics, *cqc(3, 2)), P).segment == 2
    missing = sof_proposal(body(*metrics, *cqc(2, None)), P)
    assert missing.segment == 2
    assert missing.criterion("cqc_good").evidence == (
        "CQC overall Good (S001); no CQC well-led rating this quarter."
    )


def test_cqc_is_not_applicable_to_ccgs():
    outcome = sof_proposal(body(metric("A", 1), metric("B", 2), kind="ccg", group="ccg"), P)
    assert outcome.criterion("cqc_good").status == NOT_APPLICABLE
    assert outcome.criterion("cqc_poor").status == NOT_APPLICABLE
    assert outcome.segment == 1


def test_negative_variance_denies_segment_1_and_makes_a_segment_3_candidate():
    facts = body(
        metric("A", 1),
        metric("B", 1),
        *GOOD,
        flags=(flag("negative_variance_financial_plan", "S054"),),
    )
    outcome = sof_proposal(facts, P)
    assert outcome.criterion("no_negative_variance").status == NOT_MET
    assert outcome.criterion("negative_variance").status == MET
    assert outcome.criterion("negative_variance").evidence == (
        "Negative variance against financial plan flagged on S054."
    )
    assert outcome.segment == 3


def test_an_ics_needs_positive_trends_and_has_judgement_items():
    metrics = (metric("A", 1), metric("B", 1))
    improving = body(*metrics, kind="ics", group="ics", flags=(flag("spc_improvement", "A"),))
    outcome = sof_proposal(improving, P)
    assert outcome.segment == 1
    assert outcome.criterion("positive_trends").status == MET
    assert outcome.criterion("tackling_variation").status == NOT_APPLICABLE
    assert "judgement item" in outcome.criterion("four_purposes").evidence
    flat = sof_proposal(body(*metrics, kind="ics", group="ics"), P)
    assert flat.criterion("positive_trends").evidence == (
        "0 SPC improvement flag(s) (at least 1 needed); 0 SPC concern flag(s) (at most 0 allowed)."
    )
    assert flat.segment == 2
    mixed = body(
        *metrics,
        kind="ics",
        group="ics",
        flags=(flag("spc_improvement", "A"), flag("spc_concern", "B")),
    )
    assert sof_proposal(mixed, P).segment == 2


# --- segment 3 -------------------------------------------------------------------------------


def test_half_of_one_themes_quartiled_metrics_in_quartile_4():
    # people: 2 of 4 in Q4 (half) → met; quality: 1 of 3 → not.
    facts = body(
        metric("Q1", 4),
        metric("Q2", 2),
        metric("Q3", 1),
        metric("P1", 4, theme="people"),
        metric("P2", 4, theme="people"),
        metric("P3", 1, theme="people"),
        metric("P4", 2, theme="people"),
    )
    outcome = sof_proposal(facts, P)
    criterion = outcome.criterion("bottom_quartile_theme")
    assert criterion.status == MET
    assert criterion.evidence == (
        "People: 2 of 4 quartiled metrics in quartile 4: P1 and P2 (at least half needed)."
    )
    assert outcome.segment == 3
    assert outcome.summary == (
        "Proposed 3: mandated support candidate (bottom quartile across the metrics of a theme)."
    )


def test_just_under_half_in_quartile_4_says_the_worst_theme():
    facts = body(metric("Q1", 4), metric("Q2", 2), metric("Q3", 1))
    criterion = sof_proposal(facts, P).criterion("bottom_quartile_theme")
    assert criterion.status == NOT_MET
    assert criterion.evidence == (
        "No theme has at least half of its quartiled metrics in quartile 4; the most is "
        "Quality, 1 of 3: Q1."
    )


def test_a_theme_needs_the_minimum_number_of_quartiled_metrics():
    facts = body(metric("Q1", 4), metric("Q2", 1), metric("Q3", 1), metric("P1", 4, theme="people"))
    assert sof_proposal(facts, P).segment == 3  # people: 1 of 1
    assert sof_proposal(facts, replace(P, bottom_theme_min_metrics=2)).segment == 2


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("dramatic_drop", "dramatic_drop"),
        ("sustained_very_poor", "sustained_very_poor"),
        ("negative_variance_financial_plan", "negative_variance"),
    ],
)
def test_each_flag_criterion_alone_makes_a_segment_3_candidate(kind, code):
    facts = body(metric("A", 1), metric("B", 1), *GOOD, flags=(flag(kind, "A"),))
    outcome = sof_proposal(facts, P)
    assert outcome.criterion(code).status == MET
    assert outcome.criterion(code).flags[0].kind == kind
    assert outcome.segment == 3  # segment 3 wins over the segment 1 strengths


def test_cqc_requires_improvement_overall_and_well_led():
    assert sof_proposal(body(metric("A", 2), *cqc(3, 3)), P).segment == 3
    assert sof_proposal(body(metric("A", 2), *cqc(4, 3)), P).segment == 3
    assert sof_proposal(body(metric("A", 2), *cqc(3, 2)), P).segment == 2  # not both


# --- segment 4 and the defaults --------------------------------------------------------------


def test_segment_4_is_never_proposed_without_a_support_case():
    worst = body(
        metric("A", 4),
        metric("B", 4),
        *cqc(4, 4),
        flags=(flag("dramatic_drop", "A"), flag("sustained_very_poor", "B")),
    )
    assert sof_proposal(worst, P).segment == 3


def test_a_body_in_rsp_is_proposed_4_until_it_exits():
    facts = body(metric("A", 1), metric("B", 1), *GOOD, support=(rsp(),))
    outcome = sof_proposal(facts, P)
    assert outcome.segment == 4
    assert outcome.basis == "support_programme"
    assert outcome.criterion("support_programme").evidence == (
        "In the Recovery Support Programme since 1 May 2021 (rsp-case:1), not exited by the "
        "quarter's end."
    )


def test_no_data_at_all_leaves_the_body_in_segment_2():
    outcome = sof_proposal(body(), P)
    assert outcome.segment == 2
    assert outcome.basis == "default"
    assert outcome.criterion("top_quartile").evidence == "No quartiled metric this quarter."
    assert outcome.average_score is None


def test_missing_scores_are_left_out_of_the_average():
    # Scores 1.00 and 2.00 (weights 1), a metric without a score: (1 + 2) / 2 = 1.50.
    facts = body(metric("A", 1, score="1.00"), metric("B", 2, score="2.00"), metric("C", None))
    outcome = sof_proposal(facts, P)
    assert outcome.average_score == Decimal("1.50")
    assert outcome.scored_metrics == 2
