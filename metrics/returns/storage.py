"""Storing new return versions: the one place a version is written, whatever the route.

A page's draft, the API, a national bulk file and the demo's history all end here, so every
version gets the same record in the caller's transaction: its file; its values (COPY on
PostgreSQL); the findings of its validation (warnings then need a justification before
sign-off); an "uploaded" event with the counts the history page shows; and, when it replaces a
version, a "values changed" event listing each value it changed or removed.

Set-based: a constant number of queries whatever the number of versions stored. Callers check
permission, window and blocking findings first (``metrics.returns.upload`` and ``.bulk``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from accounts.models import User
from metrics.models.catalogue import FrameworkEdition, Metric, Period
from metrics.models.returns import (
    Finding,
    Return,
    ReturnEvent,
    ReturnState,
    ReturnVersion,
    sha256_of,
)
from metrics.returns.changes import (
    Cell,
    ValueChange,
    change_counts,
    value_changes,
    values_of,
)
from metrics.returns.validation import ValidationResult
from metrics.returns.valuestore import value_rows, values_insert
from oversight.models import Organisation


@dataclass(frozen=True)
class Submission:
    """One body's file for the quarter and what its validation found (nothing blocking)."""

    organisation: Organisation
    file_name: str
    content: bytes
    result: ValidationResult

    @cached_property
    def sha256(self) -> str:
        return sha256_of(self.content)


@dataclass(frozen=True)
class StoredVersion:
    version: ReturnVersion
    created: bool  # False: the same file was stored before; that version is given back


def versions_store(
    *,
    period: Period,
    edition: FrameworkEdition,
    submissions: Sequence[Submission],
    user: User,
    at: datetime | None = None,
) -> list[StoredVersion]:
    """Store each submission as its body's next version (one per body), in submission order.

    A file identical to one of the return's stored versions makes nothing new: that version is
    given back with ``created`` false. ``at`` backdates the upload (the demo's history).
    """
    at = at or timezone.now()
    records = {
        r.organisation_id: r
        for r in Return.objects.select_for_update().filter(
            period=period,
            edition=edition,
            organisation_id__in=[s.organisation.pk for s in submissions],
        )
    }
    stored_files = {
        (v.return_record_id, v.file_sha256): v
        for v in ReturnVersion.objects.filter(return_record__in=list(records.values())).defer(
            "file_content"
        )
    }
    outcome: dict[int, StoredVersion] = {}
    fresh: list[Submission] = []
    for submission in submissions:
        record = records.get(submission.organisation.pk)
        same = stored_files.get((record.pk, submission.sha256)) if record else None
        if same is not None:
            outcome[submission.organisation.pk] = StoredVersion(same, created=False)
        else:
            fresh.append(submission)
    if fresh:
        outcome |= _store_fresh(fresh, records, period, edition, user, at)
    return [outcome[s.organisation.pk] for s in submissions]


def _store_fresh(
    fresh: list[Submission],
    records: dict[int, Return],
    period: Period,
    edition: FrameworkEdition,
    user: User,
    at: datetime,
) -> dict[int, StoredVersion]:
    replaced = {body: r.current_version_id for body, r in records.items()}
    before = values_of([version for version in replaced.values() if version])
    cancelled = _sign_offs_cancelled(fresh, records, user, at)  # before the states move on
    versions = _versions_create(fresh, records, period, edition, user, at)
    _values_and_findings(fresh, versions, edition)
    changes = [_changes(s, replaced.get(s.organisation.pk), before) for s in fresh]
    numbers = {version.return_record_id: version.number for version in versions}
    for event in cancelled:
        event.detail["by_version"] = numbers[event.return_record_id]
    ReturnEvent.objects.bulk_create(
        [
            *cancelled,
            *(
                event
                for s, version, changed in zip(fresh, versions, changes, strict=True)
                for event in _events(s, version, changed, at)
            ),
        ]
    )
    return {
        s.organisation.pk: StoredVersion(version, created=True)
        for s, version in zip(fresh, versions, strict=True)
    }


def _versions_create(
    fresh: list[Submission],
    records: dict[int, Return],
    period: Period,
    edition: FrameworkEdition,
    user: User,
    at: datetime,
) -> list[ReturnVersion]:
    """Each body's return (made if it has none yet), its next version, and the return
    pointing at it as current, submitted."""
    numbers = dict(
        ReturnVersion.objects.filter(return_record__in=list(records.values()))
        .values("return_record_id")
        .annotate(n=Max("number"))
        .values_list("return_record_id", "n")
    )
    made = Return.objects.bulk_create(
        Return(
            organisation=s.organisation,
            period=period,
            edition=edition,
            state=ReturnState.SUBMITTED,
        )
        for s in fresh
        if s.organisation.pk not in records
    )
    mine = {**records, **{r.organisation_id: r for r in made}}
    versions = ReturnVersion.objects.bulk_create(
        ReturnVersion(
            return_record=mine[s.organisation.pk],
            number=numbers.get(mine[s.organisation.pk].pk, 0) + 1,
            file_name=s.file_name[:255],
            file_content=s.content,
            file_sha256=s.sha256,
            file_size=len(s.content),
            uploaded_by=user,
            uploaded_at=at,
            value_count=len(s.result.values),
        )
        for s in fresh
    )
    for version in versions:
        record = version.return_record
        record.current_version, record.state, record.updated_at = version, ReturnState.SUBMITTED, at
    # One UPDATE: each return points at its newest version (bulk_update's CASE per row costs
    # seconds at national scale).
    newest = ReturnVersion.objects.filter(return_record=OuterRef("pk")).order_by("-number")
    Return.objects.filter(pk__in=[v.return_record_id for v in versions]).update(
        current_version=Subquery(newest.values("pk")[:1]),
        state=ReturnState.SUBMITTED,
        updated_at=at,
    )
    return versions


def _sign_offs_cancelled(
    fresh: list[Submission], records: dict[int, Return], user: User, at: datetime
) -> list[ReturnEvent]:
    """A "sign-off cancelled" event for each signed-off return a new version replaces (the
    callers asked the uploader to confirm it: ``policy.require_sign_off_cancel_confirmed``)."""
    signed = [
        records[s.organisation.pk]
        for s in fresh
        if s.organisation.pk in records
        and records[s.organisation.pk].state == ReturnState.SIGNED_OFF
    ]
    if not signed:
        return []
    versions = ReturnVersion.objects.filter(
        pk__in=[r.current_version_id for r in signed]
    ).select_related("signed_off_by")
    return [
        ReturnEvent(
            return_record_id=version.return_record_id,
            version=version,
            action=ReturnEvent.Action.SIGN_OFF_CANCELLED,
            actor=user,
            at=at,
            detail={
                "signed_off_by": version.signed_off_by.email if version.signed_off_by else "",
                "signed_off_at": version.signed_off_at.isoformat() if version.signed_off_at else "",
            },
        )
        for version in versions.defer("file_content")
    ]


def _changes(
    submission: Submission, replaced: int | None, before: dict[int, dict[Cell, float]]
) -> list[ValueChange] | None:
    """What the version changes against the one it replaces; None when it replaces none."""
    if replaced is None:
        return None
    return value_changes(before.get(replaced, {}), submission.result.values)


def _values_and_findings(
    fresh: list[Submission], versions: list[ReturnVersion], edition: FrameworkEdition
) -> None:
    metric_ids = dict(Metric.objects.filter(edition=edition).values_list("code", "id"))
    values_insert(
        [
            row
            for s, version in zip(fresh, versions, strict=True)
            for row in value_rows(
                version_id=version.pk,
                organisation_id=s.organisation.pk,
                metric_ids=metric_ids,
                values=s.result.values,
            )
        ]
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
        for s, version in zip(fresh, versions, strict=True)
        for f in s.result.findings
    )


def _events(
    submission: Submission,
    version: ReturnVersion,
    changes: list[ValueChange] | None,
    at: datetime,
) -> list[ReturnEvent]:
    """The "uploaded" event, and "values changed" when the version replaces one (``changes``
    None: nothing to replace, every value is new)."""
    counts = change_counts(changes or ())
    del counts["refused"]  # a stored version has no refused rows: nothing blocking is stored
    if changes is None:
        counts["new"] = len(submission.result.values)
    uploaded = ReturnEvent(
        return_record=version.return_record,
        version=version,
        action=ReturnEvent.Action.UPLOADED,
        actor=version.uploaded_by,
        at=at,
        detail={
            "file_name": version.file_name,
            "sha256": version.file_sha256,
            "values": len(submission.result.values),
            "warnings": len(submission.result.warnings),
            **counts,
        },
    )
    altered = [c.as_detail() for c in changes or () if c.kind in ("changed", "removed")]
    if not altered:
        return [uploaded]
    changed = ReturnEvent(
        return_record=version.return_record,
        version=version,
        action=ReturnEvent.Action.VALUES_CHANGED,
        actor=version.uploaded_by,
        at=at,
        detail={"changes": altered},
    )
    return [uploaded, changed]
