"""Validation of a quarterly return: plain values in, findings and clean values out.

``validate_return`` applies, in order:

1. the row rules of ``metrics.returns.rules`` to each row (organisation, metric, period end,
   value, numerator and denominator, comment, NHS numbers anywhere);
2. duplicates: two rows for the same organisation, metric and period end — both are blocked;
3. missing metrics (warning): an applicable metric with no row for a period end it needs;
4. outliers against the body's own history (warning): ``metrics.engine.outliers`` — outside
   the range of the body's accepted past values by more than that range's width, and a
   modified z-score beyond ±3.5, said in words ("71.3 % for S005 is far below this trust's 20
   accepted months … (99.6 % to 100 %, median 100 %)").

A file is all-or-nothing: a caller stores nothing while ``ValidationResult.blocking`` is true.
``values`` holds a ``CleanValue`` for each row with a value and no blocking finding of its own;
a blank value is missing, never zero, and gives no ``CleanValue``. The database is not involved:
build the context with ``MetricRule.from_metric`` and the caller's selectors.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from metrics.engine.cells import expected_period_ends, format_date, format_number
from metrics.engine.outliers import History, Outlier, history_of, outlier_against
from metrics.returns.context import (
    BLOCKING,
    WARNING,
    CleanValue,
    FindingData,
    MetricRule,
    ValidationContext,
)
from metrics.returns.file import COLUMNS, ReturnFile
from metrics.returns.rules import CheckedRow, Problem, check_row

MAX_FINDINGS = 2_000  # listed; enough to show any pattern, small enough for a page and the API


@dataclass(frozen=True)
class ValidationResult:
    findings: list[FindingData]
    values: list[CleanValue]
    # (metric code, period end) of each row refused with a blocking problem, where both could
    # be read: a preview calls these refused, not removed.
    refused: frozenset[tuple[str, date]] = frozenset()

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
    refused = frozenset(
        (row.metric.code, row.period_end)
        for row in rows
        if row.blocked and row.metric is not None and row.period_end is not None
    )
    return ValidationResult(_listed(findings), clean, refused)


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
    histories: dict[str, History | None] = {}
    for clean in values:
        code = clean.metric_code
        if code not in histories:  # a monthly metric's three values share one history
            rule = context.metrics.get(code)
            monthly = rule is not None and rule.frequency == "monthly"
            histories[code] = history_of(context.history.get(code, ()), monthly=monthly)
        history = histories[code]
        outlier = outlier_against(clean.value, history) if history else None
        if outlier is None:
            continue
        findings.append(
            FindingData(
                row=clean.line,
                column="value",
                code="outlier_against_history",
                severity=WARNING,
                message=f"Row {clean.line}, column value: "
                + outlier_words(outlier, context.metrics.get(code), code, context)
                + " Check the figure; if it is right, explain why before sign-off.",
                metric_code=code,
            )
        )
    return findings


BODY_WORDS = {"ics": "this ICS", "ccg": "this CCG", "": "this organisation"}


def outlier_words(
    outlier: Outlier, rule: MetricRule | None, code: str, context: ValidationContext
) -> str:
    """E.g. "71.3 % for S005 is far below this trust's 20 accepted months from January 2020 to
    August 2021 (99.6 % to 100 %, median 100 %): further outside that range than the range is
    wide." — what the value was compared with, and why it is far."""
    history = outlier.history
    unit = " %" if rule is not None and rule.value_type == "percentage" else ""

    def shown(number: float) -> str:
        return f"{format_number(round(number, 4))}{unit}"

    body = BODY_WORDS.get(context.organisation_group, "this trust")
    points = "month" if rule is not None and rule.frequency == "monthly" else "quarter"
    plural = "" if history.points == 1 else "s"
    span = f"from {history.first:%B %Y} to {history.last:%B %Y}"
    if history.low == history.high:
        spread = f"{shown(history.low)} every time)."
    else:
        spread = (
            f"{shown(history.low)} to {shown(history.high)}, median {shown(history.median)}): "
            "further outside that range than the range is wide."
        )
    return (
        f"{shown(outlier.value)} for {code} is far {outlier.direction} {body}'s "
        f"{history.points} accepted {points}{plural} {span} ({spread}"
    )


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
