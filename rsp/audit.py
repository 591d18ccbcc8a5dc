"""The case's audit trail: every change is one ``CaseEvent`` in the change's transaction."""

from __future__ import annotations

from accounts.models import User
from rsp.models import Case, CaseEvent


def case_event(
    case: Case,
    action: str,
    *,
    actor: User | None,
    what: str,
    why: str = "",
    subject: str = "",
    internal: bool = False,
    **detail: object,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        action=action,
        subject=subject,
        actor=actor,
        what=what,
        why=why.strip(),
        internal=internal,
        detail=detail,
    )
