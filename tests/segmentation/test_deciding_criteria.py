"""Which criteria, in words, explain a proposed segment (shown with a published segment)."""

from __future__ import annotations

from segmentation.criteria import MET, NOT_MET, SEGMENT_1, SEGMENT_3, deciding_labels

CRITERIA = [
    {
        "code": "bottom_quartile_theme",
        "group": SEGMENT_3,
        "label": "Bottom quartile",
        "status": MET,
    },
    {"code": "dramatic_drop", "group": SEGMENT_3, "label": "Dramatic drop", "status": MET},
    {"code": "cqc_below_good", "group": SEGMENT_3, "label": "CQC below", "status": NOT_MET},
    {"code": "no_negative_variance", "group": SEGMENT_1, "label": "No variance", "status": MET},
]
MET_CODES = ["bottom_quartile_theme", "dramatic_drop", "no_negative_variance"]


def test_a_segment_3_proposal_is_explained_by_its_own_group_only() -> None:
    assert deciding_labels(CRITERIA, MET_CODES, 3) == ["Bottom quartile", "Dramatic drop"]


def test_a_segment_1_proposal_by_the_segment_1_criteria() -> None:
    assert deciding_labels(CRITERIA, MET_CODES, 1) == ["No variance"]


def test_the_default_segment_has_no_deciding_criteria() -> None:
    assert deciding_labels(CRITERIA, MET_CODES, 2) == []
    assert deciding_labels(CRITERIA, MET_CODES, None) == []


def test_only_the_codes_the_decision_kept_count() -> None:
    assert deciding_labels(CRITERIA, ["dramatic_drop"], 3) == ["Dramatic drop"]
