"""The world the access matrix runs in, built once for the package: the fixed cast's registry
and users (tests.conftest) and, in each of the two regions, one of everything a URL can name —
a return, a calculation run, a proposal and a decision, a support case with its parts, an ICS
agreement, a concern, a meeting with an action. Region A's objects are about trust RA1 (ICS
QA1), its case about RA3 (led by the cast's SID); region B's are about RB1 (ICS QB1).

The REFERENCE POLICY below is written here in plain Python from DESIGN.md "Tenancy and
permissions" and README "Who may do what"; it derives nothing from the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.scope import role_grant
from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import Metric, Period
from metrics.models.returns import Return
from oversight.models import Organisation
from rsp.cases import grant_lead
from rsp.models import Case, CaseRoute, Programme
from segmentation.decisions import Judgement, decision_record
from segmentation.models import Proposal, SegmentDecision
from segmentation.proposals import proposals_compute
from systemlens.models import Agreement, Concern, Meeting, MeetingAction
from tests.conftest import Cast, Registry, cast_build, registry_build
from tests.factories import UserFactory
from tests.metrics.results_data import Picture, build_picture

EDITION = "sof-2021-22"

# --- the reference policy ----------------------------------------------------------------------

# Where each member of the cast holds their role: "england", a region, an ICS or a body (ODS).
SCOPE: dict[str, str | None] = {
    "national": "england",
    "lead_a": "Y91",
    "lead_b": "Y92",
    "analyst_a": "Y91",
    "ics_lead": "QA1",
    "submitter": "RA1",
    "approver": "RA1",
    "sid": "RA3",
    "sid_b": "RB1",
    "observer": "Y92",
    "outsider": None,
}
MEMBERS = tuple(SCOPE)
# The actions each member's role carries (README "Who may do what"), as plain words.
MAY: dict[str, set[str]] = {
    "national": {"submit", "sign_off", "review", "reopen", "decide", "publish", "view_seg",
                 "open_case", "run_oversight", "edit_catalogue", "edit_registry"},
    "lead_a": {"review", "reopen", "decide", "publish", "open_case", "run_oversight"},
    "lead_b": {"review", "reopen", "decide", "publish", "open_case", "run_oversight"},
    "analyst_a": {"review", "run_oversight"},
    "ics_lead": {"view_seg"},
    "submitter": {"submit"},
    "approver": {"sign_off"},
    "sid": set(),
    "sid_b": set(),
    "observer": set(),
    "outsider": set(),
}  # fmt: skip


@dataclass(frozen=True)
class Body:
    """Where a body sits: its ODS code, its ICS's and its region's."""

    ods: str
    system: str
    region: str


RA1, RA3, RB1 = Body("RA1", "QA1", "Y91"), Body("RA3", "QA2", "Y91"), Body("RB1", "QB1", "Y92")
QA1, QB1 = Body("QA1", "QA1", "Y91"), Body("QB1", "QB1", "Y92")  # the ICSs as bodies


def sees(member: str, body: Body) -> bool:
    """A role over England, the body's region, its ICS, or the body itself."""
    scope = SCOPE[member]
    return scope in {"england", body.region, body.system, body.ods}


def oversees(member: str, body: Body) -> bool:
    """Sees it through a national, regional or ICS role: not through a role over the body."""
    return (sees(member, body) and SCOPE[member] != body.ods) or SCOPE[member] == "england"


def region_team(member: str, body: Body) -> bool:
    """National roles and the roles held over the body's region."""
    return SCOPE[member] in {"england", body.region}


def may(member: str, action: str, body: Body) -> bool:
    return sees(member, body) and action in MAY[member]


# --- the world ---------------------------------------------------------------------------------


@dataclass
class Side:
    """One region's objects: everything a URL of the app can name."""

    body: Body
    organisation: Organisation
    period: Period
    metric: Metric
    return_record: Return
    run: CalculationRun
    proposal: Proposal
    decision: SegmentDecision
    case: Case
    agreement: Agreement
    concern: Concern
    meeting: Meeting
    action: MeetingAction


@dataclass
class World:
    registry: Registry
    cast: Cast
    users: dict[str, User]
    picture: Picture
    a: Side
    b: Side


def _case(organisation: Organisation, lead: User) -> Case:
    programme = Programme.objects.get(edition_code=EDITION, segment=4)
    case = Case.objects.create(
        organisation=organisation,
        programme=programme,
        segment=4,
        route=CaseRoute.DECISION,
        entered_on=timezone.localdate() - timedelta(days=60),
        lead=lead,
    )
    grant_lead(case, lead)
    return case


def _side(
    world_picture: Picture,
    body: Body,
    organisation: Organisation,
    *,
    lead: User,
    sid: User,
    case_body: Organisation,
) -> Side:
    period = world_picture.latest
    run = world_picture.latest_run
    proposal = Proposal.objects.get(organisation=organisation, run=run)
    decision = decision_record(
        organisation=organisation,
        period=period,
        segment=proposal.segment,
        judgement=Judgement(rationale="As proposed."),
        user=lead,
    )
    assert organisation.system is not None
    agreement = Agreement.objects.create(system=organisation.system, year=2021)
    concern = Concern.objects.create(organisation=organisation, title="Waits", opened_by=lead)
    meeting = Meeting.objects.create(
        organisation=organisation,
        held_on=date(2021, 11, 1),
        attendees="Board",
        internal_notes="Internal only",
        recorded_by=lead,
    )
    action = MeetingAction.objects.create(
        meeting=meeting, description="Send the plan", owner=lead, due_on=date(2022, 1, 1)
    )
    return Side(
        body=body,
        organisation=organisation,
        period=period,
        metric=world_picture.metrics["M01"],
        return_record=Return.objects.get(organisation=organisation, period=period),
        run=run,
        proposal=proposal,
        decision=decision,
        case=_case(case_body, sid),
        agreement=agreement,
        concern=concern,
        meeting=meeting,
        action=action,
    )


def world_build() -> World:
    registry = registry_build()
    cast = cast_build(registry)
    sid_b = UserFactory(email="sid.b1@nhs.test")
    role_grant(user=sid_b, role=Role.SID, node=registry.trust_b1)
    users = {**vars(cast), "sid_b": sid_b}
    picture = build_picture(registry, cast.national, edition_code=EDITION)
    proposals_compute(run_id=picture.latest_run.pk)
    a = _side(
        picture, RA1, registry.trust_a1, lead=cast.lead_a, sid=cast.sid, case_body=registry.trust_a3
    )
    b = _side(
        picture, RB1, registry.trust_b1, lead=cast.lead_b, sid=sid_b, case_body=registry.trust_b1
    )
    return World(registry=registry, cast=cast, users=users, picture=picture, a=a, b=b)
