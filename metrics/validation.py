"""Validation of a quarterly return: plain values in, findings and clean values out.

``validate_return`` applies, in order:

1. the row rules of ``metrics.validation_rules`` to each row (organisation, metric, period end,
   value, numerator and denominator, comment, NHS numbers anywhere);
2. duplicates: two rows for the same organisation, metric and period end — both are blocked;
3. missing metrics (warning): an applicable metric with no row for a period end it needs;
4. outliers against the body's own history (warning): the modified z-score of
   ``metrics.cells.modified_z_score`` (Iglewicz and Hoaglin), |M| > 3.5.

A file is all-or-nothing: a caller stores nothing while ``ValidationResult.blocking`` is true.
``values`` holds a ``CleanValue`` for each row with a value and no blocking finding of its own;
a blank value is missing, never zero, and gives no ``CleanValue``. The database is not involved:
build the context with ``MetricRule.from_metric`` and the caller's selectors.

This module also writes what the analyst downloads: the findings report (``findings_csv``)
and the pre-filled template of a body's return for a quarter (``template_csv``,
``template_xlsx``).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import openpyxl
from openpyxl.styles import Font

from metrics.cells import (
    Z_THRESHOLD,
    expected_period_ends,
    format_date,
    format_number,
    modified_z_score,
)
from metrics.returnfile import COLUMNS, ReturnFile
from metrics.validation_rules import BLOCKING, WARNING, CheckedRow, Problem, check_row

if TYPE_CHECKING:
    from metrics.models import Metric

MAX_FINDINGS = 2_000  # listed; enough to show any pattern, small enough for a page and the API


@dataclass(frozen=True)
class MetricRule:
    """A snapshot of a catalogue ``Metric``: what validation needs to know about it."""

    code: str
    name: str
    applies_to: frozenset[str]
    frequency: str  # "monthly" | "quarterly"
    value_type: str  # "count" | "percentage" | "rate" | "score" | "rating"
    unit: str
    valid_min: float | None
    valid_max: float | None

    @classmethod
    def from_metric(cls, metric: Metric) -> MetricRule:
        return cls(
            code=metric.code,
            name=metric.name,
            applies_to=metric.applicable_groups,
            frequency=metric.frequency,
            value_type=metric.value_type,
            unit=metric.unit,
            valid_min=metric.valid_min,
            valid_max=metric.valid_max,
        )

    @property
    def is_share(self) -> bool:
        """A percentage whose value is 100 × numerator ÷ denominator.

        Not those in percentage points or of growth: a difference of two percentages, or a
        change, is not one fraction.
        """
        unit = self.unit.lower()
        return self.value_type == "percentage" and "point" not in unit and "growth" not in unit

    @property
    def is_proportion(self) -> bool:
        """A share that cannot exceed 100%: its numerator can never exceed its denominator.

        "% of 2019/20 baseline" (valid up to 300) is a share but not a proportion.
        """
        low, high = self.valid_min, self.valid_max
        return self.is_share and low is not None and low >= 0 and high is not None and high <= 100


@dataclass(frozen=True)
class ValidationContext:
    organisation_code: str  # the body this return is for
    organisation_group: str  # "ics" | "ccg" | "acute" | "mental_health" | … (kind or sector)
    period_start: date  # the quarter
    period_end: date
    metrics: Mapping[str, MetricRule]  # the edition's catalogue by code
    history: Mapping[str, Sequence[float]]  # code -> this body's accepted past values, oldest first
    codes_in_scope: frozenset[str]  # organisation codes the uploader may submit for
    known_organisation_codes: frozenset[str]

    # Upper-cased lookups, computed once per validation rather than once per row.
    @cached_property
    def known_codes(self) -> frozenset[str]:
        return frozenset(code.upper() for code in self.known_organisation_codes)

    @cached_property
    def scope_codes(self) -> frozenset[str]:
        return frozenset(code.upper() for code in self.codes_in_scope)

    @cached_property
    def metrics_by_code(self) -> dict[str, MetricRule]:
        return {code.upper(): rule for code, rule in self.metrics.items()}

    def applicable_metrics(self) -> list[MetricRule]:
        """The catalogue's metrics for this body's group, by code."""
        rules = (
            rule for rule in self.metrics.values() if self.organisation_group in rule.applies_to
        )
        return sorted(rules, key=lambda rule: rule.code)


@dataclass(frozen=True)
class FindingData:
    row: int | None  # the file's line; None for the return as a whole
    column: str  # one of COLUMNS, or ""
    code: str  # stable, e.g. "unknown_metric"
    severity: Literal["blocking", "warning"]
    message: str  # where, what is wrong and what to do
    metric_code: str = ""  # the catalogue code, when the finding concerns a known metric


@dataclass(frozen=True)
class CleanValue:
    line: int
    metric_code: str  # as the catalogue spells it
    period_end: date
    value: float
    numerator: float | None
    denominator: float | None
    comment: str


@dataclass(frozen=True)
class ValidationResult:
    findings: list[FindingData]
    values: list[CleanValue]

    @property
    def blocking(self) -> bool:
        return any(finding.severity == BLOCKING for finding in self.findings)

    @property
    def warnings(self) -> list[FindingData]:
        return [finding for finding in self.findings if finding.severity == WARNING]


def validate_return(file: ReturnFile, context: ValidationContext) -> ValidationResult:
    rows = [check_row(raw, context) for raw in file.rows]
    _mark_duplicates(rows)
    findings = [_row_finding(row, problem) for row in rows for problem in row.problems]
    values = [_clean_value(row) for row in rows if row.value is not None and not row.blocked]
    clean = [value for value in values if value is not None]
    findings.extend(_missing_metric_findings(rows, context))
    findings.extend(_outlier_findings(clean, context))
    return ValidationResult(_listed(findings), clean)


def _row_finding(row: CheckedRow, problem: Problem) -> FindingData:
    where = f"Row {row.line}, column {problem.column}" if problem.column else f"Row {row.line}"
    return FindingData(
        row=row.line,
        column=problem.column,
        code=problem.code,
        severity=problem.severity,
        message=f"{where}: {problem.detail}",
        metric_code=row.metric.code if row.metric else "",
    )


def _clean_value(row: CheckedRow) -> CleanValue | None:
    if row.metric is None or row.period_end is None or row.value is None:
        return None
    return CleanValue(
        line=row.line,
        metric_code=row.metric.code,
        period_end=row.period_end,
        value=row.value,
        numerator=row.numerator,
        denominator=row.denominator,
        comment=row.comment,
    )


def _mark_duplicates(rows: list[CheckedRow]) -> None:
    """Every row of a (organisation, metric, period end) given more than once is blocked."""
    seen: dict[tuple[str, str, date], list[CheckedRow]] = defaultdict(list)
    for row in rows:
        if row.metric is not None and row.period_end is not None:
            seen[(row.organisation_code, row.metric.code, row.period_end)].append(row)
    for (_, code, day), group in seen.items():
        if len(group) < 2:
            continue
        for row in group:
            others = ", ".join(str(other.line) for other in group if other is not row)
            row.block(
                "",
                "duplicate_row",
                f"{code} for {format_date(day)} is also given on row {others}. Keep one row "
                "for each metric and period end, and delete the others.",
            )


def _missing_metric_findings(
    rows: list[CheckedRow], context: ValidationContext
) -> list[FindingData]:
    body = context.organisation_code.upper()
    present = {
        (row.metric.code, row.period_end)
        for row in rows
        if row.metric is not None and row.period_end is not None and row.organisation_code == body
    }
    findings = []
    for rule in context.applicable_metrics():
        ends = expected_period_ends(rule.frequency, context.period_start, context.period_end)
        missing = [day for day in ends if (rule.code, day) not in present]
        if not missing:
            continue
        days = " and ".join(format_date(day) for day in missing)
        findings.append(
            FindingData(
                row=None,
                column="",
                code="missing_metric",
                severity=WARNING,
                message=f"{rule.code} ({rule.name}) has no row for {days}. Add a row for each "
                "period end with its value; if a figure is not available, leave the value blank "
                "and say why in the comment.",
                metric_code=rule.code,
            )
        )
    return findings


def _outlier_findings(values: list[CleanValue], context: ValidationContext) -> list[FindingData]:
    findings = []
    for clean in values:
        history = context.history.get(clean.metric_code, ())
        scored = modified_z_score(clean.value, history)
        if scored is None or abs(scored[0]) <= Z_THRESHOLD:
            continue
        score, median = scored
        findings.append(
            FindingData(
                row=clean.line,
                column="value",
                code="outlier_against_history",
                severity=WARNING,
                message=f"Row {clean.line}, column value: {format_number(clean.value)} for "
                f"{clean.metric_code} is far from this organisation's own history (median "
                f"{format_number(median)} over {len(history)} accepted values; modified z-score "
                f"{score:+.1f}, where beyond ±{Z_THRESHOLD} is flagged). Check the figure; if it "
                "is right, explain why when you sign off.",
                metric_code=clean.metric_code,
            )
        )
    return findings


def _listed(findings: list[FindingData]) -> list[FindingData]:
    """Findings in file order (return-level ones last), cut at MAX_FINDINGS with a summary."""

    def order(finding: FindingData) -> tuple[bool, int, int]:
        column = COLUMNS.index(finding.column) if finding.column in COLUMNS else -1
        return (finding.row is None, finding.row or 0, column)

    ordered = sorted(findings, key=order)
    if len(ordered) <= MAX_FINDINGS:
        return ordered
    hidden = ordered[MAX_FINDINGS:]
    blocking = sum(1 for finding in hidden if finding.severity == BLOCKING)
    summary = FindingData(
        row=None,
        column="",
        code="too_many_findings",
        severity=BLOCKING if blocking else WARNING,
        message=f"Oversight stopped listing problems after {MAX_FINDINGS:,}: {len(hidden):,} "
        f"more were found ({blocking:,} blocking). Fix those listed, which often fixes the "
        "rest, and upload the file again.",
    )
    return [*ordered[:MAX_FINDINGS], summary]


FINDINGS_CSV_COLUMNS = ("row", "column", "code", "severity", "message", "metric_code")


def findings_csv(findings: Sequence[FindingData]) -> str:
    """The downloadable findings report, one finding a line, in the order given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FINDINGS_CSV_COLUMNS)
    for finding in findings:
        cells = [finding.row or "", finding.column, finding.code, finding.severity]
        writer.writerow([*cells, _inert(finding.message), _inert(finding.metric_code)])
    return out.getvalue()


def _inert(text: str) -> str:
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
