"""Proposals computed from a published run: stored per body, quarter and method with their
criteria and run; idempotent; only the quarter's current run; RSP; a NOF method alongside.

The picture (tests.metrics.results_data): five acute trusts with results; RA1's A&E
performance falls to 48% in 2021-22 Q3 (a dramatic drop outside the SPC limits).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from metrics.calculation.runs import run_calculation
from metrics.models.calculation import CalculationRun
from oversight.celery import app
from segmentation.methods import method_ensure
from segmentation.models import Proposal, SegmentationEvent, SegmentationMethod
from segmentation.proposals import proposals_compute
from segmentation.support import support_entered, support_exited
from segmentation.sweep import proposals_sweep
from tests.metrics.results_data import Picture

pytestmark = pytest.mark.django_db

BODIES = ["0A1", "QA1", "QA2", "QB1", "RA1", "RA2", "RA3", "RB1", "RB2", "RB3"]


def proposals(picture: Picture, method: str = "sof-2021-22") -> dict[str, Proposal]:
    rows = Proposal.objects.filter(period=picture.latest, method__code=method)
    return {p.organisation.ods_code: p for p in rows.select_related("organisation")}


def criterion(proposal: Proposal, code: str) -> dict:
    return next(c for c in proposal.criteria if c["code"] == code)


def test_every_open_body_gets_a_proposal_with_its_criteria_and_run(picture: Picture):
    found = proposals(picture)
    assert sorted(found) == BODIES  # ICSs, the CCG and every trust, open at the quarter's end
    ra1 = found["RA1"]
    assert (ra1.segment, ra1.basis, ra1.run_id) == (3, "segment_3_candidate", picture.latest_run.pk)
    assert ra1.method_version == 1
    drop = criterion(ra1, "dramatic_drop")
    assert drop["status"] == "met"
    assert drop["flags"] == [{"metric": "M01", "kind": "dramatic_drop"}]
    assert criterion(ra1, "top_quartile")["evidence"] == (
        "2 of 3 quartiled metrics in quartile 1 (at least half needed): M02 and M04; "
        "1 in quartile 4 (at most 0 allowed): M01."
    )
    # RA3 is best on every metric but has no CQC rating in this edition: not segment 1.
    ra3 = found["RA3"]
    assert ra3.segment == 2
    assert criterion(ra3, "top_quartile")["status"] == "met"
    assert criterion(ra3, "cqc_good")["status"] == "not_met"
    # A body without results is proposed 2 and says why.
    assert found["QB1"].segment == 2
    assert (
        criterion(found["QB1"], "top_quartile")["evidence"] == "No quartiled metric this quarter."
    )
    event = SegmentationEvent.objects.get(action="proposals_computed", run=picture.latest_run)
    assert event.detail["segments"] == {"2": 6, "3": 4}


def test_computing_twice_changes_nothing(picture: Picture):
    before = {code: (p.pk, p.segment, p.criteria) for code, p in proposals(picture).items()}
    assert proposals_compute(run_id=picture.latest_run.pk) == {"sof-2021-22": 10}
    after = {code: (p.pk, p.segment, p.criteria) for code, p in proposals(picture).items()}
    assert after == before
    assert Proposal.objects.count() == 10


def test_a_run_that_is_no_longer_current_computes_nothing(picture: Picture):
    newer = CalculationRun.objects.create(
        period=picture.latest, edition=picture.edition, reason="again", full_requested=True
    )
    run_calculation(newer.pk)
    assert proposals_compute(run_id=picture.latest_run.pk) == {}
    assert {p.run_id for p in proposals(picture).values()} == {picture.latest_run.pk}
    assert proposals_compute(run_id=newer.pk) == {"sof-2021-22": 10}
    assert {p.run_id for p in proposals(picture).values()} == {newer.pk}
    assert proposals_compute(run_id=999_999) == {}


def test_a_body_in_rsp_is_proposed_4_until_it_exits(picture: Picture, registry):
    support_entered(
        organisation=registry.trust_a3,
        programme="rsp",
        entered_on=date(2021, 6, 1),
        reference="rsp-case:7",
        url="/cases/7/",
    )
    proposals_compute(run_id=picture.latest_run.pk)
    ra3 = proposals(picture)["RA3"]
    assert (ra3.segment, ra3.basis) == (4, "support_programme")
    assert criterion(ra3, "support_programme")["evidence"] == (
        "In the Recovery Support Programme since 1 June 2021 (rsp-case:7), not exited by the "
        "quarter's end."
    )
    support_exited(reference="rsp-case:7", exited_on=date(2022, 1, 15))  # after Q3's end
    proposals_compute(run_id=picture.latest_run.pk)
    assert proposals(picture)["RA3"].segment == 4
    support_exited(reference="rsp-case:7", exited_on=date(2021, 12, 31))  # by Q3's end
    proposals_compute(run_id=picture.latest_run.pk)
    assert proposals(picture)["RA3"].segment == 2


def test_a_nof_method_segments_the_same_results(picture: Picture):
    SegmentationMethod.objects.create(
        edition=picture.edition,
        code="nof-style",
        name="Average score (test)",
        rules="nof_2025_26",
        segmented_kinds="trust",
        highest_segment=5,
        deficit_metrics="M04",
    )
    proposals_compute(run_id=picture.latest_run.pk)
    found = proposals(picture, "nof-style")
    assert sorted(found) == ["RA1", "RA2", "RA3", "RB1", "RB2", "RB3"]
    averages = {code: p.average_score for code, p in found.items()}
    assert averages == {
        "RA1": Decimal("2.25"),
        "RA2": None,  # mental health: no scored metric applies
        "RA3": Decimal("1.58"),
        "RB1": Decimal("2.83"),
        "RB2": Decimal("3.00"),
        "RB3": Decimal("3.67"),
    }
    # Sorted 1.58, 2.25, 2.83, 3.00, 3.67 (n = 5): P25 = 2.25, P50 = 2.83, P75 = 3.00.
    # RB1 is 2 by quartile, but its M04 (variance to plan) is -0.5, below 0: override → 3.
    segments = {code: p.segment for code, p in found.items()}
    assert segments == {"RA1": 1, "RA2": None, "RA3": 1, "RB1": 3, "RB2": 4, "RB3": 4}
    assert found["RB1"].basis == "financial_override"
    assert criterion(found["RB1"], "in_deficit")["evidence"] == (
        "M04 = -0.5: below 0, in deficit; segment 2 → 3."
    )


def test_every_edition_gets_a_primary_method_with_its_defaults(picture: Picture):
    method = method_ensure(picture.edition)
    assert (method.code, method.primary, method.version) == ("sof-2021-22", True, 1)
    assert method.kinds == {"ics", "ccg", "trust"}
    assert (method.support_programme, method.support_segment) == ("rsp", 4)
    assert method_ensure(picture.edition) == method


def test_a_published_run_computes_its_proposals_through_the_signal(
    picture: Picture, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    newer = CalculationRun.objects.create(
        period=picture.latest, edition=picture.edition, reason="again", full_requested=True
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run_calculation(newer.pk)
    assert callbacks, "publishing the run sent nothing after the commit"
    assert {p.run_id for p in proposals(picture).values()} == {newer.pk}


def test_the_sweeper_sends_current_runs_never_computed(picture: Picture, monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr("segmentation.sweep.proposals_enqueue", sent.append)
    earlier = picture.runs[0]  # 2021-22 Q2: calculated, its proposals never computed
    assert proposals_sweep() == [earlier.pk]
    assert sent == [earlier.pk]
    proposals_compute(run_id=earlier.pk)
    assert proposals_sweep() == []
