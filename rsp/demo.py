"""Demo step: support cases at different stages, through the operations the pages call.

- the SID's trust (sid@) in the Recovery Support Programme for eight months: jointly appointed
  SID, stocktake, exit criteria (one measured against a metric of its latest data, evaluated
  with its SPC context; one met with evidence; one not yet), a plan with actions overdue, due
  this week, proposed for closure and closed, milestones, a progress review and a leadership
  capability review, notes (internal and shared) and an evidence file;
- the submitter's trust in mandated support, led by the regional lead: stocktake and a plan
  under way (its own users see it, without the internal notes);
- a trust of the second region just entered into RSP on CQC's recommendation, its SID not yet
  appointed.
Confirmed segment 3 and 4 decisions of the segmentation demo open cases too (that is the
rule); those are left at their first step. Safe to re-run: a body with an open case of the
programme is left alone.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TextIO

from django.test.utils import override_settings
from django.utils import timezone

from accounts.demo import demo_scopes
from accounts.models import User
from metrics.models.results import MetricResult
from oversight.models import Organisation, OrganisationKind, Region
from rsp.cases import Appointment, case_appoint_lead, case_open, case_update_details
from rsp.criteria import CriterionInput, criterion_add, criterion_set_status
from rsp.documents import Upload, document_add
from rsp.models import Action, Case, CaseRoute, CaseState, Programme, Rag, Workstream
from rsp.notes import note_add
from rsp.plan import (
    ActionInput,
    action_add,
    action_close,
    action_propose_closure,
    action_update,
    milestone_achieve,
    milestone_add,
    workstream_add,
)
from rsp.programmes import programmes_ensure
from rsp.reviews import ReviewInput, review_record
from rsp.stocktake import stocktake_record

LEAD, DEPUTY = "region.lead@oversight.example", "region.deputy@oversight.example"
LEAD2 = "region2.lead@oversight.example"
SID, SUBMITTER = "sid@oversight.example", "submitter@oversight.example"
EDITION = "sof-2021-22"
EVIDENCE = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def support_cases(*, ods_folder: Path | None, stdout: TextIO) -> None:
    """Demo step (see the module docstring)."""
    programmes_ensure()
    users = {
        u.email: u for u in User.objects.filter(email__in=[LEAD, DEPUTY, LEAD2, SID, SUBMITTER])
    }
    if len(users) < 5:
        stdout.write("The demo users are missing: no support cases.\n")
        return
    scopes = demo_scopes()
    sid_trust, trust, region2 = scopes["sid_trust"], scopes["trust"], scopes["region2"]
    assert isinstance(sid_trust, Organisation)
    assert isinstance(trust, Organisation)
    assert isinstance(region2, Region)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        _rsp_case(sid_trust, users, stdout)
        _mandated_case(trust, users, stdout)
        _new_rsp_case(region2, users[LEAD2], stdout)


def _programme(segment: int) -> Programme:
    return Programme.objects.get(edition_code=EDITION, segment=segment)


def _open(
    body: Organisation, segment: int, lead: User, days_ago: int, *, cqc: bool = False
) -> Case | None:
    """A new case, or None when the body already has one open (re-run, or opened by a decision)."""
    programme = _programme(segment)
    existing = Case.objects.filter(
        organisation=body, programme=programme, state=CaseState.OPEN
    ).first()
    if existing is not None and existing.events.count() > 1:
        return None  # the demo's own case, from an earlier run
    if existing is not None:
        return existing
    return case_open(
        organisation=body,
        programme=programme,
        entered_on=timezone.localdate() - timedelta(days=days_ago),
        route=CaseRoute.DECISION,
        user=lead,
        what=f"{programme.name} case opened: segment {segment} decided and confirmed.",
        cqc_recommended_entry=cqc,
    )


def _rsp_case(body: Organisation, users: dict[str, User], stdout: TextIO) -> None:
    lead, sid = users[LEAD], users[SID]
    case = _open(body, 4, lead, 240)
    if case is None:
        return
    today = timezone.localdate()
    case_appoint_lead(
        case=case,
        appointment=Appointment(
            lead=sid,
            system_party=f"{body.system.name if body.system else body.region.name} chair",
            regional_party=f"{body.region.name} regional director",
            national_party="RSP national team",
            reports_to="The system's chief executive",
        ),
        user=lead,
    )
    case_update_details(
        case=case,
        indicative_exit_on=today + timedelta(days=120),
        cqc_recommended_entry=False,
        reason="Agreed at the diagnostic stocktake",
        user=sid,
    )
    stocktake_record(
        case=case,
        held_on=case.entered_on + timedelta(days=21),
        partners="The trust's board\nThe ICS\nNHS England regional team\nCQC",
        root_causes={
            "quality": "Emergency pathway flow: long waits in the emergency department.",
            "finance": "Underlying deficit; run-rate above plan.",
            "leadership": "Interim executives in three posts; board assurance weak.",
        },
        recommended_exit_criteria="A&E performance back within range\nSubstantive executive team",
        user=sid,
    )
    _criteria(case, body, sid)
    _plan(case, sid, lead)
    review_record(
        case=case,
        given=ReviewInput(
            held_on=today - timedelta(days=75),
            attendees="SID\nTrust chair and chief executive\nRegional director\nICS lead",
            summary="Flow improving; finance recovery plan agreed; executive recruitment behind.",
            overall_rag=Rag.AMBER,
            decisions="Recruitment plan to the next board.",
            next_review_on=today + timedelta(days=5),
        ),
        user=sid,
    )
    review_record(
        case=case,
        given=ReviewInput(
            kind="leadership",
            held_on=today - timedelta(days=40),
            attendees="SID\nTrust chair\nRegional director",
            summary="Board development programme under way; two substantive appointments made.",
            overall_rag=Rag.GREEN,
        ),
        user=sid,
    )
    note_add(
        case=case,
        text="Chair and chief executive disagree on the pace of recovery.",
        internal=True,
        user=sid,
    )
    note_add(
        case=case,
        text="The board approved the improvement plan in public session.",
        internal=False,
        user=sid,
    )
    stdout.write(f"  RSP case {case.pk}: {body.name}, led by {sid.email}\n")


def _criteria(case: Case, body: Organisation, sid: User) -> None:
    results = (
        MetricResult.objects.filter(organisation=body, run__current_for__isnull=False)
        .exclude(metric__polarity="neutral")
        .select_related("metric")
        .order_by("-period__year", "-period__quarter", "metric__code")
    )
    latest = results.filter(metric__value_type="percentage").first() or results.first()
    if latest is not None:
        metric, value = latest.metric, latest.value
        higher = metric.polarity == "higher_better"
        # A target a little better than now: not met yet, within reach.
        if higher:
            target = round(value + (100 - value) / 2 if metric.unit == "%" else value * 1.1, 1)
        else:
            target = round(value * 0.9, 1)
        criterion_add(
            case=case,
            given=CriterionInput(
                f"{metric.name}: {'at least' if higher else 'at most'} {target:g}"
                + (metric.unit if metric.unit == "%" else f" {metric.unit}"),
                metric,
                "gte" if higher else "lte",
                target,
            ),
            user=sid,
            at_entry=True,
        )
    board = criterion_add(
        case=case,
        given=CriterionInput("Substantive executive team in post"),
        user=sid,
        at_entry=True,
    )
    criterion_set_status(
        criterion=board,
        status="met",
        evidence="Chief executive, finance and nursing directors appointed.",
        user=sid,
    )
    criterion_add(
        case=case,
        given=CriterionInput("Financial recovery plan delivered for two quarters"),
        user=sid,
        at_entry=True,
    )


def _plan(case: Case, sid: User, lead: User) -> None:
    day = timezone.localdate()
    flow = workstream_add(
        case=case,
        title="Urgent and emergency care flow",
        lead_name="Chief operating officer",
        user=sid,
    )
    money = workstream_add(
        case=case, title="Financial recovery", lead_name="Director of finance", user=sid
    )

    def add(workstream: Workstream, title: str, owner: User, start: int, due: int) -> Action:
        return action_add(
            workstream=workstream,
            given=ActionInput(
                title,
                owner=owner,
                due_on=day + timedelta(days=due),
                starts_on=day - timedelta(days=start),
            ),
            user=sid,
        )

    done = add(flow, "Open the same-day emergency care unit at weekends", sid, 120, -30)
    action_update(action=done, progress=100, note="Open since the start of the month.", user=sid)
    action_propose_closure(
        action=done, note="Unit open seven days; activity report attached.", user=sid
    )
    action_close(action=done, note="Seen the activity report.", user=lead)
    late = add(flow, "Discharge-to-assess pathway with the council", sid, 90, -6)
    action_update(
        action=late, progress=55, note="Pathway agreed; council staffing delayed.", user=sid
    )
    soon = add(money, "Agency spend controls signed off by the board", sid, 60, 3)
    action_update(action=soon, progress=60, note="Controls drafted.", user=sid)
    proposed = add(money, "Run-rate report to the ICS each month", sid, 80, 20)
    action_update(action=proposed, progress=100, note="Three monthly reports sent.", user=sid)
    document_add(
        case=case,
        upload=Upload(
            "run-rate-report.pdf", EVIDENCE, title="Run-rate report, latest month", action=proposed
        ),
        user=sid,
    )
    action_propose_closure(action=proposed, note="Reports sent monthly since the summer.", user=sid)
    add(money, "Workforce plan within the financial envelope", sid, 10, 70)
    first = milestone_add(
        case=case,
        title="Improvement plan approved by the board",
        due_on=day - timedelta(days=150),
        user=sid,
    )
    milestone_achieve(milestone=first, achieved_on=day - timedelta(days=152), user=sid)
    milestone_add(
        case=case, title="Exit review with the region", due_on=day + timedelta(days=110), user=sid
    )


def _mandated_case(body: Organisation, users: dict[str, User], stdout: TextIO) -> None:
    lead = users[LEAD]
    case = _open(body, 3, lead, 90)
    if case is None:
        return
    if case.lead is None:
        case_appoint_lead(case=case, appointment=Appointment(lead=lead), user=lead)
    day = timezone.localdate()
    stocktake_record(
        case=case,
        held_on=case.entered_on + timedelta(days=14),
        partners="The trust's board\nThe ICS\nNHS England regional team",
        root_causes={"quality": "Elective waiting list growth; theatre utilisation low."},
        recommended_exit_criteria="Waiting list back on its trajectory for two quarters",
        user=lead,
    )
    criterion_add(
        case=case,
        given=CriterionInput("Waiting list on trajectory for two quarters"),
        user=lead,
        at_entry=True,
    )
    theatres = workstream_add(
        case=case, title="Theatre productivity", lead_name="Medical director", user=lead
    )
    action = action_add(
        workstream=theatres,
        given=ActionInput(
            "Theatre scheduling review",
            owner=users[SUBMITTER],
            due_on=day + timedelta(days=30),
            starts_on=day - timedelta(days=30),
        ),
        user=lead,
    )
    action_update(action=action, progress=40, note="Review half done.", user=users[SUBMITTER])
    note_add(
        case=case,
        text="Consider escalation to RSP if the next quarter does not improve.",
        internal=True,
        user=lead,
    )
    stdout.write(f"  Mandated support case {case.pk}: {body.name}, led by {lead.email}\n")


def _new_rsp_case(region: Region, lead: User, stdout: TextIO) -> None:
    body = (
        Organisation.objects.filter(
            region=region, kind=OrganisationKind.TRUST, closed_on__isnull=True
        )
        .order_by("ods_code")
        .first()
    )
    if body is None:
        return
    case = _open(body, 4, lead, 20, cqc=True)
    if case is None or case.events.count() > 1:
        return
    document_add(
        case=case,
        upload=Upload(
            "cqc-recommendation.pdf",
            EVIDENCE,
            kind="cqc_entry",
            title="CQC's recommendation to enter RSP",
        ),
        user=lead,
    )
    stdout.write(f"  RSP case {case.pk}: {body.name}, on CQC's recommendation, SID to appoint\n")
