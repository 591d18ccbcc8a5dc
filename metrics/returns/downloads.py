"""What an analyst downloads about a return: the findings report and the pre-filled template."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Literal, cast

import openpyxl
from openpyxl.styles import Font

from accounts.models import User
from metrics.engine.cells import (
    expected_period_ends,
)
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import (
    Finding,
)
from metrics.returns.context import FindingData, ValidationContext
from metrics.returns.file import COLUMNS
from metrics.returns.upload import validation_context
from oversight.models import Organisation

if TYPE_CHECKING:
    pass


FINDINGS_CSV_COLUMNS = ("row", "column", "code", "severity", "message", "metric_code")

# The files a return's pages and API offer, by the suffix a user asks for.
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def findings_csv(findings: Sequence[FindingData]) -> str:
    """The downloadable findings report, one finding a line, in the order given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FINDINGS_CSV_COLUMNS)
    for finding in findings:
        cells = [finding.row or "", finding.column, finding.code, finding.severity]
        writer.writerow([*cells, inert(finding.message), inert(finding.metric_code)])
    return out.getvalue()


def inert(text: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP "CSV injection")."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# The template: one row per applicable metric and period end, values blank.


def template_rows(context: ValidationContext) -> list[dict[str, str]]:
    rows = []
    for rule in context.applicable_metrics():
        for day in expected_period_ends(rule.frequency, context.period_start, context.period_end):
            row = dict.fromkeys(COLUMNS, "")
            row.update(
                organisation_code=context.organisation_code,
                metric_code=rule.code,
                period_end=day.isoformat(),
            )
            rows.append(row)
    return rows


def template_csv(context: ValidationContext) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(template_rows(context))
    return out.getvalue()


def template_xlsx(context: ValidationContext) -> bytes:
    """The template as a workbook: the sheet "return", and a "metrics" sheet to read by it."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "return"
    sheet.append(list(COLUMNS))
    for row in template_rows(context):
        day = date.fromisoformat(row["period_end"])
        sheet.append([row["organisation_code"], row["metric_code"], day])
        sheet.cell(row=sheet.max_row, column=3).number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFG", (20, 14, 14, 12, 12, 14, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("metrics")
    guide.append(
        ["metric_code", "name", "unit", "value_type", "frequency", "valid_min", "valid_max"]
    )
    for rule in context.applicable_metrics():
        guide.append([rule.code, rule.name, rule.unit, rule.value_type, rule.frequency,
                      rule.valid_min, rule.valid_max])  # fmt: skip
    guide.column_dimensions["B"].width = 70
    for header in (sheet[1], guide[1]):
        for cell in header:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_download(
    *,
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    file_format: str,
    user: User,
) -> tuple[bytes | str, str]:
    """A return file pre-filled for the body and quarter: (content, file name)."""
    context = validation_context(
        organisation=organisation, period=period, edition=edition, user=user
    )
    name = f"{organisation.ods_code}-{period.slug}-return.{file_format}"
    if file_format == "xlsx":
        return template_xlsx(context), name
    return template_csv(context), name


def findings_report(findings: Iterable[Finding]) -> str:
    """The findings CSV of a stored version."""
    return findings_csv(
        [
            FindingData(
                row=f.row,
                column=f.column,
                code=f.code,
                severity=cast(Literal["blocking", "warning"], f.severity),
                message=f.message,
                metric_code=f.metric_code,
            )
            for f in findings
        ]
    )
