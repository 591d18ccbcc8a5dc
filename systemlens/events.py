"""The one way the system lens writes its audit trail (inside the change's transaction)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from oversight.models import Organisation, System
from systemlens.models import LensAction, LensEvent


def event_record(
    *,
    action: LensAction,
    actor: User,
    subject_id: int,
    system: System | None = None,
    organisation: Organisation | None = None,
    detail: dict[str, Any] | None = None,
) -> LensEvent:
    if system is None and organisation is not None:
        system = organisation.system
    return LensEvent.objects.create(
        action=action,
        actor=actor,
        subject_id=subject_id,
        system=system,
        organisation=organisation,
        detail=detail or {},
    )
