"""Oversight meetings: record one (attendees, agenda linked to what it discusses, notes with
an internal-only part, actions with owner and due date), and mark an action done.

Recording needs ``run_oversight`` over the body met. An action's owner must be able to see the
meeting (so the action on their home page leads somewhere); the owner, or the body's regional
team, marks it done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from metrics.models.catalogue import Metric
from oversight.errors import ActionRefused, InputRejected, NotFound, NotPermitted
from oversight.models import Organisation
from segmentation.models import Proposal
from systemlens.access import may_run_oversight, require_oversight_of_body, sees_meetings_with
from systemlens.events import event_record
from systemlens.models import AgendaItem, LensAction, Meeting, MeetingAction


@dataclass(frozen=True)
class AgendaInput:
    title: str
    flag_id: int | None = None
    metric: Metric | None = None
    proposal: Proposal | None = None
    case_reference: str = ""


@dataclass(frozen=True)
class ActionInput:
    description: str
    owner: User
    due_on: date


@dataclass(frozen=True)
class MeetingInput:
    held_on: date
    attendees: str
    notes: str = ""
    internal_notes: str = ""
    place: str = ""


def _check(
    organisation: Organisation,
    details: MeetingInput,
    agenda: list[AgendaInput],
    actions: list[ActionInput],
) -> None:
    problems: dict[str, list[str]] = {}
    if not details.attendees.strip():
        problems["attendees"] = ["Say who attended."]
    for n, item in enumerate(agenda, start=1):
        if not item.title.strip():
            problems.setdefault("agenda", []).append(f"Agenda item {n}: give its title.")
        if item.proposal is not None and item.proposal.organisation_id != organisation.pk:
            problems.setdefault("agenda", []).append(
                f"Agenda item {n}: the proposal is about another body."
            )
    for n, action in enumerate(actions, start=1):
        if not action.description.strip():
            problems.setdefault("actions", []).append(f"Action {n}: say what is to be done.")
        if not sees_meetings_with(action.owner, organisation):
            problems.setdefault("actions", []).append(
                f"Action {n}: {action.owner.email} cannot see meetings with {organisation.name}."
            )
    if problems:
        raise InputRejected("The meeting record is not complete.", problems)


@transaction.atomic
def meeting_record(
    *,
    organisation: Organisation,
    details: MeetingInput,
    agenda: list[AgendaInput],
    actions: list[ActionInput],
    user: User,
) -> Meeting:
    """Record a meeting held with a body (an ICS, a place in it, or one organisation)."""
    require_oversight_of_body(user, organisation)
    _check(organisation, details, agenda, actions)
    meeting = Meeting.objects.create(
        organisation=organisation,
        place=details.place.strip(),
        held_on=details.held_on,
        attendees=details.attendees.strip(),
        notes=details.notes.strip(),
        internal_notes=details.internal_notes.strip(),
        recorded_by=user,
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting,
            position=n,
            title=item.title.strip(),
            flag_id=item.flag_id,
            metric=item.metric,
            proposal=item.proposal,
            case_reference=item.case_reference.strip(),
        )
        for n, item in enumerate(agenda, start=1)
    )
    MeetingAction.objects.bulk_create(
        MeetingAction(
            meeting=meeting,
            description=action.description.strip(),
            owner=action.owner,
            due_on=action.due_on,
        )
        for action in actions
    )
    event_record(
        action=LensAction.MEETING,
        actor=user,
        subject_id=meeting.pk,
        organisation=organisation,
        detail={
            "held_on": details.held_on.isoformat(),
            "place": meeting.place,
            "agenda": [item.title for item in agenda],
            "actions": [
                {"description": a.description, "owner": a.owner.email, "due_on": str(a.due_on)}
                for a in actions
            ],
        },
    )
    return meeting


@transaction.atomic
def meeting_action_done(*, action: MeetingAction, user: User) -> MeetingAction:
    """Mark an action done: by its owner, or by the body's regional team."""
    action = (
        MeetingAction.objects.select_for_update()
        .select_related("meeting__organisation__region")
        .get(pk=action.pk)
    )
    body = action.meeting.organisation
    if not sees_meetings_with(user, body):
        raise NotFound("No such action.")
    if action.owner_id != user.pk and not may_run_oversight(user, body):
        raise NotPermitted("Only the action's owner or the regional team marks it done.")
    if action.done_at is not None:
        raise ActionRefused("The action is done already.")
    action.done_at = timezone.now()
    action.save(update_fields=["done_at"])
    event_record(
        action=LensAction.ACTION_DONE,
        actor=user,
        subject_id=action.pk,
        organisation=body,
        detail={"description": action.description},
    )
    return action
