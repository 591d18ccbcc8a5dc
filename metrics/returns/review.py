"""The review steps of a return: justify warnings, sign off, accept, send back, reopen.

States (DESIGN.md "Return"): submitted → signed off → accepted, or sent back → submitted
again. Every state change is one transaction that writes the change and its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import REOPEN_RETURN, REVIEW_RETURN, SIGN_OFF_RETURN, SUBMIT_RETURN
from accounts.scope import can
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import (
    Finding,
    Reopening,
    Return,
    ReturnEvent,
    ReturnState,
    ReturnVersion,
    Severity,
)
from metrics.returns.events import event_record
from metrics.returns.policy import ReturnActionRefused, current_version_of, require_permission
from metrics.returns.series import accepted_series_refresh
from metrics.returns.signals import FollowUp, follow_ups, version_accepted
from oversight.errors import InputRejected
from oversight.models import Organisation


@transaction.atomic
def findings_justify(
    *, return_record: Return, justifications: dict[int, str], user: User
) -> list[Finding]:
    """Record why each warning is right as it is; needed before sign-off."""
    organisation = return_record.organisation
    if not can(user, SIGN_OFF_RETURN, organisation):
        require_permission(user, SUBMIT_RETURN, organisation, "justify its warnings")
    if return_record.state != ReturnState.SUBMITTED:
        raise ReturnActionRefused("Warnings can only be justified before the return is signed off.")
    version = current_version_of(return_record)
    findings = list(version.findings.filter(id__in=justifications, severity=Severity.WARNING))
    if len(findings) != len(justifications):
        raise ReturnActionRefused("Some warnings named are not warnings of the current version.")
    for finding in findings:
        text = justifications[finding.id].strip()
        if not text:
            raise ReturnActionRefused(f"Row {finding.row}: the justification is empty.")
        finding.justification, finding.justified_by = text, user
    Finding.objects.bulk_update(findings, ["justification", "justified_by"])
    event_record(
        return_record,
        ReturnEvent.Action.JUSTIFIED,
        user,
        version,
        findings={f.id: f.justification for f in findings},
    )
    return findings


def sign_off_declaration(version: ReturnVersion, organisation: Organisation) -> str:
    """What the approver declares by signing off: the one text the page shows and the audit
    event records (the API's ``declaration`` field confirms the same)."""
    return (
        f"I confirm that version {version.number} of this return is complete and correct for "
        f"{organisation.name}, and that each warning's justification is true."
    )


@transaction.atomic
def return_sign_off(*, return_record: Return, user: User, declaration: bool) -> Return:
    """Sign off the current version; ``declaration`` is the approver's confirmation of
    ``sign_off_declaration`` (checked last, after every refusal the state gives)."""
    return_record = Return.objects.select_for_update().get(pk=return_record.pk)
    require_permission(user, SIGN_OFF_RETURN, return_record.organisation, "sign off its returns")
    if return_record.state != ReturnState.SUBMITTED:
        raise ReturnActionRefused(
            "Only a submitted return can be signed off; this one is "
            f"{return_record.get_state_display().lower()}."
        )
    version = current_version_of(return_record)
    if version.uploaded_by_id == user.pk:
        raise ReturnActionRefused("Someone other than the person who uploaded it must sign it off.")
    unjustified = version.findings.filter(severity=Severity.WARNING, justification="").count()
    if unjustified:
        raise ReturnActionRefused(
            f"{unjustified} warning(s) need a justification before the return can be signed off."
        )
    if not declaration:
        message = "Confirm the declaration to sign off the return."
        raise InputRejected(message, {"declaration": [message]})
    version.signed_off_by, version.signed_off_at = user, timezone.now()
    version.save(update_fields=["signed_off_by", "signed_off_at"])
    return_record.state = ReturnState.SIGNED_OFF
    return_record.save(update_fields=["state", "updated_at"])
    event_record(
        return_record,
        ReturnEvent.Action.SIGNED_OFF,
        user,
        version,
        declaration=sign_off_declaration(version, return_record.organisation),
    )
    return return_record


def require_review(return_record: Return, user: User) -> ReturnVersion:
    require_permission(user, REVIEW_RETURN, return_record.organisation, "review its returns")
    if return_record.state != ReturnState.SIGNED_OFF:
        raise ReturnActionRefused(
            "Only a signed-off return can be accepted or sent back; this one is "
            f"{return_record.get_state_display().lower()}."
        )
    return current_version_of(return_record)


@dataclass(frozen=True)
class Acceptance:
    return_record: Return
    started: list[FollowUp]  # what the acceptance started, e.g. the quarter's calculation run


@transaction.atomic
def return_accept(*, return_record: Return, user: User) -> Acceptance:
    """Accept the current version: it is frozen and feeds the national figures. Says what it
    started (the calculation run) and records it in the "accepted" event."""
    return_record = Return.objects.select_for_update().get(pk=return_record.pk)
    version = require_review(return_record, user)
    version.reviewed_by, version.reviewed_at, version.accepted = user, timezone.now(), True
    version.save(update_fields=["reviewed_by", "reviewed_at", "accepted"])
    return_record.accepted_version = version
    return_record.state = ReturnState.ACCEPTED
    return_record.save(update_fields=["accepted_version", "state", "updated_at"])
    accepted_series_refresh(
        edition_id=return_record.edition_id, organisation_ids=[return_record.organisation_id]
    )
    Reopening.objects.filter(return_record=return_record, expires_at__gt=timezone.now()).update(
        expires_at=timezone.now()
    )
    started = follow_ups(
        version_accepted.send(sender=Return, return_record=return_record, version=version)
    )
    event_record(
        return_record,
        ReturnEvent.Action.ACCEPTED,
        user,
        version,
        started=[follow_up.as_detail() for follow_up in started],
    )
    return Acceptance(return_record, started)


@transaction.atomic
def return_send_back(*, return_record: Return, user: User, reason: str) -> Return:
    return_record = Return.objects.select_for_update().get(pk=return_record.pk)
    version = require_review(return_record, user)
    if not reason.strip():
        message = "Say why the return is being sent back."
        raise InputRejected(message, {"reason": [message]})
    version.reviewed_by, version.reviewed_at = user, timezone.now()
    version.review_reason = reason.strip()
    version.save(update_fields=["reviewed_by", "reviewed_at", "review_reason"])
    return_record.state = ReturnState.RETURNED
    return_record.save(update_fields=["state", "updated_at"])
    event_record(return_record, ReturnEvent.Action.SENT_BACK, user, version, reason=reason.strip())
    return return_record


@transaction.atomic
def return_reopen(
    *,
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    user: User,
    reason: str,
    expires_at: datetime,
) -> Reopening:
    """Let one body submit outside the window (or change an accepted return) until expiry."""
    require_permission(user, REOPEN_RETURN, organisation, "reopen its returns")
    if not reason.strip():
        message = "Say why the return is being reopened."
        raise InputRejected(message, {"reason": [message]})
    if expires_at <= timezone.now():
        message = "The reopening must expire in the future."
        raise InputRejected(message, {"expires_at": [message]})
    return_record, _ = Return.objects.get_or_create(
        organisation=organisation,
        period=period,
        edition=edition,
        defaults={"state": ReturnState.RETURNED},
    )
    reopening = Reopening.objects.create(
        return_record=return_record, reason=reason.strip(), expires_at=expires_at, reopened_by=user
    )
    event_record(
        return_record,
        ReturnEvent.Action.REOPENED,
        user,
        reason=reason.strip(),
        expires_at=expires_at.isoformat(),
    )
    return reopening
