"""National bulk upload: one file with every body's return for a quarter.

The national team (or a data service acting for many bodies) sends one file; it is read once
and split by organisation. Each body's rows become that body's own file (its version keeps
them as CSV, numbered from line 2), validated against the body's own history like any single
upload, and stored through the one path every version takes (``metrics.returns.storage``), all
in one transaction: one blocking finding anywhere and nothing is stored. A refusal points at
the rows of the national file.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils import timezone

from accounts.audit import Event, audit_log
from accounts.models import User
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import Reopening, Return
from metrics.returns.context import FindingData, ValidationContext
from metrics.returns.contexts import QuarterChecks, quarter_checks, submittable_codes
from metrics.returns.file import RawRow, ReturnFile, read_return_file
from metrics.returns.policy import (
    ReturnActionRefused,
    ReturnRejected,
    SignOffWouldBeCancelled,
    require_sign_off_cancel_confirmed,
    upload_refusal,
)
from metrics.returns.storage import Submission, versions_store
from metrics.returns.validation import ValidationResult, validate_return
from oversight.models import Organisation


@dataclass
class BulkReport:
    bodies: int = 0  # new versions stored
    values: int = 0
    identical: int = 0  # bodies whose rows were identical to a version already stored
    warnings: dict[str, list[FindingData]] = field(default_factory=dict)  # by ODS code

    @property
    def warning_count(self) -> int:
        return sum(len(found) for found in self.warnings.values())


@dataclass(frozen=True)
class BodyRows:
    """One body's rows of the national file, and its own file made of them."""

    code: str
    body: Organisation | None  # None: not a body the uploader may submit for
    national: list[RawRow]  # numbered as in the national file

    def own_file(self) -> ReturnFile:
        """The rows as the body's own file: line 1 its header, its rows from line 2."""
        rows = [replace(row, line=number) for number, row in enumerate(self.national, start=2)]
        return ReturnFile(f"{self.code}.csv", "csv", rows)

    def content(self) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(self.national[0].cells), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(row.cells for row in self.national)
        return out.getvalue().encode()


def split_by_body(parsed: ReturnFile, in_scope: dict[str, Organisation]) -> list[BodyRows]:
    groups: dict[str, list[RawRow]] = defaultdict(list)
    for row in parsed.rows:
        groups[row.cells.get("organisation_code", "").strip().upper()].append(row)
    return [BodyRows(code, in_scope.get(code), rows) for code, rows in groups.items()]


def returns_bulk_upload(
    *,
    period: Period,
    edition: FrameworkEdition,
    file_name: str,
    content: bytes,
    user: User,
    cancel_sign_offs: bool = False,
) -> BulkReport:
    """Validate and store every body's return in one file. Raises FileRejected/ReturnRejected,
    or ReturnActionRefused when a body's return cannot take a new version now — among them
    SignOffWouldBeCancelled for a signed-off return, unless ``cancel_sign_offs``."""
    parsed = read_return_file(file_name, content)
    scope = submittable_codes(user)
    codes = {row.cells.get("organisation_code", "").strip().upper() for row in parsed.rows}
    in_scope = {o.ods_code: o for o in Organisation.objects.filter(ods_code__in=codes & scope)}
    bodies = split_by_body(parsed, in_scope)
    checks = quarter_checks(
        period=period, edition=edition, bodies=in_scope.values(), codes_in_scope=scope
    )
    results = [validate_return(rows.own_file(), _context(checks, rows)) for rows in bodies]
    if any(result.blocking for result in results):
        raise ReturnRejected(_national_findings(bodies, results, checks))
    with transaction.atomic():
        _refuse_locked(bodies, period, edition, cancel_sign_offs)
        stored = versions_store(
            period=period,
            edition=edition,
            submissions=[
                Submission(rows.body, f"{rows.code} from {file_name}", rows.content(), result)
                for rows, result in zip(bodies, results, strict=True)
                if rows.body is not None
            ],
            user=user,
        )
    report = BulkReport(
        bodies=sum(1 for s in stored if s.created),
        values=sum(s.version.value_count for s in stored if s.created),
        identical=sum(1 for s in stored if not s.created),
    )
    audit_log(
        Event.UPLOAD,
        user=user,
        obj=file_name,
        bulk=True,
        versions=[s.version.pk for s in stored if s.created],
    )
    report.warnings = {
        rows.code: result.warnings
        for rows, result in zip(bodies, results, strict=True)
        if result.warnings
    }
    return report


def _context(checks: QuarterChecks, rows: BodyRows) -> ValidationContext:
    return checks.context_for(rows.code, rows.body)


def _national_findings(
    bodies: Sequence[BodyRows], results: Sequence[ValidationResult], checks: QuarterChecks
) -> list[FindingData]:
    """The findings of the bodies refused, again, on the national file's rows."""
    findings: list[FindingData] = []
    for rows, result in zip(bodies, results, strict=True):
        if result.blocking:
            national = ReturnFile("national", "csv", rows.national)
            findings += validate_return(national, _context(checks, rows)).findings
    return sorted(findings, key=lambda f: (f.row is None, f.row or 0))


def _refuse_locked(
    bodies: Iterable[BodyRows], period: Period, edition: FrameworkEdition, cancel_sign_offs: bool
) -> None:
    """The window and state rule of every body's return, in three queries. (A signed-off
    return is refused without ``cancel_sign_offs`` even where its file is identical and would
    make no new version: the flag is cheap to give, a silent cancellation is not.)"""
    wanted = [rows.body for rows in bodies if rows.body is not None]
    records = {
        r.organisation_id: r
        for r in Return.objects.select_for_update(of=("self",))
        .filter(period=period, edition=edition, organisation__in=wanted)
        .select_related("current_version__signed_off_by")
        .defer("current_version__file_content")
    }
    reopenings = _active_reopenings(records.values())
    for body in wanted:
        refusal = upload_refusal(records.get(body.pk), period, reopenings.get(body.pk))
        if refusal:
            raise ReturnActionRefused(f"{body.ods_code}: {refusal}")
        try:
            require_sign_off_cancel_confirmed(records.get(body.pk), cancel_sign_offs)
        except SignOffWouldBeCancelled as cancelling:
            raise SignOffWouldBeCancelled(
                f"{body.ods_code}: {cancelling.message} (--cancel-sign-offs)"
            ) from None


def _active_reopenings(records: Iterable[Return]) -> dict[int, Reopening]:
    """The running reopening of each return, by organisation id, in one query."""
    running = Reopening.objects.filter(
        return_record__in=list(records), expires_at__gt=timezone.now()
    ).select_related("return_record")
    return {r.return_record.organisation_id: r for r in running.order_by("expires_at")}
