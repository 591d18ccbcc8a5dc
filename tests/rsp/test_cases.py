"""The case's lifecycle: opened by a confirmed decision, led, and exited by the rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oversight.errors import ActionRefused, InputRejected, NotPermitted
from rsp.cases import (
    Appointment,
    case_appoint_lead,
    case_exit,
    case_open_for_system,
    case_update_details,
)
from rsp.criteria import CriterionInput, criterion_add, criterion_set_status
from rsp.documents import Upload, document_add
from rsp.models import Case, CaseEvent, CaseState, DocumentKind, Programme
from segmentation.decisions import Judgement, decision_confirm, decision_record, decision_send_back
from segmentation.models import SupportEntry
from segmentation.support import support_open
from tests.conftest import Cast, Registry
from tests.metrics.results_data import Picture
from tests.rsp.conftest import open_case

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _decide(picture: Picture, cast: Cast, lead_a2, capture, code: str, segment: int):
    with capture(execute=True):
        decision = decision_record(
            organisation=picture.bodies[code],
            period=picture.latest,
            segment=segment,
            judgement=Judgement(rationale="Needs intensive support"),
            user=cast.lead_a,
        )
        decision_confirm(decision=decision, user=lead_a2)
    return decision


def test_a_confirmed_segment_4_decision_opens_an_rsp_case_once(
    picture: Picture, cast: Cast, lead_a2, django_capture_on_commit_callbacks
):
    decision = _decide(picture, cast, lead_a2, django_capture_on_commit_callbacks, "RA3", 4)
    case = Case.objects.get(organisation__ods_code="RA3")
    assert (case.programme.kind, case.segment, case.route, case.state) == (
        "rsp",
        4,
        "decision",
        "open",
    )
    assert case.decision == decision
    assert case.lead is None  # a SID is appointed jointly, afterwards
    entry = SupportEntry.objects.get(reference=case.reference)
    assert (entry.programme, entry.entered_on, entry.exited_on) == ("rsp", case.entered_on, None)
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.actor) == ("opened", lead_a2)
    # The signal again (a repeated confirmation, a retry) finds the open case.
    from rsp.cases import case_open_from_decision

    assert case_open_from_decision(decision=decision, user=lead_a2) == case
    assert Case.objects.count() == 1


def test_a_confirmed_segment_3_decision_opens_mandated_support_led_by_the_region(
    picture: Picture, cast: Cast, lead_a2, django_capture_on_commit_callbacks
):
    _decide(picture, cast, lead_a2, django_capture_on_commit_callbacks, "RA1", 3)
    case = Case.objects.get(organisation__ods_code="RA1")
    assert (case.programme.name, case.lead) == ("Mandated support", lead_a2)
    assert lead_a2.has_perm("rsp.work_case", case)


def test_a_decision_sent_back_after_confirmation_withdraws_its_case(
    picture: Picture, cast: Cast, lead_a2, django_capture_on_commit_callbacks
):
    decision = _decide(picture, cast, lead_a2, django_capture_on_commit_callbacks, "RA3", 4)
    with django_capture_on_commit_callbacks(execute=True):
        decision_send_back(decision=decision, reason="Wrong body", user=cast.lead_a)
    case = Case.objects.get(organisation__ods_code="RA3")
    assert case.state == CaseState.WITHDRAWN
    assert support_open([case.organisation_id], timezone.localdate()) == {}


def test_a_segment_2_decision_opens_no_case(
    picture: Picture, cast: Cast, lead_a2, django_capture_on_commit_callbacks
):
    _decide(picture, cast, lead_a2, django_capture_on_commit_callbacks, "RA3", 2)
    assert not Case.objects.exists()


def test_the_sid_is_appointed_jointly_by_the_regional_lead(rsp_case: Case, cast: Cast, sid_b):
    rsp_case.lead = None
    rsp_case.save()
    with pytest.raises(NotPermitted):
        case_appoint_lead(case=rsp_case, appointment=Appointment(lead=cast.sid), user=cast.sid)
    with pytest.raises(InputRejected) as refused:
        case_appoint_lead(
            case=rsp_case, appointment=Appointment(lead=cast.submitter), user=cast.lead_a
        )
    assert set(refused.value.problems) == {
        "lead",
        "system_party",
        "regional_party",
        "national_party",
    }
    joint = Appointment(
        lead=sid_b,
        system_party="System A2 chair",
        regional_party="Region A director",
        national_party="RSP national team",
        reports_to="System A2 chief executive",
    )
    case_appoint_lead(case=rsp_case, appointment=joint, user=cast.lead_a)
    case_appoint_lead(
        case=rsp_case,
        appointment=Appointment(**{**joint.__dict__, "lead": cast.sid}),
        user=cast.lead_a,
    )
    rsp_case.refresh_from_db()
    assert rsp_case.lead == cast.sid
    assert cast.sid.has_perm("rsp.work_case", rsp_case)
    assert not sid_b.has_perm("rsp.view_case", rsp_case)  # the replaced SID loses the case
    assert "replacing Other SID" in rsp_case.events.filter(action="lead_appointed")[0].what


def test_exit_needs_every_criterion_met(rsp_case: Case, cast: Cast):
    with pytest.raises(ActionRefused, match="no exit criteria"):
        _exit(rsp_case, cast)
    first = criterion_add(
        case=rsp_case, given=CriterionInput("Board capability assured"), user=cast.sid
    )
    criterion_add(case=rsp_case, given=CriterionInput("Financial plan agreed"), user=cast.sid)
    criterion_set_status(criterion=first, status="met", evidence="Well-led review", user=cast.sid)
    with pytest.raises(ActionRefused, match="1 of 2 exit criteria are not met"):
        _exit(rsp_case, cast)
    assert rsp_case.criteria.filter(status="met").count() == 1


def test_exit_on_cqc_entry_needs_cqcs_exit_recommendation(rsp_case: Case, cast: Cast):
    case_update_details(
        case=rsp_case,
        indicative_exit_on=timezone.localdate() + timedelta(days=300),
        cqc_recommended_entry=True,
        reason="CQC's letter of 3 March",
        user=cast.lead_a,
    )
    criterion = criterion_add(case=rsp_case, given=CriterionInput("Quality"), user=cast.sid)
    criterion_set_status(criterion=criterion, status="met", evidence="Inspection", user=cast.sid)
    rsp_case.refresh_from_db()
    with pytest.raises(ActionRefused, match="attach CQC's recommendation to exit"):
        _exit(rsp_case, cast)
    document_add(
        case=rsp_case,
        upload=Upload("cqc-exit.pdf", PDF, kind=DocumentKind.CQC_EXIT),
        user=cast.sid,
    )
    with pytest.raises(NotPermitted):  # the SID runs the case; the region decides its exit
        _exit(rsp_case, cast, user=cast.sid)
    with pytest.raises(InputRejected) as refused:
        _exit(rsp_case, cast, new_segment=4)
    assert refused.value.problems == {"new_segment": ["The new segment must be from 1 to 3."]}
    exited = _exit(rsp_case, cast)
    assert (exited.state, exited.exit_segment, exited.exited_by) == ("exited", 3, cast.lead_a)
    entry = SupportEntry.objects.get(reference=rsp_case.reference)
    assert entry.exited_on == exited.exited_on
    # From the day after, the body is no longer in the programme: no longer proposed 4.
    assert support_open([rsp_case.organisation_id], exited.exited_on) == {}
    assert rsp_case.events.filter(action="exited", why="Criteria met").exists()
    with pytest.raises(ActionRefused, match="exited already"):
        _exit(rsp_case, cast)


def _exit(case: Case, cast: Cast, *, user=None, new_segment: int = 3) -> Case:
    return case_exit(
        case=case,
        exited_on=timezone.localdate(),
        decision="Criteria met",
        new_segment=new_segment,
        user=user or cast.lead_a,
    )


def test_a_national_admin_opens_a_case_for_a_whole_system(registry: Registry, cast: Cast):
    programme = Programme.objects.get(edition_code="sof-2021-22", segment=4)
    common = {
        "system": registry.system_a1,
        "programme": programme,
        "entered_on": timezone.localdate(),
        "cqc_recommended_entry": False,
        "reason": "System-wide financial recovery",
    }
    with pytest.raises(NotPermitted):
        case_open_for_system(**common, user=cast.lead_a)
    case = case_open_for_system(**common, user=cast.national)
    assert (case.organisation.ods_code, case.system, case.route) == (
        "QA1",
        registry.system_a1,
        "national",
    )
    assert case.subject_name == "System A1 (whole system)"
    with pytest.raises(ActionRefused, match="already has an open"):
        case_open_for_system(**common, user=cast.national)


def test_closed_cases_refuse_changes(rsp_case: Case, cast: Cast):
    rsp_case.state = CaseState.WITHDRAWN
    rsp_case.save()
    with pytest.raises(ActionRefused):
        criterion_add(case=rsp_case, given=CriterionInput("Anything"), user=cast.sid)


def test_open_case_helper_matches_the_operations(registry: Registry, cast: Cast):
    case = open_case(registry.trust_a1, segment=3, lead=cast.lead_a)
    assert case.programme.lead_kind == "regional_lead"


def test_entering_rsp_withdraws_the_bodys_mandated_support_case(registry: Registry, cast: Cast):
    from rsp.cases import case_open

    mandated = open_case(registry.trust_a1, segment=3, lead=cast.lead_a)
    rsp = case_open(
        organisation=registry.trust_a1,
        programme=Programme.objects.get(edition_code="sof-2021-22", segment=4),
        entered_on=timezone.localdate(),
        route="decision",
        user=cast.lead_a,
        what="RSP case opened.",
    )
    mandated.refresh_from_db()
    assert mandated.state == CaseState.WITHDRAWN
    assert (
        mandated.events.get(action="withdrawn").why
        == f"Escalated to the Recovery Support Programme (case {rsp.pk})."
    )
    assert [
        f.programme
        for f in support_open([registry.trust_a1.pk], timezone.localdate())[registry.trust_a1.pk]
    ] == ["rsp"]
