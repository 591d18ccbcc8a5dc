"""Who sees which case, and what they may do with it (DESIGN.md "Tenancy and permissions").

A case is seen by:
- those who hold ``view_case`` on it (django-guardian, held by the case): its lead (the SID, or
  the regional lead of a mandated-support case) and its actions' owners;
- those who oversee its body: national users, its region's team, its ICS lead;
- the body's own users (a role held over the body itself, other than a SID's), who never see
  internal-only notes, documents or events.
Outside that, a case does not exist: ``NotFound`` (404), the same answer as a wrong id.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from guardian.core import ObjectPermissionChecker

from accounts.models import RoleAssignment
from accounts.roles import OPEN_CASE, Role
from accounts.scope import AnyUser, can, organisations_overseen_by
from oversight.errors import NotFound, NotPermitted
from rsp.models import Case, CaseUserObjectPermission

VIEW_CASE = "view_case"
WORK_CASE = "work_case"
SEE_INTERNAL = "see_internal"


def _held(user: AnyUser, codename: str) -> QuerySet:
    return CaseUserObjectPermission.objects.filter(
        user_id=user.pk or 0, permission__codename=codename
    ).values("content_object_id")


def own_bodies(user: AnyUser) -> QuerySet:
    """The bodies the user works for (a role held over the body itself), as ids."""
    return (
        RoleAssignment.objects.filter(user_id=user.pk or 0, organisation__isnull=False)
        .exclude(role=Role.SID)
        .values("organisation_id")
    )


def cases_visible(user: AnyUser) -> QuerySet[Case]:
    """Every case the user may see, in one query."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    return Case.objects.filter(
        Q(id__in=_held(user, VIEW_CASE))
        | Q(organisation__in=organisations_overseen_by(user))
        | Q(organisation_id__in=own_bodies(user))
    )


def cases_internal_visible(user: AnyUser) -> QuerySet[Case]:
    """The cases whose internal-only notes the user may see."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    return Case.objects.filter(
        Q(id__in=_held(user, SEE_INTERNAL)) | Q(organisation__in=organisations_overseen_by(user))
    )


def case_visible(user: AnyUser, pk: int | str) -> Case:
    """The case ``pk`` if the user may see it; NotFound otherwise."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such case.") from None
    found = (
        cases_visible(user)
        .select_related("organisation", "organisation__region", "system", "programme", "lead")
        .filter(pk=key)
        .first()
    )
    if found is None:
        raise NotFound("No such case.")
    return found


@dataclass(frozen=True)
class CaseAccess:
    """What one user may do with one case."""

    user_id: int
    see_internal: bool
    work: bool  # stocktake, plan, criteria, reviews, notes, documents
    decide: bool  # appoint the lead, exit (the region's leads, national admins)

    @property
    def is_body(self) -> bool:
        return not self.see_internal


def access_of(user: AnyUser, case: Case) -> CaseAccess:
    """The user's access to a case they may see (call ``case_visible`` first)."""
    checker = ObjectPermissionChecker(user)  # type: ignore[arg-type]
    decide = can(user, OPEN_CASE, case.organisation)
    overseer = organisations_overseen_by(user).filter(pk=case.organisation_id).exists()
    return CaseAccess(
        user_id=user.pk or 0,
        see_internal=overseer or checker.has_perm(SEE_INTERNAL, case),
        work=decide or checker.has_perm(WORK_CASE, case),
        decide=decide,
    )


def require_work(user: AnyUser, case: Case) -> CaseAccess:
    """The user's access, if they may work on the case: NotFound if they may not even see it,
    NotPermitted if they see it but may not change it."""
    if not cases_visible(user).filter(pk=case.pk).exists():
        raise NotFound("No such case.")
    access = access_of(user, case)
    if not access.work:
        raise NotPermitted("Only the case's lead and its region's leads change the case.")
    return access
