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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from accounts.models import RoleAssignment
from accounts.roles import OPEN_CASE, Role
from accounts.scope import AnyUser, organisations_overseen_by, organisations_visible_to
from oversight.errors import NotFound, NotPermitted
from rsp.models import Case, CaseDocument, CaseUserObjectPermission

M = TypeVar("M", bound=Model)

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


def accesses(user: AnyUser, cases: Iterable[Case]) -> dict[int, CaseAccess]:
    """Each case's access for the user, in a constant number of queries (for lists)."""
    cases = list(cases)
    if not cases or not user.is_authenticated:
        return {}
    ids = [case.pk for case in cases]
    bodies = {case.organisation_id for case in cases}
    held: dict[str, set[int]] = {WORK_CASE: set(), SEE_INTERNAL: set()}
    for case_id, codename in CaseUserObjectPermission.objects.filter(
        user_id=user.pk, content_object_id__in=ids, permission__codename__in=list(held)
    ).values_list("content_object_id", "permission__codename"):
        held[codename].add(case_id)
    overseen = set(
        organisations_overseen_by(user).filter(pk__in=bodies).values_list("pk", flat=True)
    )
    deciding = set(
        organisations_visible_to(user, OPEN_CASE).filter(pk__in=bodies).values_list("pk", flat=True)
    )
    return {
        case.pk: CaseAccess(
            user_id=user.pk,
            see_internal=case.organisation_id in overseen or case.pk in held[SEE_INTERNAL],
            work=case.organisation_id in deciding or case.pk in held[WORK_CASE],
            decide=case.organisation_id in deciding,
        )
        for case in cases
    }


def access_of(user: AnyUser, case: Case) -> CaseAccess:
    """The user's access to a case they may see (call ``case_visible`` first)."""
    return accesses(user, [case]).get(case.pk) or CaseAccess(user.pk or 0, False, False, False)


def require_work(user: AnyUser, case: Case) -> CaseAccess:
    """The user's access, if they may work on the case: NotFound if they may not even see it,
    NotPermitted if they see it but may not change it."""
    if not cases_visible(user).filter(pk=case.pk).exists():
        raise NotFound("No such case.")
    access = access_of(user, case)
    if not access.work:
        raise NotPermitted("Only the case's lead and its region's leads change the case.")
    return access


def part_visible(user: AnyUser, model: type[M], pk: int | str, *, case_path: str = "case") -> M:
    """A part of a case (action, criterion, workstream, milestone) the user may see; NotFound
    otherwise, the same answer as a wrong id."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound("Not found.") from None
    found = (
        model._default_manager.filter(**{f"{case_path}__in": cases_visible(user)}, pk=key)
        .select_related(case_path)
        .first()
    )
    if found is None:
        raise NotFound("Not found.")
    return found


def document_visible(user: AnyUser, case: Case, pk: int | str) -> CaseDocument:
    """A document of the case the user may see: internal-only ones only for the case's team."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such document.") from None
    documents = CaseDocument.objects.filter(case=case, pk=key)
    if not access_of(user, case).see_internal:
        documents = documents.filter(internal=False)
    found = documents.first()
    if found is None:
        raise NotFound("No such document.")
    return found
