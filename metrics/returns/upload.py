"""Uploading a return: preview (a dry run), drafts, and storing a new immutable version.

Nothing a body sends is lost: each upload is a new `ReturnVersion` keeping the original file."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from accounts.audit import Event, audit_log
from accounts.models import User
from accounts.roles import SUBMIT_RETURN
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import Return, ReturnDraft, ReturnVersion, sha256_of
from metrics.returns.changes import ValueChange, value_changes, values_of
from metrics.returns.contexts import validation_context
from metrics.returns.file import read_return_file
from metrics.returns.policy import (
    ReturnActionRefused,
    ReturnRejected,
    require_permission,
    require_sign_off_cancel_confirmed,
    require_uploadable,
)
from metrics.returns.storage import Submission, versions_store
from metrics.returns.validation import ValidationResult, validate_return
from oversight.models import Organisation

# --- preview ---------------------------------------------------------------------------------


@dataclass
class Preview:
    """What an upload would do, without storing anything (a dry run)."""

    file_name: str
    sha256: str
    result: ValidationResult
    changes: list[ValueChange] = field(default_factory=list)
    duplicate_of: ReturnVersion | None = None

    @property
    def blocking(self) -> bool:
        return self.result.blocking

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


def return_preview(
    *,
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    file_name: str,
    content: bytes,
    user: User,
) -> Preview:
    """Validate a file and compare it with the last version. Raises FileRejected for bad files."""
    require_permission(user, SUBMIT_RETURN, organisation, "submit its returns")
    return _preview(organisation, period, edition, file_name, content, user)


def _preview(
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    file_name: str,
    content: bytes,
    user: User,
) -> Preview:
    parsed = read_return_file(file_name, content)
    context = validation_context(
        organisation=organisation, period=period, edition=edition, user=user
    )
    result = validate_return(parsed, context)
    existing = Return.objects.filter(
        organisation=organisation, period=period, edition=edition
    ).first()
    sha = sha256_of(content)
    previous = existing.current_version_id if existing else None
    before = values_of([previous]).get(previous, {}) if previous else {}
    duplicate = (
        ReturnVersion.objects.filter(return_record=existing, file_sha256=sha).first()
        if existing
        else None
    )
    return Preview(
        file_name=file_name,
        sha256=sha,
        result=result,
        changes=value_changes(before, result.values, result.refused),
        duplicate_of=duplicate,
    )


@transaction.atomic
def return_upload(
    *,
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    file_name: str,
    content: bytes,
    user: User,
    cancel_sign_off: bool = False,
) -> tuple[ReturnVersion, bool]:
    """Store a new version; returns (version, created). An identical file is recognised.

    Raises FileRejected (bad file), ReturnRejected (blocking findings), NotPermitted (role),
    ReturnActionRefused (window or state) or SignOffWouldBeCancelled (a signed-off return,
    without ``cancel_sign_off``); in each case nothing is stored.
    """
    require_permission(user, SUBMIT_RETURN, organisation, "submit its returns")
    return_record = (
        Return.objects.select_for_update()
        .filter(organisation=organisation, period=period, edition=edition)
        .first()
    )
    require_uploadable(return_record, period)
    preview = _preview(organisation, period, edition, file_name, content, user)
    if preview.duplicate_of is not None:
        _audit_upload(preview.duplicate_of, user, file_name, created=False)
        return preview.duplicate_of, False
    require_sign_off_cancel_confirmed(return_record, cancel_sign_off)
    if preview.blocking:
        raise ReturnRejected(preview.result.findings)
    [stored] = versions_store(
        period=period,
        edition=edition,
        submissions=[Submission(organisation, file_name, content, preview.result)],
        user=user,
    )
    _audit_upload(stored.version, user, file_name, created=stored.created)
    return stored.version, stored.created


def _audit_upload(version: ReturnVersion, user: User, file_name: str, *, created: bool) -> None:
    audit_log(
        Event.UPLOAD,
        user=user,
        obj=f"return_version:{version.pk}",
        file=file_name,
        stored="new version" if created else "identical to the stored version",
    )


@transaction.atomic
def draft_create(
    *,
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    file_name: str,
    content: bytes,
    user: User,
) -> tuple[ReturnDraft, Preview]:
    """Keep an uploaded file for its preview; the user's earlier drafts of it are replaced.

    Raises FileRejected for a file that cannot be read at all (nothing is kept then).
    """
    require_permission(user, SUBMIT_RETURN, organisation, "submit its returns")
    preview = _preview(organisation, period, edition, file_name, content, user)
    ReturnDraft.objects.filter(
        organisation=organisation, period=period, edition=edition, uploaded_by=user
    ).delete()
    draft = ReturnDraft.objects.create(
        organisation=organisation,
        period=period,
        edition=edition,
        uploaded_by=user,
        file_name=file_name[:255],
        file_content=content,
    )
    return draft, preview


def draft_preview(draft: ReturnDraft, user: User) -> Preview:
    """What submitting the draft would do; a draft is only ever its uploader's."""
    return _preview(
        draft.organisation, draft.period, draft.edition, draft.file_name, draft.content, user
    )


@transaction.atomic
def draft_submit(
    *, draft: ReturnDraft, user: User, cancel_sign_off: bool = False
) -> tuple[ReturnVersion, bool]:
    """Submit a previewed draft: it becomes a version (validated again) and is deleted."""
    if draft.uploaded_by_id != user.pk:
        raise ReturnActionRefused("Only the person who uploaded a draft can submit it.")
    result = return_upload(
        organisation=draft.organisation,
        period=draft.period,
        edition=draft.edition,
        file_name=draft.file_name,
        content=draft.content,
        user=user,
        cancel_sign_off=cancel_sign_off,
    )
    draft.delete()
    return result
