"""Opening, leading and exiting a support case (DESIGN.md "Support cases").

Each operation is one transaction with its case event; the rules live here for the pages, the
API, the signal receivers and the demo alike:

- a case opens from a confirmed segment 3, 4 (or 5) decision, for the programme its framework
  edition gives that segment (``Programme``, data) — once: a second confirmation finds the open
  case; or a national admin opens one for a whole system;
- the lead is appointed by those who may open cases on the body (its region's leads, national
  admins): a SID for RSP and PIP, jointly with the system, regional and national parties; for
  mandated support the regional lead who confirmed the decision leads it;
- exit needs every exit criterion met and, where entry was on CQC's recommendation, CQC's
  recommendation to exit attached; it records the date, the decision and the new segment, and
  ends the body's support entry, so it is no longer proposed for the programme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import RoleAssignment, User
from accounts.roles import OPEN_CASE, Role
from accounts.scope import can, is_national
from oversight.errors import ActionRefused, InputRejected, NotPermitted
from oversight.models import Organisation, OrganisationKind, System
from rsp.access import SEE_INTERNAL, VIEW_CASE, WORK_CASE, require_work
from rsp.audit import case_event
from rsp.models import Case, CaseRoute, CaseState, DocumentKind, LeadKind, Programme
from segmentation.models import SegmentDecision
from segmentation.support import support_entered, support_exited

LEAD_PERMISSIONS = (VIEW_CASE, WORK_CASE, SEE_INTERNAL)


def require_decider(user: User, case: Case) -> None:
    if not can(user, OPEN_CASE, case.organisation):
        raise NotPermitted(
            f"Only a regional lead of {case.organisation.region.name} or a national admin "
            "appoints a case's lead or decides its exit."
        )


def grant_lead(case: Case, user: User) -> None:
    for codename in LEAD_PERMISSIONS:
        assign_perm(f"rsp.{codename}", user, case)


def _revoke_lead(case: Case, user: User) -> None:
    for codename in LEAD_PERMISSIONS:
        remove_perm(f"rsp.{codename}", user, case)


def _enter(case: Case) -> None:
    support_entered(
        organisation=case.organisation,
        programme=case.programme.kind,
        entered_on=case.entered_on,
        reference=case.reference,
        url=case.get_absolute_url(),
    )


def case_open(
    *,
    organisation: Organisation,
    programme: Programme,
    entered_on: date,
    route: str,
    user: User | None,
    what: str,
    why: str = "",
    decision: SegmentDecision | None = None,
    system: System | None = None,
    cqc_recommended_entry: bool = False,
) -> Case:
    """Open a case (callers check who may and that none is open): its support entry, its
    lead where the region leads the programme, its first event."""
    lead = user if programme.lead_kind == LeadKind.REGIONAL_LEAD and system is None else None
    case = Case.objects.create(
        organisation=organisation,
        system=system,
        programme=programme,
        decision=decision,
        segment=decision.segment if decision else programme.segment,
        route=route,
        entered_on=entered_on,
        cqc_recommended_entry=cqc_recommended_entry,
        lead=lead,
        opened_by=user,
    )
    if lead is not None:
        grant_lead(case, lead)
    _enter(case)
    case_event(
        case,
        "opened",
        actor=user,
        what=what,
        why=why,
        decision=decision.pk if decision else None,
        lead=lead.pk if lead else None,
    )
    _escalate(case, user)
    return case


def _escalate(case: Case, user: User | None) -> None:
    """A body entering a more intensive programme (mandated support → RSP) leaves the lighter
    one: its open case is withdrawn, pointing to the new case."""
    lighter = Case.objects.filter(
        organisation_id=case.organisation_id,
        state=CaseState.OPEN,
        programme__segment__lt=case.programme.segment,
    ).exclude(pk=case.pk)
    for previous in lighter:
        case_withdraw(
            case=previous,
            reason=f"Escalated to the {case.programme.name} (case {case.pk}).",
            user=user,
        )


@transaction.atomic
def case_open_from_decision(*, decision: SegmentDecision, user: User | None) -> Case | None:
    """Open the case a confirmed decision brings, or find the one open; None when the decided
    segment brings no programme under the decision's framework edition."""
    programme = Programme.objects.filter(
        edition_code=decision.method.edition.code, segment=decision.segment
    ).first()
    if programme is None:
        return None
    existing = Case.objects.filter(
        organisation_id=decision.organisation_id, programme=programme, state=CaseState.OPEN
    ).first()
    if existing is not None:
        return existing
    confirmed = decision.confirmed_at or decision.recorded_at
    return case_open(
        organisation=decision.organisation,
        programme=programme,
        entered_on=timezone.localdate(confirmed),
        route=CaseRoute.DECISION,
        user=user,
        decision=decision,
        what=(
            f"{programme.name} case opened: segment {decision.segment} decided for "
            f"{decision.organisation.name} ({decision.period.label}) and confirmed."
        ),
    )


@transaction.atomic
def case_open_for_system(
    *,
    system: System,
    programme: Programme,
    entered_on: date,
    cqc_recommended_entry: bool,
    reason: str,
    user: User,
) -> Case:
    """A national admin's decision to put a whole system into a programme."""
    if not is_national(user, OPEN_CASE):
        raise NotPermitted("Only a national admin opens a case for a whole system.")
    if not reason.strip():
        raise InputRejected("Say why.", {"reason": ["Give the reason for the decision."]})
    body = Organisation.objects.filter(system=system, kind=OrganisationKind.ICS).first()
    if body is None:
        raise ActionRefused(f"{system.name} has no ICS body in the registry.")
    if Case.objects.filter(organisation=body, programme=programme, state=CaseState.OPEN).exists():
        raise ActionRefused(f"{system.name} already has an open {programme.name} case.")
    return case_open(
        organisation=body,
        programme=programme,
        entered_on=entered_on,
        route=CaseRoute.NATIONAL,
        user=user,
        system=system,
        cqc_recommended_entry=cqc_recommended_entry,
        what=f"{programme.name} case opened for the whole of {system.name}.",
        why=reason,
    )


@dataclass(frozen=True)
class Appointment:
    lead: User
    system_party: str = ""
    regional_party: str = ""
    national_party: str = ""
    reports_to: str = ""


@transaction.atomic
def case_appoint_lead(*, case: Case, appointment: Appointment, user: User) -> Case:
    """Appoint (or replace) the case's lead; the previous lead loses the case's permissions."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_decider(user, case)
    if not case.is_open:
        raise ActionRefused("This case is closed: its lead can no longer change.")
    lead = appointment.lead
    problems: dict[str, list[str]] = {}
    if case.programme.led_by_sid:
        if not RoleAssignment.objects.filter(user=lead, role=Role.SID).exists():
            problems["lead"] = [f"{lead.get_full_name()} is not a System Improvement Director."]
        for field, words in (
            ("system_party", "the system"),
            ("regional_party", "the region"),
            ("national_party", "the national team"),
        ):
            if not getattr(appointment, field).strip():
                problems[field] = [
                    f"Name who appointed the SID for {words}: it is a joint appointment."
                ]
    if not lead.is_active:
        problems["lead"] = ["This person's account is not active."]
    if problems:
        raise InputRejected("The lead cannot be appointed as it is.", problems)
    previous = case.lead
    if previous is not None and previous.pk != lead.pk:
        _revoke_lead(case, previous)
    case.lead = lead
    case.system_party = appointment.system_party.strip()
    case.regional_party = appointment.regional_party.strip()
    case.national_party = appointment.national_party.strip()
    case.reports_to = appointment.reports_to.strip()
    case.save()
    grant_lead(case, lead)
    case_event(
        case,
        "lead_appointed",
        actor=user,
        what=f"{lead.get_full_name()} appointed to lead the case"
        + (f" (replacing {previous.get_full_name()})" if previous and previous != lead else "")
        + ".",
        lead=lead.pk,
        parties=[case.system_party, case.regional_party, case.national_party],
    )
    return case


@transaction.atomic
def case_update_details(
    *,
    case: Case,
    indicative_exit_on: date | None,
    cqc_recommended_entry: bool,
    reason: str,
    user: User,
) -> Case:
    """Change the indicative exit date or the CQC entry flag, saying why."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_work(user, case)
    if cqc_recommended_entry != case.cqc_recommended_entry:
        require_decider(user, case)  # the route of entry is the region's record, not the lead's
    if not case.is_open:
        raise ActionRefused("This case is closed.")
    if not reason.strip():
        raise InputRejected("Say why.", {"reason": ["Give the reason for the change."]})
    before = (case.indicative_exit_on, case.cqc_recommended_entry)
    case.indicative_exit_on = indicative_exit_on
    case.cqc_recommended_entry = cqc_recommended_entry
    case.save(update_fields=["indicative_exit_on", "cqc_recommended_entry"])
    case_event(
        case,
        "details_changed",
        actor=user,
        what=(
            f"Indicative exit date {_day(before[0])} → {_day(indicative_exit_on)}; "
            f"entry on CQC's recommendation: {_yes(before[1])} → {_yes(cqc_recommended_entry)}."
        ),
        why=reason,
    )
    return case


def _day(day: date | None) -> str:
    return day.strftime("%-d %B %Y") if day else "none"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def exit_blockers(case: Case) -> list[str]:
    """Why the case cannot exit yet, in words (empty: it may)."""
    blockers: list[str] = []
    criteria = list(case.criteria.all())
    if not criteria:
        blockers.append("The case has no exit criteria yet.")
    unmet = [c for c in criteria if not c.is_met]
    if unmet:
        blockers.append(
            f"{len(unmet)} of {len(criteria)} exit criteria are not met: "
            + "; ".join(c.description for c in unmet[:3])
            + ("…" if len(unmet) > 3 else "")
        )
    if (
        case.cqc_recommended_entry
        and not case.documents.filter(kind=DocumentKind.CQC_EXIT).exists()
    ):
        blockers.append("Entry was on CQC's recommendation: attach CQC's recommendation to exit.")
    return blockers


@transaction.atomic
def case_exit(*, case: Case, exited_on: date, decision: str, new_segment: int, user: User) -> Case:
    """Record the exit decision; the body is no longer proposed for the programme."""
    case = (
        Case.objects.select_for_update().select_related("programme", "organisation").get(pk=case.pk)
    )
    require_decider(user, case)
    if not case.is_open:
        raise ActionRefused(f"This case is {case.get_state_display().lower()} already.")
    blockers = exit_blockers(case)
    if blockers:
        raise ActionRefused("The case cannot exit yet. " + " ".join(blockers))
    problems: dict[str, list[str]] = {}
    if not decision.strip():
        problems["decision"] = ["Record the exit decision."]
    top = case.programme.segment - 1 if case.programme.exit_needs_lower_segment else 5
    if not 1 <= new_segment <= top:
        problems["new_segment"] = [f"The new segment must be from 1 to {top}."]
    if exited_on < case.entered_on:
        problems["exited_on"] = ["The exit date cannot be before the entry date."]
    if problems:
        raise InputRejected("The exit cannot be recorded as it is.", problems)
    case.state = CaseState.EXITED
    case.exited_on = exited_on
    case.exit_decision = decision.strip()
    case.exit_segment = new_segment
    case.exited_by = user
    case.save()
    support_exited(reference=case.reference, exited_on=exited_on)
    case_event(
        case,
        "exited",
        actor=user,
        what=f"Exited {case.programme.name} on {_day(exited_on)} into segment {new_segment}.",
        why=decision,
        new_segment=new_segment,
    )
    return case


@transaction.atomic
def case_withdraw(*, case: Case, reason: str, user: User | None) -> Case:
    """Withdraw a case opened on a decision that was then sent back."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        return case
    case.state = CaseState.WITHDRAWN
    case.save(update_fields=["state"])
    support_exited(reference=case.reference, exited_on=case.entered_on)
    case_event(case, "withdrawn", actor=user, what="Case withdrawn.", why=reason)
    return case
