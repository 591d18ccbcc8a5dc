"""Uploading a return: preview (a dry run), drafts, and storing a new immutable version.

Nothing a body sends is lost: each upload is a new `ReturnVersion` keeping the original file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import (
    F,
    Max,
)

from accounts.models import User
from accounts.roles import SUBMIT_RETURN
from accounts.scope import organisations_visible_to
from metrics.models.catalogue import FrameworkEdition, Metric, Period, body_group
from metrics.models.returns import (
    Finding,
    Return,
    ReturnDraft,
    ReturnEvent,
    ReturnState,
    ReturnVersion,
    Value,
    sha256_of,
)
from metrics.returns.context import MetricRule, ValidationContext
from metrics.returns.events import event_record
from metrics.returns.file import read_return_file
from metrics.returns.policy import (
    ReturnActionRefused,
    ReturnRejected,
    require_permission,
    require_uploadable,
)
from metrics.returns.validation import ValidationResult, validate_return
from metrics.returns.valuestore import value_rows, values_insert
from oversight.models import Organisation

# --- reading what a body's return looks like ------------------------------------------------


def metric_rules(edition: FrameworkEdition) -> dict[str, MetricRule]:
    return {m.code: MetricRule.from_metric(m) for m in Metric.objects.filter(edition=edition)}


def body_history(
    organisation: Organisation, edition: FrameworkEdition, before: date
) -> dict[str, list[float]]:
    """The body's accepted values before the quarter, oldest first, per metric code."""
    rows = (
        Value.objects.filter(
            organisation=organisation,
            metric__edition=edition,
            period_end__lt=before,
            version__return_record__accepted_version=F("version"),
        )
        .order_by("metric__code", "period_end")
        .values_list("metric__code", "value")
    )
    history: dict[str, list[float]] = {}
    for code, value in rows:
        history.setdefault(code, []).append(value)
    return history


def validation_context(
    *, organisation: Organisation, period: Period, edition: FrameworkEdition, user: User
) -> ValidationContext:
    return ValidationContext(
        organisation_code=organisation.ods_code,
        organisation_group=body_group(organisation),
        period_start=period.start,
        period_end=period.end,
        metrics=metric_rules(edition),
        history=body_history(organisation, edition, period.start),
        codes_in_scope=frozenset(
            organisations_visible_to(user, SUBMIT_RETURN).values_list("ods_code", flat=True)
        ),
        known_organisation_codes=frozenset(Organisation.objects.values_list("ods_code", flat=True)),
    )


# --- preview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueChange:
    metric_code: str
    period_end: date
    old: float | None
    new: float | None

    @property
    def kind(self) -> str:
        if self.old is None:
            return "new"
        if self.new is None:
            return "removed"
        return "unchanged" if self.old == self.new else "changed"


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


def _changes_against(previous: ReturnVersion | None, result: ValidationResult) -> list[ValueChange]:
    before: dict[tuple[str, date], float] = {}
    if previous is not None:
        before = {
            (code, end): value
            for code, end, value in previous.values.values_list(
                "metric__code", "period_end", "value"
            )
        }
    after = {(v.metric_code, v.period_end): v.value for v in result.values}
    keys = sorted(before.keys() | after.keys())
    return [
        ValueChange(code, end, before.get((code, end)), after.get((code, end)))
        for code, end in keys
    ]


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
    parsed = read_return_file(file_name, content)
    context = validation_context(
        organisation=organisation, period=period, edition=edition, user=user
    )
    result = validate_return(parsed, context)
    existing = Return.objects.filter(
        organisation=organisation, period=period, edition=edition
    ).first()
    sha = sha256_of(content)
    previous = existing.current_version if existing else None
    duplicate = (
        ReturnVersion.objects.filter(return_record=existing, file_sha256=sha).first()
        if existing
        else None
    )
    return Preview(
        file_name=file_name,
        sha256=sha,
        result=result,
        changes=_changes_against(previous, result),
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
) -> tuple[ReturnVersion, bool]:
    """Store a new version; returns (version, created). An identical file is recognised.

    Raises FileRejected (bad file), ReturnRejected (blocking findings) or ReturnActionRefused
    (role, window or state); in each case nothing is stored.
    """
    require_permission(user, SUBMIT_RETURN, organisation, "submit returns")
    return_record = (
        Return.objects.select_for_update()
        .filter(organisation=organisation, period=period, edition=edition)
        .first()
    )
    require_uploadable(return_record, period)
    preview = return_preview(
        organisation=organisation,
        period=period,
        edition=edition,
        file_name=file_name,
        content=content,
        user=user,
    )
    if preview.duplicate_of is not None:
        return preview.duplicate_of, False
    if preview.blocking:
        raise ReturnRejected(preview.result.findings)
    if return_record is None:
        return_record = Return.objects.create(
            organisation=organisation, period=period, edition=edition, state=ReturnState.SUBMITTED
        )
    version = _store_version(return_record, preview, content, user)
    return_record.current_version = version
    return_record.state = ReturnState.SUBMITTED
    return_record.save(update_fields=["current_version", "state", "updated_at"])
    event_record(
        return_record,
        ReturnEvent.Action.UPLOADED,
        user,
        version,
        file_name=file_name,
        sha256=preview.sha256,
        values=len(preview.result.values),
        warnings=len(preview.result.findings),
        new=preview.count("new"),
        changed=preview.count("changed"),
        unchanged=preview.count("unchanged"),
        removed=preview.count("removed"),
    )
    changed = [c for c in preview.changes if c.kind in ("changed", "removed")]
    if changed and return_record.versions.count() > 1:
        event_record(
            return_record,
            ReturnEvent.Action.VALUES_CHANGED,
            user,
            version,
            changes=[
                {
                    "metric": c.metric_code,
                    "period_end": c.period_end.isoformat(),
                    "old": c.old,
                    "new": c.new,
                }
                for c in changed
            ],
        )
    return version, True


def _store_version(
    return_record: Return, preview: Preview, content: bytes, user: User
) -> ReturnVersion:
    number = (return_record.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ReturnVersion.objects.create(
        return_record=return_record,
        number=number,
        file_name=preview.file_name[:255],
        file_content=content,
        file_sha256=preview.sha256,
        file_size=len(content),
        uploaded_by=user,
        value_count=len(preview.result.values),
    )
    metric_ids = dict(
        Metric.objects.filter(edition=return_record.edition).values_list("code", "id")
    )
    values_insert(
        value_rows(
            version_id=version.pk,
            organisation_id=return_record.organisation_id,
            metric_ids=metric_ids,
            values=preview.result.values,
        )
    )
    Finding.objects.bulk_create(
        Finding(
            version=version,
            row=f.row,
            column=f.column,
            code=f.code,
            severity=f.severity,
            message=f.message,
            metric_code=f.metric_code,
        )
        for f in preview.result.findings
    )
    return version


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
    require_permission(user, SUBMIT_RETURN, organisation, "submit returns")
    preview = return_preview(
        organisation=organisation,
        period=period,
        edition=edition,
        file_name=file_name,
        content=content,
        user=user,
    )
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
    return return_preview(
        organisation=draft.organisation,
        period=draft.period,
        edition=draft.edition,
        file_name=draft.file_name,
        content=bytes(draft.file_content),
        user=user,
    )


@transaction.atomic
def draft_submit(*, draft: ReturnDraft, user: User) -> tuple[ReturnVersion, bool]:
    """Submit a previewed draft: it becomes a version (validated again) and is deleted."""
    if draft.uploaded_by_id != user.pk:
        raise ReturnActionRefused("Only the person who uploaded a draft can submit it.")
    result = return_upload(
        organisation=draft.organisation,
        period=draft.period,
        edition=draft.edition,
        file_name=draft.file_name,
        content=bytes(draft.file_content),
        user=user,
    )
    draft.delete()
    return result
