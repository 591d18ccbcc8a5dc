"""The improvement plan: workstreams, actions and milestones (DESIGN.md "Support cases").

Rules: an action's owner or whoever may work on the case updates its progress; only the owner
proposes closure, and someone else who may work on the case closes it (or sends the proposal
back, with a reason); a RAG override needs its reason; a closed action is not changed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import User
from oversight.errors import ActionRefused, InputRejected, NotFound, NotPermitted
from rsp.access import VIEW_CASE, cases_visible, require_work
from rsp.audit import case_event
from rsp.models import Action, ActionStatus, Case, Milestone, Rag, Workstream
from rsp.rag import RagReading, action_rag

OWNER_ONLY = "Only the action's owner proposes its closure."
NOT_OWNER = "You own this action: someone else closes it."


def rag_of(action: Action, today: date | None = None) -> RagReading:
    return action_rag(
        status=action.status,
        progress=action.progress,
        starts_on=action.starts_on,
        due_on=action.due_on,
        today=today or timezone.localdate(),
        override=action.rag_override,
        override_reason=action.rag_override_reason,
    )


def _open_case(case: Case) -> None:
    if not case.is_open:
        raise ActionRefused(f"This case is {case.get_state_display().lower()}: its plan is closed.")


@transaction.atomic
def workstream_add(*, case: Case, title: str, lead_name: str, user: User) -> Workstream:
    require_work(user, case)
    _open_case(case)
    if not title.strip():
        raise InputRejected("Name the workstream.", {"title": ["Give the workstream a title."]})
    position = case.workstreams.count()
    workstream = Workstream.objects.create(
        case=case, title=title.strip(), lead_name=lead_name.strip(), position=position
    )
    case_event(
        case,
        "workstream_added",
        actor=user,
        what=f"Workstream added: {workstream.title}.",
        subject=f"workstream:{workstream.pk}",
    )
    return workstream


@dataclass(frozen=True)
class ActionInput:
    title: str
    owner: User
    due_on: date
    description: str = ""
    starts_on: date | None = None


@transaction.atomic
def action_add(*, workstream: Workstream, given: ActionInput, user: User) -> Action:
    case = workstream.case
    require_work(user, case)
    _open_case(case)
    starts_on = given.starts_on or timezone.localdate()
    problems: dict[str, list[str]] = {}
    if not given.title.strip():
        problems["title"] = ["Say what the action is."]
    if given.due_on < starts_on:
        problems["due_on"] = ["The due date must be on or after the start date."]
    if not given.owner.is_active:
        problems["owner"] = ["The owner's account is not active."]
    if problems:
        raise InputRejected("The action cannot be added as it is.", problems)
    action = Action.objects.create(
        workstream=workstream,
        title=given.title.strip(),
        description=given.description.strip(),
        owner=given.owner,
        starts_on=starts_on,
        due_on=given.due_on,
    )
    # The owner sees the case their action belongs to (their own body's view if they are not
    # on the case's team).
    assign_perm(f"rsp.{VIEW_CASE}", given.owner, case)
    case_event(
        case,
        "action_added",
        actor=user,
        what=(
            f"Action added to {workstream.title}: {action.title} (owner "
            f"{given.owner.get_full_name()}, due {action.due_on:%-d %B %Y})."
        ),
        subject=f"action:{action.pk}",
    )
    return action


def _locked(action: Action) -> Action:
    locked = (
        Action.objects.select_for_update()
        .select_related("workstream__case__organisation", "owner")
        .filter(pk=action.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such action.")
    return locked


def _require_owner_or_worker(user: User, action: Action) -> None:
    case = action.workstream.case
    if action.owner_id == user.pk and cases_visible(user).filter(pk=case.pk).exists():
        return
    require_work(user, case)


@transaction.atomic
def action_update(*, action: Action, progress: int, note: str, user: User) -> Action:
    """Record progress (0–100 per cent) with a note of what was done."""
    action = _locked(action)
    _require_owner_or_worker(user, action)
    _open_case(action.workstream.case)
    if action.is_closed:
        raise ActionRefused("This action is closed.")
    if not 0 <= progress <= 100:
        raise InputRejected("Progress is a percentage.", {"progress": ["Give 0 to 100."]})
    if not note.strip():
        raise InputRejected("Say what was done.", {"note": ["Describe the progress made."]})
    before = action.progress
    action.progress = progress
    action.progress_note = note.strip()
    if action.status == ActionStatus.NOT_STARTED and progress > 0:
        action.status = ActionStatus.IN_PROGRESS
    action.save(update_fields=["progress", "progress_note", "status"])
    case_event(
        action.workstream.case,
        "action_updated",
        actor=user,
        what=f"Progress on “{action.title}”: {before}% → {progress}%.",
        why=note,
        subject=f"action:{action.pk}",
    )
    return action


@transaction.atomic
def action_override_rag(*, action: Action, rag: str, reason: str, user: User) -> Action:
    """Override the computed RAG (or clear the override with rag ""), with the reason."""
    action = _locked(action)
    require_work(user, action.workstream.case)
    _open_case(action.workstream.case)
    if action.is_closed:
        raise ActionRefused("This action is closed: its RAG is Complete.")
    if rag and rag not in (Rag.RED, Rag.AMBER, Rag.GREEN):
        raise InputRejected("Choose red, amber or green.", {"rag": ["Choose red, amber or green."]})
    if not reason.strip():
        raise InputRejected("Say why.", {"reason": ["Give the reason for the RAG you set."]})
    computed = rag_of(action)
    action.rag_override = rag
    action.rag_override_reason = reason.strip() if rag else ""
    action.save(update_fields=["rag_override", "rag_override_reason"])
    words = Rag(rag).label if rag else f"the computed {Rag(computed.computed).label}"
    case_event(
        action.workstream.case,
        "action_rag_set",
        actor=user,
        what=f"RAG of “{action.title}” set to {words}.",
        why=reason,
        subject=f"action:{action.pk}",
    )
    return action


@transaction.atomic
def action_propose_closure(*, action: Action, note: str, user: User) -> Action:
    action = _locked(action)
    if action.owner_id != user.pk:
        if not cases_visible(user).filter(pk=action.workstream.case_id).exists():
            raise NotFound("No such action.")
        raise NotPermitted(OWNER_ONLY)
    _open_case(action.workstream.case)
    if action.status in (ActionStatus.CLOSED, ActionStatus.CLOSURE_PROPOSED):
        raise ActionRefused(f"This action is {action.get_status_display().lower()} already.")
    if not note.strip():
        raise InputRejected(
            "Say why it can close.", {"note": ["Say what shows the action is done."]}
        )
    action.status = ActionStatus.CLOSURE_PROPOSED
    action.progress = 100
    action.closure_proposed_by = user
    action.closure_proposed_at = timezone.now()
    action.save(update_fields=["status", "progress", "closure_proposed_by", "closure_proposed_at"])
    case_event(
        action.workstream.case,
        "action_closure_proposed",
        actor=user,
        what=f"Closure of “{action.title}” proposed by its owner.",
        why=note,
        subject=f"action:{action.pk}",
    )
    return action


def _closure_to_decide(action: Action, user: User, not_proposed: str) -> Action:
    """The action, locked, when ``user`` may decide its proposed closure: someone of the case's
    team other than its owner (four eyes), and only while closure is proposed."""
    action = _locked(action)
    require_work(user, action.workstream.case)
    if action.owner_id == user.pk:
        raise ActionRefused(NOT_OWNER)
    if action.status != ActionStatus.CLOSURE_PROPOSED:
        raise ActionRefused(not_proposed)
    return action


@transaction.atomic
def action_close(*, action: Action, note: str, user: User) -> Action:
    """Close an action whose owner proposed it: by someone else who may work on the case."""
    action = _closure_to_decide(
        action, user, "Only an action whose owner proposed closure can be closed."
    )
    action.status = ActionStatus.CLOSED
    action.closed_by = user
    action.closed_at = timezone.now()
    action.save(update_fields=["status", "closed_by", "closed_at"])
    case_event(
        action.workstream.case,
        "action_closed",
        actor=user,
        what=f"“{action.title}” closed.",
        why=note,
        subject=f"action:{action.pk}",
    )
    return action


@transaction.atomic
def action_reject_closure(*, action: Action, reason: str, user: User) -> Action:
    """Send a closure proposal back to the owner, with the reason."""
    action = _closure_to_decide(action, user, "Only a proposed closure can be sent back.")
    if not reason.strip():
        raise InputRejected("Say why.", {"reason": ["Say what is still needed."]})
    action.status = ActionStatus.IN_PROGRESS
    action.save(update_fields=["status"])
    case_event(
        action.workstream.case,
        "action_closure_rejected",
        actor=user,
        what=f"Closure of “{action.title}” sent back to its owner.",
        why=reason,
        subject=f"action:{action.pk}",
    )
    return action


@transaction.atomic
def action_replan(*, action: Action, due_on: date, reason: str, user: User) -> Action:
    """Move an action's due date, with the reason (the case's team only; the RAG then reads
    from the new date, and the timeline keeps the old one)."""
    action = _locked(action)
    require_work(user, action.workstream.case)
    _open_case(action.workstream.case)
    if action.is_closed:
        raise ActionRefused("This action is closed.")
    problems: dict[str, list[str]] = {}
    if due_on < action.starts_on:
        problems["due_on"] = [
            f"The due date cannot be before the start, {action.starts_on:%-d %B %Y}."
        ]
    if due_on == action.due_on:
        problems["due_on"] = ["That is the due date already."]
    if not reason.strip():
        problems["reason"] = ["Say why the due date moves."]
    if problems:
        raise InputRejected("The due date cannot change as it is.", problems)
    before = action.due_on
    action.due_on = due_on
    action.save(update_fields=["due_on"])
    case_event(
        action.workstream.case,
        "action_replanned",
        actor=user,
        what=f"Due date of “{action.title}” moved from {before:%-d %B %Y} to {due_on:%-d %B %Y}.",
        why=reason,
        subject=f"action:{action.pk}",
        before=before.isoformat(),
        after=due_on.isoformat(),
    )
    return action


@transaction.atomic
def milestone_add(*, case: Case, title: str, due_on: date, user: User) -> Milestone:
    require_work(user, case)
    _open_case(case)
    if not title.strip():
        raise InputRejected("Name the milestone.", {"title": ["Give the milestone a title."]})
    milestone = Milestone.objects.create(case=case, title=title.strip(), due_on=due_on)
    case_event(
        case,
        "milestone_added",
        actor=user,
        what=f"Milestone added: {milestone.title}, due {due_on:%-d %B %Y}.",
        subject=f"milestone:{milestone.pk}",
    )
    return milestone


@transaction.atomic
def milestone_achieve(*, milestone: Milestone, achieved_on: date, user: User) -> Milestone:
    require_work(user, milestone.case)
    _open_case(milestone.case)
    if milestone.achieved_on is not None:
        raise ActionRefused("This milestone is achieved already.")
    milestone.achieved_on = achieved_on
    milestone.save(update_fields=["achieved_on"])
    case_event(
        milestone.case,
        "milestone_achieved",
        actor=user,
        what=f"Milestone achieved: {milestone.title}, on {achieved_on:%-d %B %Y}.",
        subject=f"milestone:{milestone.pk}",
    )
    return milestone
