"""What a user may do next with a case and its parts, and why not where they may not: the one
place the pages and the API read "allowed actions" from. The operations check the same rules
again when the action is taken."""

from __future__ import annotations

from rsp.access import CaseAccess
from rsp.models import Action, ActionStatus, Case, ExitCriterion, Milestone
from segmentation.actions import Action as Allowed

CLOSED = "The case is closed."
TEAM = "Only the case's lead and its region's leads change the case."
REGION = "Only the region's leads (or a national admin) do this."


def _allowed(name: str, label: str, ok: bool, reason: str) -> Allowed:
    return Allowed(name, label, ok, "" if ok else reason)


def case_actions(case: Case, access: CaseAccess, exit_blockers: list[str]) -> list[Allowed]:
    if access.is_body and not access.work:
        return []
    open_ = case.is_open
    work = access.work and open_
    why_work = CLOSED if not open_ else TEAM
    why_decide = CLOSED if not open_ else REGION
    exit_ok = access.decide and open_ and not exit_blockers
    exit_reason = why_decide if not (access.decide and open_) else " ".join(exit_blockers)
    return [
        _allowed("appoint_lead", "Appoint the lead", access.decide and open_, why_decide),
        _allowed("edit_details", "Change the case's details", work, why_work),
        _allowed("record_stocktake", "Record the diagnostic stocktake", work, why_work),
        _allowed("add_criterion", "Add an exit criterion", work, why_work),
        _allowed("add_workstream", "Add a workstream", work, why_work),
        _allowed("add_milestone", "Add a milestone", work, why_work),
        _allowed("record_review", "Record a review meeting", work, why_work),
        _allowed("add_note", "Add a note", access.work, TEAM),
        _allowed("add_document", "Add a document", work, why_work),
        _allowed("exit", "Record the exit", exit_ok, exit_reason),
    ]


def action_actions(action: Action, access: CaseAccess, *, case_open: bool) -> list[Allowed]:
    owner = action.owner_id == access.user_id
    closed = action.status == ActionStatus.CLOSED
    proposed = action.status == ActionStatus.CLOSURE_PROPOSED
    if not case_open:
        return [Allowed("update", "Update progress", False, CLOSED)]
    update_ok = (owner or access.work) and not closed
    return [
        _allowed(
            "update",
            "Update progress",
            update_ok,
            "This action is closed." if closed else "Only its owner or the case's team.",
        ),
        _allowed(
            "add_evidence",
            "Add evidence",
            update_ok,
            "This action is closed." if closed else "Only its owner or the case's team.",
        ),
        _allowed(
            "propose_closure",
            "Propose closure",
            owner and not closed and not proposed,
            "Only the action's owner proposes its closure."
            if not owner
            else f"This action is {action.get_status_display().lower()}.",
        ),
        _allowed(
            "close",
            "Close",
            access.work and not owner and proposed,
            "You own this action: someone else closes it."
            if owner
            else (TEAM if not access.work else "Its owner has not proposed closure."),
        ),
        _allowed(
            "reject_closure",
            "Send back to the owner",
            access.work and not owner and proposed,
            "Only a proposed closure, by someone other than the owner.",
        ),
        _allowed(
            "replan",
            "Change the due date",
            access.work and not closed,
            TEAM if not access.work else "This action is closed.",
        ),
        _allowed(
            "set_rag",
            "Override the RAG",
            access.work and not closed,
            TEAM if not access.work else "This action is closed.",
        ),
    ]


def criterion_actions(
    criterion: ExitCriterion, access: CaseAccess, *, case_open: bool
) -> list[Allowed]:
    work = access.work and case_open
    why = CLOSED if not case_open else TEAM
    return [
        _allowed("change", "Change (with the reason)", work, why),
        _allowed(
            "set_status",
            "Set the status",
            work and not criterion.measured,
            why if not work else "Measured: its status comes from the latest accepted data.",
        ),
    ]


def milestone_actions(
    milestone: Milestone, access: CaseAccess, *, case_open: bool
) -> list[Allowed]:
    work = access.work and case_open
    return [
        _allowed(
            "achieve",
            "Mark achieved",
            work and milestone.achieved_on is None,
            (CLOSED if not case_open else TEAM) if not work else "Achieved already.",
        )
    ]
