"""The audit trail of a return (`ReturnEvent`): writing an event, and saying it in words."""

from __future__ import annotations

import contextlib
from datetime import datetime

from django.utils import timezone

from accounts.models import User
from metrics.models.returns import (
    Return,
    ReturnEvent,
    ReturnVersion,
)


def event_record(
    return_record: Return,
    action: str,
    actor: User,
    version: ReturnVersion | None = None,
    **detail: object,
) -> ReturnEvent:
    return ReturnEvent.objects.create(
        return_record=return_record, version=version, action=action, actor=actor, detail=detail
    )


def _number(value: object) -> str:
    return "blank" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def event_description(event: ReturnEvent) -> str:
    """What happened, in words, e.g. "Uploaded version 2 (returns.csv): 240 values, 3 new,
    5 changed, 232 unchanged"."""
    detail = event.detail or {}
    number = f"version {event.version.number}" if event.version else "the return"
    action = event.action
    if action == ReturnEvent.Action.UPLOADED:
        # Every upload records these counts (metrics.returns.storage); events written before
        # bulk uploads did may lack them, and read as 0 rather than fail the history page.
        parts = [f"{detail.get('values', 0)} values"]
        parts += [
            f"{detail.get(k, 0)} {k}"
            for k in ("new", "changed", "unchanged", "removed")
            if detail.get(k) or k in ("new", "changed", "unchanged")
        ]
        if detail.get("warnings"):
            parts.append(f"{detail['warnings']} warning(s)")
        return f"Uploaded {number} ({detail.get('file_name', 'file')}): " + ", ".join(parts)
    if action == ReturnEvent.Action.VALUES_CHANGED:
        count = len(detail.get("changes", []))
        return f"{count} value(s) changed or removed in {number}"
    if action == ReturnEvent.Action.JUSTIFIED:
        return f"Justified {len(detail.get('findings', {}))} warning(s) of {number}"
    if action == ReturnEvent.Action.SIGNED_OFF:
        declared = f", declaring: {detail['declaration']}" if detail.get("declaration") else ""
        return f"Signed off {number}{declared}"
    if action == ReturnEvent.Action.ACCEPTED:
        started = [str(f.get("label", "")) for f in detail.get("started", [])]
        return f"Accepted {number}" + (f"; started {', '.join(started)}" if started else "")
    if action == ReturnEvent.Action.SIGN_OFF_CANCELLED:
        by = f" (signed off by {detail['signed_off_by']})" if detail.get("signed_off_by") else ""
        new = f"version {detail['by_version']}" if detail.get("by_version") else "a new version"
        return f"Sign-off of {number}{by} cancelled by the upload of {new}"
    if action == ReturnEvent.Action.SENT_BACK:
        return f"Sent back {number}: {detail.get('reason', '')}"
    if action == ReturnEvent.Action.REOPENED:
        until = detail.get("expires_at", "")
        with contextlib.suppress(TypeError, ValueError):
            until = timezone.localtime(datetime.fromisoformat(until)).strftime("%-d %B %Y %H:%M")
        return f"Reopened until {until}: {detail.get('reason', '')}"
    return event.get_action_display()


def event_changes(event: ReturnEvent) -> list[str]:
    """Each value change of an event, old → new; each justification given."""
    detail = event.detail or {}
    if event.action == ReturnEvent.Action.VALUES_CHANGED:
        return [
            f"{c.get('metric')} {c.get('period_end')}: "
            f"{_number(c.get('old'))} → {_number(c.get('new'))}"
            for c in detail.get("changes", [])
        ]
    if event.action == ReturnEvent.Action.JUSTIFIED:
        return [str(text) for text in detail.get("findings", {}).values()]
    return []
