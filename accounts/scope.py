"""Scope: who may see and do what, over which bodies.

Role assignments are the record; django-guardian object permissions on the scope node are how
they are enforced. A role held over a region covers its systems and organisations; over a
system, its organisations. National roles hold the same permissions globally. Lists are
filtered in the query (`organisations_visible_to`); single objects are checked through
guardian (`can`). Outside the scope and not existing look the same to callers: both 404.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm, remove_perm

from accounts.audit import audit_record
from accounts.models import (
    AuditEvent,
    OrganisationUserObjectPermission,
    RegionUserObjectPermission,
    RoleAssignment,
    SystemUserObjectPermission,
    User,
)
from accounts.roles import EDIT_REGISTRY, ROLE_ACTIONS, ROLE_LEVELS, VIEW, Level, Role
from oversight.errors import NotFound, NotPermitted
from oversight.models import Organisation, Region, System

Node = Region | System | Organisation
AnyUser = User | AnonymousUser


class HasUser(Protocol):
    """A Django or DRF request: each carries the user who sent it."""

    @property
    def user(self) -> Any: ...


def request_user(request: HasUser) -> User:
    """The signed-in user of a request that ``login_required`` or ``IsAuthenticated`` let in."""
    user = request.user
    if not isinstance(user, User):  # only reached if a view forgot its login check
        raise PermissionDenied("Sign in first.")
    return user


def codename(action: str, model: type[Model]) -> str:
    """The permission codename of an action on a node model ("view" is per model)."""
    return f"view_{model._meta.model_name}" if action == VIEW else action


LEVEL_WORDS = {
    Level.NATIONAL: "the whole of England",
    Level.REGION: "a region",
    Level.SYSTEM: "an ICS",
    Level.ORGANISATION: "an organisation",
}


def level_of(node: Node | None) -> Level:
    if node is None:
        return Level.NATIONAL
    return {Region: Level.REGION, System: Level.SYSTEM, Organisation: Level.ORGANISATION}[
        type(node)
    ]


def require_role_manager(actor: User | None) -> None:
    """Roles are given and taken by the national team (``actor`` None: the service itself)."""
    if actor is not None and not is_national(actor, EDIT_REGISTRY):
        raise NotPermitted("Only the national team gives and takes roles.")


@transaction.atomic
def role_grant(
    *, user: User, role: str, node: Node | None, granted_by: User | None = None
) -> RoleAssignment:
    """Give `user` the role over `node` (None: all of England); safe to repeat."""
    require_role_manager(granted_by)
    level = level_of(node)
    if level not in ROLE_LEVELS[role]:
        allowed = " or ".join(LEVEL_WORDS[each] for each in sorted(ROLE_LEVELS[role]))
        raise ValidationError(
            f"The role {Role(role).label} is held over {allowed}, not over {LEVEL_WORDS[level]}."
        )
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        region=node if isinstance(node, Region) else None,
        system=node if isinstance(node, System) else None,
        organisation=node if isinstance(node, Organisation) else None,
        defaults={"granted_by": granted_by},
    )
    _apply_permissions(user, role, node)
    if created:
        audit_record(
            AuditEvent.Action.ROLE_GRANTED,
            actor=granted_by,
            subject=user,
            organisation=node if isinstance(node, Organisation) else None,
            role=role,
            scope=assignment.scope_name,
        )
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, revoked_by: User | None = None) -> None:
    """Remove one assignment and the permissions no other assignment of the user still gives."""
    require_role_manager(revoked_by)
    user, node = assignment.user, assignment.node
    audit_record(
        AuditEvent.Action.ROLE_REVOKED,
        actor=revoked_by,
        subject=user,
        organisation=node if isinstance(node, Organisation) else None,
        role=assignment.role,
        scope=assignment.scope_name,
    )
    assignment.delete()
    remaining = RoleAssignment.objects.filter(
        user=user,
        region=node if isinstance(node, Region) else None,
        system=node if isinstance(node, System) else None,
        organisation=node if isinstance(node, Organisation) else None,
    ).values_list("role", flat=True)
    kept = set().union(*(ROLE_ACTIONS[r] for r in remaining))
    for action in ROLE_ACTIONS[assignment.role] - kept:
        _remove_permission(user, action, node)


def _apply_permissions(user: User, role: str, node: Node | None) -> None:
    for action in ROLE_ACTIONS[role]:
        if node is None:
            user.user_permissions.add(*_global_permissions(action))
        else:
            assign_perm(codename(action, type(node)), user, node)
    # ModelBackend caches permissions on the instance.
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)


def _remove_permission(user: User, action: str, node: Node | None) -> None:
    if node is None:
        user.user_permissions.remove(*_global_permissions(action))
    else:
        remove_perm(codename(action, type(node)), user, node)


def _global_permissions(action: str) -> QuerySet[Permission]:
    return Permission.objects.filter(
        content_type__app_label="oversight",
        codename__in=[codename(action, model) for model in (Region, System, Organisation)],
    )


def is_national(user: AnyUser, action: str = VIEW) -> bool:
    return user.is_active and user.has_perm(f"oversight.{codename(action, Organisation)}")


PermissionTable = (
    type[RegionUserObjectPermission]
    | type[SystemUserObjectPermission]
    | type[OrganisationUserObjectPermission]
)


def _node_ids(user: AnyUser, action: str, table: PermissionTable, model: type[Model]) -> QuerySet:
    if user.pk is None:  # anonymous: holds nothing (the callers answer none() before this)
        return table.objects.none().values("content_object_id")
    return table.objects.filter(
        user_id=user.pk, permission__codename=codename(action, model)
    ).values("content_object_id")


def organisations_visible_to(user: AnyUser, action: str = VIEW) -> QuerySet[Organisation]:
    """Every body the user may see (or act on), in one query."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if is_national(user, action):
        return Organisation.objects.all()
    return Organisation.objects.filter(
        Q(id__in=_node_ids(user, action, OrganisationUserObjectPermission, Organisation))
        | Q(system_id__in=_node_ids(user, action, SystemUserObjectPermission, System))
        | Q(region_id__in=_node_ids(user, action, RegionUserObjectPermission, Region))
    )


def organisations_overseen_by(user: AnyUser, action: str = VIEW) -> QuerySet[Organisation]:
    """Bodies the user may see (or act on) through a national, regional or ICS role — not
    through a role held over the body itself. Oversight's internal work on a body (proposals,
    unpublished decisions) is for those who oversee it; the body sees only what is published."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if is_national(user, action):
        return Organisation.objects.all()
    return Organisation.objects.filter(
        Q(system_id__in=_node_ids(user, action, SystemUserObjectPermission, System))
        | Q(region_id__in=_node_ids(user, action, RegionUserObjectPermission, Region))
    )


def systems_visible_to(user: AnyUser, action: str = VIEW) -> QuerySet[System]:
    if not user.is_authenticated:
        return System.objects.none()
    if is_national(user, action):
        return System.objects.all()
    return System.objects.filter(
        Q(id__in=_node_ids(user, action, SystemUserObjectPermission, System))
        | Q(region_id__in=_node_ids(user, action, RegionUserObjectPermission, Region))
    )


def regions_visible_to(user: AnyUser, action: str = VIEW) -> QuerySet[Region]:
    if not user.is_authenticated:
        return Region.objects.none()
    if is_national(user, action):
        return Region.objects.all()
    return Region.objects.filter(id__in=_node_ids(user, action, RegionUserObjectPermission, Region))


def can(user: AnyUser, action: str, organisation: Organisation) -> bool:
    """May the user do `action` on this body? Checked through guardian up the hierarchy."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_national(user, action):
        return True
    checker = ObjectPermissionChecker(user)
    chain: list[Node] = [organisation, organisation.region]
    if organisation.system is not None:
        chain.insert(1, organisation.system)
    return any(checker.has_perm(codename(action, type(node)), node) for node in chain)


# --- fetch and authorise: one helper per resource, pages and API alike ------------------------

NO_SUCH_ORGANISATION = "No such organisation."


def normalise_ods_code(code: str) -> str:
    """The registry stores ODS codes upper case; links, forms and API callers may not."""
    return code.strip().upper()


def require(user: AnyUser, action: str, organisation: Organisation, what: str) -> None:
    """Refuse unless the user may do `action` on the body. Someone who may not even see it hears
    what they would hear of a body that does not exist (NotFound); someone who may see it but
    not do this hears what they may not do (NotPermitted, e.g. "may not submit its returns")."""
    if can(user, action, organisation):
        return
    if action != VIEW and can(user, VIEW, organisation):
        raise NotPermitted(f"You can see {organisation.name} but may not {what}.")
    raise NotFound(NO_SUCH_ORGANISATION)


def organisation_for(
    user: AnyUser, code: str, action: str = VIEW, what: str = "do this"
) -> Organisation:
    """The body with this ODS code if the user may see it (and do `action` on it); NotFound
    for "not yours" and "does not exist" alike."""
    organisation = (
        organisations_visible_to(user)
        .select_related("region", "system")
        .filter(ods_code=normalise_ods_code(code))
        .first()
    )
    if organisation is None:
        raise NotFound(NO_SUCH_ORGANISATION)
    if action != VIEW:
        require(user, action, organisation, what)
    return organisation


def region_for(user: AnyUser, code: str) -> Region:
    region = regions_visible_to(user).filter(ods_code=normalise_ods_code(code)).first()
    if region is None:
        raise NotFound("No such region.")
    return region


def system_for(user: AnyUser, code: str) -> System:
    found = (
        systems_visible_to(user)
        .select_related("region")
        .filter(ods_code=normalise_ods_code(code))
        .first()
    )
    if found is None:
        raise NotFound("No such ICS.")
    return found


def scope_label(user: AnyUser) -> str:
    """How the header describes the user's scope, e.g. "North West · Regional lead"."""
    if not user.is_authenticated:
        return ""
    assignments = RoleAssignment.objects.filter(user_id=user.pk).select_related(
        "region", "system", "organisation"
    )
    return "; ".join(f"{a.scope_name} · {a.get_role_display()}" for a in assignments)
