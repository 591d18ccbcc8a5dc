"""Oversight across ICSs: set an organisation's agreed lead ICS and the other ICSs it serves.
Each of those ICSs' leads then sees it (``access.bodies_overseen``)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from oversight.errors import InputRejected
from oversight.models import Organisation, OrganisationKind, System
from systemlens.access import require_oversight_of_body
from systemlens.events import event_record
from systemlens.models import LensAction, ServedSystem


@transaction.atomic
def oversight_across_set(
    *, organisation: Organisation, lead: System, served: list[System], user: User
) -> list[ServedSystem]:
    """Replace the body's lead and served ICSs (the lead is served too)."""
    require_oversight_of_body(user, organisation)
    if organisation.kind != OrganisationKind.TRUST:
        raise InputRejected(
            "Only a trust is overseen across ICSs.",
            {"organisation": [f"{organisation.name} is not a trust."]},
        )
    others = [system for system in dict.fromkeys(served) if system.pk != lead.pk]
    ServedSystem.objects.filter(organisation=organisation).delete()
    rows = ServedSystem.objects.bulk_create(
        [ServedSystem(organisation=organisation, system=lead, is_lead=True, recorded_by=user)]
        + [
            ServedSystem(organisation=organisation, system=system, recorded_by=user)
            for system in others
        ]
    )
    event_record(
        action=LensAction.ACROSS_SYSTEMS,
        actor=user,
        subject_id=organisation.pk,
        organisation=organisation,
        detail={"lead": lead.ods_code, "served": [system.ods_code for system in others]},
    )
    return rows


def served_systems(organisation: Organisation) -> QuerySet[ServedSystem]:
    return ServedSystem.objects.filter(organisation=organisation).select_related("system")


def lead_system(organisation: Organisation) -> System | None:
    """The agreed lead ICS of a body overseen across ICSs, else None (its own ICS leads)."""
    row = served_systems(organisation).filter(is_lead=True).first()
    return row.system if row is not None else None
