"""Who sees and does what in the system lens, in the query (DESIGN.md "Tenancy and
permissions"); outside scope and not existing look alike: both are ``NotFound``.

- An ICS's agreement, reviews, roll-ups and page: whoever sees the ICS (national users, its
  region's team, its ICS lead) — `systems_visible_to`.
- Concerns are oversight's internal work on a body: those who oversee it (national, region,
  its ICS lead) and the lead and served ICSs of a body overseen across ICSs.
- Meetings: those who oversee the body and the body's own users; the internal-only notes only
  for those who run oversight of it (its region's team, national users).
- Recording anything needs ``run_oversight`` over the body (regional lead or analyst, national
  admin); others who may see it are refused (403).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet, Value

from accounts.models import User
from accounts.roles import RUN_OVERSIGHT
from accounts.scope import (
    AnyUser,
    can,
    is_national,
    normalise_ods_code,
    organisations_overseen_by,
    organisations_visible_to,
    system_for,
    systems_visible_to,
)
from oversight.errors import NotFound, NotPermitted
from oversight.models import Organisation, OrganisationKind, System
from systemlens.models import Agreement, Concern, Meeting, MeetingAction


def bodies_overseen(user: AnyUser) -> QuerySet[Organisation]:
    """Bodies the user oversees, with those served by (or led from) an ICS the user sees."""
    return Organisation.objects.filter(
        Q(id__in=organisations_overseen_by(user).values("id"))
        | Q(served_systems__system__in=systems_visible_to(user))
    ).distinct()


def system_visible(user: AnyUser, ods_code: str) -> System:
    return system_for(user, ods_code)


def body_overseen(user: AnyUser, ods_code: str) -> Organisation:
    found = (
        bodies_overseen(user)
        .select_related("region", "system")
        .filter(ods_code=normalise_ods_code(ods_code))
    ).first()
    if found is None:
        raise NotFound("No such organisation.")
    return found


def system_body(system: System) -> Organisation:
    """The ICS as a body (kind ICS, the system's ODS code): what meetings with it are with."""
    body = Organisation.objects.filter(system=system, kind=OrganisationKind.ICS).first()
    if body is None:
        raise NotFound(f"{system.name} has no body in the registry to meet with.")
    return body


def may_run_oversight(user: AnyUser, organisation: Organisation) -> bool:
    return can(user, RUN_OVERSIGHT, organisation)


def may_run_oversight_of_system(user: AnyUser, system: System) -> bool:
    return systems_visible_to(user, RUN_OVERSIGHT).filter(pk=system.pk).exists()


def require_oversight_of_system(user: User, system: System) -> None:
    if not systems_visible_to(user).filter(pk=system.pk).exists():
        raise NotFound("No such ICS.")
    if not may_run_oversight_of_system(user, system):
        raise NotPermitted(
            f"Only the {system.region.name} regional team records {system.name}'s agreement "
            "and its reviews."
        )


def sees_meetings_with(user: AnyUser, organisation: Organisation) -> bool:
    """Those who oversee the body, and the body's own users, see meetings with it."""
    return (
        bodies_overseen(user).filter(pk=organisation.pk).exists()
        or organisations_visible_to(user).filter(pk=organisation.pk).exists()
    )


def require_oversight_of_body(user: User, organisation: Organisation) -> None:
    if not sees_meetings_with(user, organisation):
        raise NotFound("No such organisation.")
    if not may_run_oversight(user, organisation):
        raise NotPermitted(
            f"Only the {organisation.region.name} regional team records oversight of "
            f"{organisation.name}."
        )


def sees_internal_notes(user: AnyUser, organisation: Organisation) -> bool:
    """Internal-only notes are for the oversight team, never for the body (nor its ICS lead)."""
    return is_national(user) or may_run_oversight(user, organisation)


def with_internal_flag(meetings: QuerySet[Meeting], user: AnyUser) -> QuerySet[Meeting]:
    """Each meeting with ``internal_visible``: may the user read its internal notes? (One
    query for a whole list, the same rule as ``sees_internal_notes``.)"""
    if is_national(user):
        return meetings.annotate(internal_visible=Value(True))
    running = organisations_visible_to(user, RUN_OVERSIGHT).filter(pk=OuterRef("organisation_id"))
    return meetings.annotate(internal_visible=Exists(running))


def agreements_visible(user: AnyUser) -> QuerySet[Agreement]:
    return Agreement.objects.filter(system__in=systems_visible_to(user))


def concerns_visible(user: AnyUser) -> QuerySet[Concern]:
    return Concern.objects.filter(organisation__in=bodies_overseen(user))


def meetings_visible(user: AnyUser) -> QuerySet[Meeting]:
    return Meeting.objects.filter(
        Q(organisation__in=bodies_overseen(user))
        | Q(organisation__in=organisations_visible_to(user))
    )


def actions_of(user: AnyUser) -> QuerySet[MeetingAction]:
    """The open actions a user owns (their home page), of meetings they may still see."""
    if not user.is_authenticated:
        return MeetingAction.objects.none()
    return (
        MeetingAction.objects.filter(owner_id=user.pk, done_at__isnull=True)
        .filter(meeting__in=meetings_visible(user))
        .select_related("meeting", "meeting__organisation")
        .order_by("due_on", "id")
    )
