"""What a user may do next with a body's segmentation, and why not where they may not: the
one place the pages and the API read "allowed actions" from. The operations check the same
rules again when the action is taken (segmentation.decisions, .system_views, .publication).
"""

from __future__ import annotations

from dataclasses import dataclass

from oversight.models import OrganisationKind
from segmentation.models import DecisionState, SegmentDecision


@dataclass(frozen=True)
class Action:
    action: str  # record_decision | record_change | confirm | send_back | record_view | ...
    label: str
    allowed: bool
    reason: str = ""


FOUR_EYES = "You recorded this decision: another regional lead must confirm it (four eyes)."
LOCKED = "Published decisions are locked: record a new decision with the reason for the change."


def decision_actions(decision: SegmentDecision, *, user_id: int, may_decide: bool) -> list[Action]:
    """Confirm and send back, for a user who may decide on the body."""
    if not may_decide:
        return []
    if decision.state == DecisionState.RECORDED:
        mine = decision.recorded_by_id == user_id
        return [
            Action("confirm", "Confirm", not mine, FOUR_EYES if mine else ""),
            Action("send_back", "Send back", True),
        ]
    if decision.state == DecisionState.CONFIRMED:
        return [
            Action("confirm", "Confirm", False, "Already confirmed."),
            Action("send_back", "Send back", True),
        ]
    if decision.state == DecisionState.PUBLISHED:
        return [Action("send_back", "Send back", False, LOCKED)]
    return []


def body_actions(
    *,
    kind: str,
    has_proposal: bool,
    open_decision: SegmentDecision | None,
    published: bool,
    may_decide: bool,
    may_view: bool,
) -> list[Action]:
    """Record a decision (or a change to a published one), and record an ICS lead's view."""
    actions: list[Action] = []
    if may_decide:
        name, label = (
            ("record_change", "Record a change")
            if published
            else ("record_decision", "Record a decision")
        )
        if not has_proposal:
            reason = "There is no proposal for this body and quarter yet."
            actions.append(Action(name, label, False, reason))
        elif open_decision is not None:
            state = open_decision.get_state_display().lower()
            reason = f"A decision is {state}: send it back before recording another."
            actions.append(Action(name, label, False, reason))
        else:
            actions.append(Action(name, label, True))
    if may_view and kind != OrganisationKind.ICS:
        confirmed = published or (
            open_decision is not None and open_decision.state == DecisionState.CONFIRMED
        )
        reason = "The decision is confirmed: views are recorded before it." if confirmed else ""
        actions.append(Action("record_view", "Record your view", not confirmed, reason))
    return actions
