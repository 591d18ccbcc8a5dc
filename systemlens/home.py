"""The system lens's sections of the home page (accounts.home): the meeting actions a user
owns, and for an ICS lead or a regional team a way into each ICS's oversight page."""

from __future__ import annotations

from django.urls import reverse

from accounts.home import HomeContext, HomeSection, Status, Task, home_section
from accounts.roles import Role
from systemlens.access import actions_of
from systemlens.models import MeetingAction

SHOWN = 20  # the soonest-due actions; the meeting pages hold the rest


def _action_task(action: MeetingAction, context: HomeContext) -> Task:
    meeting = action.meeting
    with_whom = f"{meeting.place}, " if meeting.place else ""
    late = action.due_on < context.today
    due = f"Due {action.due_on:%-d %b %Y}"
    return Task(
        label=action.description,
        href=reverse("system-lens-meeting", kwargs={"pk": meeting.pk}),
        hint=f"From the meeting with {with_whom}{meeting.organisation.name} on "
        f"{meeting.held_on:%-d %B %Y}",
        status=Status.to_do(f"Overdue: {due.lower()}", "red") if late else Status.to_do(due),
    )


@home_section(order=55)
def meeting_actions(context: HomeContext) -> HomeSection | None:
    actions = list(actions_of(context.user)[:SHOWN])
    if not actions:
        return None
    return HomeSection(
        heading="Your actions from oversight meetings",
        tasks=[_action_task(action, context) for action in actions],
    )


@home_section(order=35)
def systems_overseen(context: HomeContext) -> HomeSection | None:
    """An ICS lead's own ICS; a regional team's ICSs are reached through the directory."""
    systems = [a.system for a in context.held(Role.ICS_LEAD) if a.system is not None]
    if not systems:
        return None
    return HomeSection(
        heading="Your ICS's oversight",
        tasks=[
            Task(
                label=f"{system.name}: agreement, reviews, meetings and concerns",
                href=reverse("system-lens", kwargs={"code": system.ods_code}),
                status=Status.done("Open"),
            )
            for system in sorted(systems, key=lambda s: s.name)
        ],
    )
