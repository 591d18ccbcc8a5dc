"""The demo's regional judgement: candidates for mandated support are not all put into it."""

from __future__ import annotations

from segmentation.criteria import MET, NOT_MET, SEGMENT_3
from segmentation.demo import mandated_by_judgement
from segmentation.models import Proposal


def proposal(pk: int, segment: int, flags_cited: int = 0) -> Proposal:
    criteria = [
        {"code": "dramatic_drop", "group": SEGMENT_3, "status": MET if flags_cited else NOT_MET,
         "flags": [{"metric": f"S{n:03}", "kind": "dramatic_drop"} for n in range(flags_cited)]},
    ]  # fmt: skip
    return Proposal(pk=pk, segment=segment, criteria=criteria)


def test_a_quarter_of_the_region_at_most_and_the_most_evidenced_first() -> None:
    region = [proposal(1, 3, 1), proposal(2, 3, 5), proposal(3, 3, 2), proposal(4, 2)]
    region += [proposal(pk, 3, 1) for pk in range(5, 9)]

    assert mandated_by_judgement(region) == {
        2,
        3,
    }  # 8 bodies: a quarter is 2, the two with most flags


def test_bodies_not_proposed_three_are_never_mandated() -> None:
    assert mandated_by_judgement([proposal(1, 2), proposal(2, 1), proposal(3, None)]) == set()
