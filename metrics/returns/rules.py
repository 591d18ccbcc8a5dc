"""The row rules of return validation: what one row of the file may and may not say.

``check_row`` reads one ``RawRow`` against the context and returns a ``CheckedRow``: the values
it could read and the problems it found, each with a column, a stable code, a severity and a
plain-English detail. ``metrics.validation`` adds the row number to each detail and applies
the rules that need the whole file (duplicates, missing metrics, history outliers).

Where a cell looks like an NHS number, or holds a formula with no value, no other rule reads
it: a message must never repeat a patient identifier, and an empty formula result is not a
blank the analyst left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache

from metrics.engine.cells import (
    CellError,
    format_date,
    format_number,
    holds_nhs_number,
    month_end,
    month_ends,
    parse_date,
    parse_number,
    quoted,
)
from metrics.returns.context import BLOCKING, WARNING, MetricRule, Severity, ValidationContext
from metrics.returns.file import COLUMNS, RawRow

MAX_COMMENT_CHARS = 500
# value vs 100 × numerator ÷ denominator: half a percentage point allows a value rounded to a
# whole percent, and still catches a numerator and denominator from different months.
FRACTION_TOLERANCE = 0.5
EXAMPLES = {"percentage": "92.5", "count": "1234", "rating": "2", "score": "6.8", "rate": "1.05"}
GROUP_NAMES = {
    "ics": "integrated care systems",
    "ccg": "clinical commissioning groups",
    "acute": "acute trusts",
    "mental_health": "mental health trusts",
    "community": "community trusts",
    "ambulance": "ambulance trusts",
    "specialist": "specialist trusts",
}


@dataclass(frozen=True)
class Problem:
    column: str  # one of COLUMNS, or "" for the row as a whole
    code: str
    severity: Severity
    detail: str  # what is wrong and what to do, without the "Row N" that validation adds


@dataclass
class CheckedRow:
    """What one row says, as far as it could be read, and what is wrong with it."""

    line: int
    organisation_code: str = ""  # upper case; "" when blank
    metric: MetricRule | None = None  # the catalogue metric, when the code is known
    period_end: date | None = None  # only when it is a valid period end for the metric
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    comment: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(problem.severity == BLOCKING for problem in self.problems)

    def block(self, column: str, code: str, detail: str) -> None:
        self.problems.append(Problem(column, code, BLOCKING, detail))

    def warn(self, column: str, code: str, detail: str) -> None:
        self.problems.append(Problem(column, code, WARNING, detail))


def check_row(raw: RawRow, context: ValidationContext) -> CheckedRow:
    row = CheckedRow(raw.line, comment=raw.cells["comment"])
    unreadable = _identifier_cells(raw, row) | _uncomputed_cells(raw, row)
    cells = {name: ("" if name in unreadable else text) for name, text in raw.cells.items()}
    row.organisation_code = cells["organisation_code"].upper()
    if "organisation_code" not in unreadable:
        _check_organisation(row, context)
    if "metric_code" not in unreadable:
        row.metric = _check_metric(row, cells["metric_code"], context)
    if "period_end" not in unreadable:
        row.period_end = _check_period(row, cells["period_end"], context)
    if "value" not in unreadable:
        row.value = _check_value(row, cells["value"])
    row.numerator = _read_number(row, "numerator", cells["numerator"])
    row.denominator = _read_number(row, "denominator", cells["denominator"])
    _check_fraction(row)
    if "comment" in unreadable:
        row.comment = ""
    elif len(row.comment) > MAX_COMMENT_CHARS:
        row.warn(
            "comment",
            "comment_too_long",
            f"the comment is {len(row.comment):,} characters long; comments should be at most "
            f"{MAX_COMMENT_CHARS}. Shorten it, and give any longer explanation when you sign off.",
        )
    _check_extra_cells(raw, row)
    return row


def _identifier_cells(raw: RawRow, row: CheckedRow) -> set[str]:
    """Columns whose cell looks like an NHS number (found in any column, comment included)."""
    found = {name for name, text in raw.cells.items() if text and holds_nhs_number(text)}
    if any(holds_nhs_number(text) for text in raw.extra):
        found.add("")
    for name in sorted(found, key=_column_order):
        where = "this cell" if name else "a cell outside the return's columns"
        row.block(
            name,
            "possible_patient_identifier",
            f"{where} holds what looks like an NHS number (ten digits that pass the NHS number "
            "check). Oversight must never hold patient data: remove it, check the file holds no "
            "other patient details, and upload it again.",
        )
    return found


def _uncomputed_cells(raw: RawRow, row: CheckedRow) -> set[str]:
    for name in sorted(raw.uncomputed, key=_column_order):
        row.block(
            name,
            "formula_without_value",
            "this cell holds a formula whose result was never saved (the file was not last "
            "saved by Excel). Open the file in Excel and save it, or type the value instead.",
        )
    return set(raw.uncomputed)


def _column_order(name: str) -> int:
    return COLUMNS.index(name) if name in COLUMNS else len(COLUMNS)


def _check_organisation(row: CheckedRow, context: ValidationContext) -> None:
    code, body = row.organisation_code, context.organisation_code.upper()
    if not code:
        row.block(
            "organisation_code",
            "missing_organisation",
            f"the organisation code is blank. Enter the code of the organisation this return is "
            f"for, {body}.",
        )
    elif code not in context.known_codes:
        row.block(
            "organisation_code",
            "unknown_organisation",
            f"{quoted(code)} is not an organisation code Oversight knows. This return is for "
            f"{body}: enter {body}.",
        )
    elif code not in context.scope_codes:
        row.block(
            "organisation_code",
            "organisation_out_of_scope",
            f"{quoted(code)} is an organisation you may not submit data for. This return is for "
            f"{body}: enter {body}, or ask that organisation to submit its own figures.",
        )
    elif code != body:
        row.block(
            "organisation_code",
            "wrong_organisation",
            f"{quoted(code)} is not the organisation this return is for ({body}). Upload each "
            f"organisation's figures in its own return; enter {body} here.",
        )


def _check_metric(row: CheckedRow, text: str, context: ValidationContext) -> MetricRule | None:
    code = text.upper()
    by_code = context.metrics_by_code
    if not code:
        row.block(
            "metric_code",
            "missing_metric_code",
            "the metric code is blank. Enter the code of the metric, as in the template.",
        )
        return None
    metric = by_code.get(code)
    if metric is None:
        close = _suggestion(code, tuple(by_code))
        hint = f" Did you mean {close}?" if close else ""
        row.block(
            "metric_code",
            "unknown_metric",
            f"{quoted(code)} is not a metric of this framework's catalogue.{hint} Use the codes "
            "in the template.",
        )
        return None
    if context.organisation_group not in metric.applies_to:
        group = GROUP_NAMES.get(context.organisation_group, context.organisation_group)
        body = f"{group} such as {context.organisation_code}" if group else "this organisation"
        row.block(
            "metric_code",
            "metric_not_applicable",
            f"{metric.code} ({metric.name}) does not apply to {body}. Delete this row.",
        )
    return metric


@lru_cache(maxsize=1024)  # a file of one wrong code repeated should not be slow
def _suggestion(code: str, known: tuple[str, ...]) -> str | None:
    """The one catalogue code ``code`` was probably meant to be, or None when unsure."""
    digits = re.fullmatch(r"([A-Z]+)0*(\d+)", code)  # "S5", "S05" and "S0005" all mean S005
    if digits:
        same = [each for each in known if re.fullmatch(digits[1] + "0*" + digits[2], each)]
        if len(same) == 1:
            return same[0]
    ratios = sorted((SequenceMatcher(None, code, each).ratio(), each) for each in known)
    if ratios and ratios[-1][0] >= 0.8 and (len(ratios) == 1 or ratios[-2][0] < ratios[-1][0]):
        return ratios[-1][1]
    return None  # no close code, or several equally close: a guess would mislead


def _check_period(row: CheckedRow, text: str, context: ValidationContext) -> date | None:
    if not text:
        row.block(
            "period_end",
            "missing_period_end",
            "the period end is blank. Enter the last day of the month (monthly metrics) or of "
            "the quarter, such as " + context.period_end.strftime("%Y-%m-%d") + ".",
        )
        return None
    try:
        day = parse_date(text)
    except CellError as error:
        row.block("period_end", error.code, error.detail)
        return None
    start, end = context.period_start, context.period_end
    if not start <= day <= end:
        row.block(
            "period_end",
            "period_outside_quarter",
            f"{format_date(day)} is outside the quarter this return is for ({format_date(start)} "
            f"to {format_date(end)}). Enter a period end within the quarter.",
        )
        return None
    metric = row.metric
    if (metric is None or metric.frequency == "monthly") and day != month_end(day):
        ends = " or ".join(format_date(each) for each in month_ends(start, end))
        what = f"{metric.code} is monthly: its" if metric else "the"
        row.block(
            "period_end",
            "not_month_end",
            f"{what} period end must be the last day of a month ({ends}), not {format_date(day)}.",
        )
        return None
    if metric is not None and metric.frequency != "monthly" and day != end:
        row.block(
            "period_end",
            "not_quarter_end",
            f"{metric.code} is reported once a quarter: its period end must be the last day of "
            f"the quarter, {format_date(end)}, not {format_date(day)}.",
        )
        return None
    return day if metric is not None else None


def _check_value(row: CheckedRow, text: str) -> float | None:
    metric = row.metric
    if not text:
        what = f"{metric.code} " if metric else ""
        row.warn(
            "value",
            "missing_value",
            f"the value is blank, so {what}will be recorded as missing for this period (a blank "
            "is not zero). Enter the figure, or 0 if it really is zero; if it is not available, "
            "say why in the comment.",
        )
        return None
    value = _read_number(row, "value", text)
    if value is None or metric is None:
        return value
    if metric.value_type in ("count", "rating") and not value.is_integer():
        row.block(
            "value",
            "not_a_whole_number",
            f"{format_number(value)} is not a whole number, but {metric.code} is a "
            f"{metric.value_type}. Enter a whole number.",
        )
    low, high = metric.valid_min, metric.valid_max
    if (low is not None and value < low) or (high is not None and value > high):
        row.block(
            "value",
            "out_of_range",
            f"{format_number(value)} is outside the valid range of {metric.code} "
            f"({metric.name}): {_range_text(low, high)} ({metric.unit}). Check the figure "
            "and its unit.",
        )
    return value


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {format_number(low)} to {format_number(high)}"
    if low is not None:
        return f"at least {format_number(low)}"
    return f"at most {format_number(high or 0.0)}"


def _read_number(row: CheckedRow, column: str, text: str) -> float | None:
    if not text:
        return None
    metric = row.metric
    percent = column == "value" and (metric is None or metric.value_type == "percentage")
    example = EXAMPLES.get(metric.value_type, "92.5") if metric and column == "value" else "1234"
    try:
        return parse_number(text, percent_allowed=percent, example=example)
    except CellError as error:
        row.block(column, error.code, error.detail)
        return None


def _check_fraction(row: CheckedRow) -> None:
    numerator, denominator, metric = row.numerator, row.denominator, row.metric
    if denominator is not None and denominator == 0:
        row.block(
            "denominator",
            "zero_denominator",
            "the denominator is 0, and nothing can be divided by zero. Enter the real "
            "denominator, or leave numerator and denominator blank.",
        )
    elif denominator is not None and denominator < 0:
        row.block(
            "denominator",
            "negative_denominator",
            f"the denominator is {format_number(denominator)}; a denominator is a count of "
            "people or events and cannot be negative. Enter the real denominator.",
        )
    if numerator is None or denominator is None or denominator <= 0 or metric is None:
        return
    if metric.is_proportion and numerator > denominator:
        row.block(
            "numerator",
            "numerator_exceeds_denominator",
            f"the numerator ({format_number(numerator)}) is larger than the denominator "
            f"({format_number(denominator)}), but {metric.code} is a share of the "
            "denominator. Check that the two figures are the right way round.",
        )
    if metric.is_share and row.value is not None:
        expected = 100 * numerator / denominator
        if abs(row.value - expected) > FRACTION_TOLERANCE:
            row.warn(
                "value",
                "value_inconsistent_with_fraction",
                f"{format_number(row.value)} does not match 100 × numerator ÷ denominator = "
                f"100 × {format_number(numerator)} ÷ {format_number(denominator)} = "
                f"{expected:,.1f}. Check the three figures.",
            )


def _check_extra_cells(raw: RawRow, row: CheckedRow) -> None:
    if not raw.extra:
        return
    readable = [text for text in raw.extra if not holds_nhs_number(text)]
    example = f" (for example {quoted(readable[0])})" if readable else ""
    row.block(
        "",
        "too_many_cells",
        f"the row has {len(raw.extra)} filled cell(s) outside the return's columns{example}. If "
        "a comment contains commas, put the whole comment in double quotes; otherwise delete "
        "the extra cells.",
    )
