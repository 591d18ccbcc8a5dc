"""National bulk upload: one file with every body's return for a quarter.

The national team (or a data service acting for many bodies) sends one file; it is read once,
split by organisation, validated body by body against each body's own history, and stored as
one new version per body, all in one transaction: one blocking finding anywhere and nothing is
stored. Values go in with COPY on PostgreSQL (`values_insert`).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import User
from accounts.roles import SUBMIT_RETURN
from accounts.scope import organisations_visible_to
from metrics.models.catalogue import FrameworkEdition, Metric, Period, body_group
from metrics.models.returns import (
    Reopening,
    Return,
    ReturnEvent,
    ReturnState,
    ReturnVersion,
    Value,
    sha256_of,
)
from metrics.returns.context import CleanValue, FindingData, ValidationContext
from metrics.returns.file import RawRow, ReturnFile, read_return_file
from metrics.returns.policy import ReturnActionRefused, ReturnRejected, upload_refusal
from metrics.returns.upload import metric_rules
from metrics.returns.validation import validate_return
from metrics.returns.valuestore import value_rows, values_insert
from oversight.models import Organisation

# The outlier check needs the body's recent history only: a year of months is plenty.
HISTORY_DAYS = 3 * 366


@dataclass
class BulkReport:
    bodies: int = 0
    values: int = 0
    identical: int = 0
    findings: list[FindingData] = field(default_factory=list)


def _histories(bodies: Iterable[int], edition: FrameworkEdition, period: Period) -> dict:
    """Accepted values of the recent past for every body at once: {org id: {code: [values]}}."""
    rows = (
        Value.objects.filter(
            organisation_id__in=list(bodies),
            metric__edition=edition,
            period_end__lt=period.start,
            period_end__gte=period.start - timedelta(days=HISTORY_DAYS),
            version__return_record__accepted_version=F("version"),
        )
        .order_by("organisation_id", "metric__code", "period_end")
        .values_list("organisation_id", "metric__code", "value")
    )
    history: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for organisation_id, code, value in rows:
        history[organisation_id][code].append(value)
    return history


def _split(parsed: ReturnFile) -> dict[str, list[RawRow]]:
    groups: dict[str, list[RawRow]] = defaultdict(list)
    for row in parsed.rows:
        groups[row.cells.get("organisation_code", "").strip().upper()].append(row)
    return groups


def _slice_csv(rows: Sequence[RawRow]) -> bytes:
    """One body's rows of the national file, in the documented return layout."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].cells), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(row.cells for row in rows)
    return out.getvalue().encode()


def returns_bulk_upload(
    *,
    period: Period,
    edition: FrameworkEdition,
    file_name: str,
    content: bytes,
    user: User,
) -> BulkReport:
    """Validate and store every body's return in one file. Raises FileRejected/ReturnRejected."""
    parsed = read_return_file(file_name, content)
    groups = _split(parsed)
    in_scope = {
        o.ods_code: o
        for o in organisations_visible_to(user, SUBMIT_RETURN).filter(ods_code__in=list(groups))
    }
    known = frozenset(Organisation.objects.values_list("ods_code", flat=True))
    rules = metric_rules(edition)
    histories = _histories((o.pk for o in in_scope.values()), edition, period)
    report = BulkReport()
    validated: list[tuple[Organisation, list[RawRow], list[CleanValue]]] = []
    for code, rows in groups.items():
        body = in_scope.get(code)
        context = ValidationContext(
            organisation_code=code,
            organisation_group=body_group(body) if body else "",
            period_start=period.start,
            period_end=period.end,
            metrics=rules,
            history=histories.get(body.pk, {}) if body else {},
            codes_in_scope=frozenset(in_scope),
            known_organisation_codes=known,
        )
        result = validate_return(ReturnFile(parsed.file_name, parsed.kind, rows), context)
        report.findings += result.findings
        if body is not None:
            validated.append((body, rows, result.values))
    if any(f.severity == "blocking" for f in report.findings):
        raise ReturnRejected(report.findings)
    with transaction.atomic():
        _store_all(validated, period, edition, user, file_name, sha256_of(content), report)
    return report


def _store_all(
    validated: list[tuple[Organisation, list[RawRow], list[CleanValue]]],
    period: Period,
    edition: FrameworkEdition,
    user: User,
    file_name: str,
    sha: str,
    report: BulkReport,
) -> None:
    """Store every body's version with a constant number of queries, whatever the bodies."""
    existing = {
        r.organisation_id: r
        for r in Return.objects.select_for_update().filter(
            period=period, edition=edition, organisation__in=[b for b, _, _ in validated]
        )
    }
    reopenings = _active_reopenings(existing.values())
    known_files = set(
        ReturnVersion.objects.filter(return_record__in=existing.values()).values_list(
            "return_record__organisation_id", "file_sha256"
        )
    )
    numbers = dict(
        ReturnVersion.objects.filter(return_record__in=existing.values())
        .values("return_record__organisation_id")
        .annotate(n=Max("number"))
        .values_list("return_record__organisation_id", "n")
    )
    pending: list[tuple[Organisation, bytes, list[CleanValue]]] = []
    for body, rows, values in validated:
        record = existing.get(body.pk)
        refusal = upload_refusal(record, period, reopenings.get(body.pk))
        if refusal:
            raise ReturnActionRefused(f"{body.ods_code}: {refusal}")
        content = _slice_csv(rows)
        if (body.pk, sha256_of(content)) in known_files:
            report.identical += 1
        else:
            pending.append((body, content, values))
    new_returns = Return.objects.bulk_create(
        Return(organisation=b, period=period, edition=edition, state=ReturnState.SUBMITTED)
        for b, _, _ in pending
        if b.pk not in existing
    )
    existing.update({r.organisation_id: r for r in new_returns})
    versions = ReturnVersion.objects.bulk_create(
        ReturnVersion(
            return_record=existing[body.pk],
            number=numbers.get(body.pk, 0) + 1,
            file_name=f"{body.ods_code} from {file_name}"[:255],
            file_content=content,
            file_sha256=sha256_of(content),
            file_size=len(content),
            uploaded_by=user,
            value_count=len(values),
        )
        for body, content, values in pending
    )
    records = [existing[body.pk] for body, _, _ in pending]
    for record, version in zip(records, versions, strict=True):
        record.current_version, record.state = version, ReturnState.SUBMITTED
    Return.objects.bulk_update(records, ["current_version", "state"])
    ReturnEvent.objects.bulk_create(
        ReturnEvent(
            return_record=record,
            version=version,
            action=ReturnEvent.Action.UPLOADED,
            actor=user,
            detail={
                "file_name": file_name,
                "sha256": sha,
                "values": version.value_count,
                "bulk": True,
            },
        )
        for record, version in zip(records, versions, strict=True)
    )
    metric_ids = dict(Metric.objects.filter(edition=edition).values_list("code", "id"))
    inserted = [
        row
        for (body, _, values), version in zip(pending, versions, strict=True)
        for row in value_rows(
            version_id=version.pk, organisation_id=body.pk, metric_ids=metric_ids, values=values
        )
    ]
    values_insert(inserted)
    report.bodies, report.values = len(pending), len(inserted)


def _active_reopenings(records: Iterable[Return]) -> dict[int, Reopening]:
    """The running reopening of each return, by organisation id, in one query."""
    running = Reopening.objects.filter(
        return_record__in=list(records), expires_at__gt=timezone.now()
    ).select_related("return_record")
    return {r.return_record.organisation_id: r for r in running.order_by("expires_at")}
