"""Writing the audit record of a registry or access change, in the change's own transaction."""

from __future__ import annotations

from accounts.models import AuditEvent, User
from oversight.models import Organisation


def audit_record(
    action: str,
    *,
    actor: User | None,
    subject: User | None = None,
    organisation: Organisation | None = None,
    **detail: object,
) -> AuditEvent:
    """One row of the audit trail; ``actor`` None means the service itself (a command, the
    demo). Call it inside the transaction that makes the change, so both commit or neither."""
    return AuditEvent.objects.create(
        action=action, actor=actor, subject=subject, organisation=organisation, detail=detail
    )
