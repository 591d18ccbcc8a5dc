"""Validation of a return's rows: each rule, against the shipped SOF 2021/22 catalogue.

No database: the context is plain values, built as the upload service builds it.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from metrics.catalogue.loading import BUILTIN_FOLDER
from metrics.engine.cells import month_end
from metrics.engine.outliers import history_of, outlier_against
from metrics.models.catalogue import Metric
from metrics.returns import context, validation
from metrics.returns.context import FindingData, MetricRule, ValidationContext
from metrics.returns.downloads import findings_csv, template_csv, template_rows, template_xlsx
from metrics.returns.file import COLUMNS, RawRow, ReturnFile, read_return_file
from metrics.returns.validation import validate_return

CATALOGUE = BUILTIN_FOLDER / "sof-2021-22.csv"


def load_rules(path: Path = CATALOGUE) -> dict[str, MetricRule]:
    def number(text: str) -> float | None:
        return float(text) if text else None

    with path.open(encoding="utf-8") as handle:
        return {
            row["code"]: MetricRule(
                code=row["code"],
                name=row["name"],
                applies_to=frozenset(row["applies_to"].split()),
                frequency=row["frequency"],
                value_type=row["value_type"],
                unit=row["unit"],
                valid_min=number(row["valid_min"]),
                valid_max=number(row["valid_max"]),
            )
            for row in csv.DictReader(handle)
        }


RULES = load_rules()


def context_for(
    *, group: str = "acute", history: dict[str, list[tuple[date, float]]] | None = None
) -> ValidationContext:
    return ValidationContext(
        organisation_code="RXX",
        organisation_group=group,
        period_start=date(2021, 10, 1),
        period_end=date(2021, 12, 31),
        metrics=RULES,
        history=history or {},
        codes_in_scope=frozenset({"RXX", "RYY"}),
        known_organisation_codes=frozenset({"RXX", "RYY", "RZZ"}),
    )


def file_of(*rows: dict[str, str], extra: tuple[str, ...] = (), uncomputed=frozenset()):
    """A return file of these rows (lines 2, 3, …); unnamed cells default to a good S005 row."""
    raw = []
    for line, given in enumerate(rows, start=2):
        cells = dict.fromkeys(COLUMNS, "")
        cells.update(organisation_code="RXX", metric_code="S005", period_end="2021-12-31")
        cells.update(value="92.5")
        cells.update(given)
        raw.append(RawRow(line, cells, extra, frozenset(uncomputed)))
    return ReturnFile("q3.csv", "csv", raw)


def row_findings(*rows: dict[str, str], context: ValidationContext | None = None, **kwargs):
    result = validate_return(file_of(*rows, **kwargs), context or context_for())
    return [finding for finding in result.findings if finding.row is not None], result


def codes(findings: list[FindingData]) -> list[str]:
    return [finding.code for finding in findings]


def only(findings: list[FindingData], code: str) -> FindingData:
    matching = [finding for finding in findings if finding.code == code]
    assert len(matching) == 1, codes(findings)
    return matching[0]


def test_a_good_row_gives_a_clean_value():
    findings, result = row_findings({"numerator": "185", "denominator": "200", "comment": "ok"})
    assert findings == []
    assert not result.blocking
    assert result.values == [
        context.CleanValue(2, "S005", date(2021, 12, 31), 92.5, 185.0, 200.0, "ok")
    ]


def test_codes_are_read_in_any_case():
    findings, result = row_findings({"organisation_code": "rxx", "metric_code": "s005"})
    assert findings == []
    assert result.values[0].metric_code == "S005"


# --- organisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("", "missing_organisation"),
        ("R99", "unknown_organisation"),
        ("RZZ", "organisation_out_of_scope"),
        ("RYY", "wrong_organisation"),
    ],
)
def test_organisation_rules(code, expected):
    findings, result = row_findings({"organisation_code": code})
    finding = only(findings, expected)
    assert finding.severity == "blocking"
    assert finding.column == "organisation_code"
    assert finding.message.startswith("Row 2, column organisation_code: ")
    assert "RXX" in finding.message
    assert result.blocking
    assert result.values == []


# --- metric --------------------------------------------------------------------------------


def test_unknown_metric_suggests_a_close_code():
    findings, _ = row_findings({"metric_code": "S05"})
    finding = only(findings, "unknown_metric")
    assert finding.severity == "blocking"
    assert "'S05' is not a metric" in finding.message
    assert "Did you mean S005?" in finding.message


@pytest.mark.parametrize(("code", "hint"), [("S5", "S005"), ("S0005", "S005"), ("OS005", "S005")])
def test_unknown_metric_hints(code, hint):
    finding = only(row_findings({"metric_code": code})[0], "unknown_metric")
    assert f"Did you mean {hint}?" in finding.message


def test_no_hint_when_unsure():
    assert (
        "Did you mean" not in only(row_findings({"metric_code": "X9"})[0], "unknown_metric").message
    )


def test_blank_metric():
    assert only(row_findings({"metric_code": ""})[0], "missing_metric_code").severity == "blocking"


def test_metric_not_applicable_to_the_body():
    findings, _ = row_findings({"metric_code": "S013", "value": "7"})  # an ambulance metric
    finding = only(findings, "metric_not_applicable")
    assert finding.metric_code == "S013"
    assert "does not apply to acute trusts" in finding.message


# --- period end ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["2021-12-31", "31/12/2021", "2021-12-31 00:00:00", "31/12/2021 00:00"]
)
def test_accepted_date_forms(text):
    findings, result = row_findings({"period_end": text})
    assert findings == []
    assert result.values[0].period_end == date(2021, 12, 31)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("December", "is not a date"),
        ("12/31/2021", "is not a real day"),  # American order
        ("31/11/2021", "is not a real day"),
        ("2021-12-31T13:00:00", "is not a date"),
    ],
)
def test_period_end_not_a_date(text, message):
    finding = only(row_findings({"period_end": text})[0], "invalid_date")
    assert message in finding.message
    assert "2021-12-31 or 31/12/2021" in finding.message


def test_period_end_outside_the_quarter():
    finding = only(row_findings({"period_end": "2022-03-31"})[0], "period_outside_quarter")
    assert "1 October 2021 to 31 December 2021" in finding.message


def test_monthly_metric_needs_a_month_end():
    finding = only(row_findings({"period_end": "2021-11-15"})[0], "not_month_end")
    assert "31 October 2021 or 30 November 2021 or 31 December 2021" in finding.message


def test_quarterly_metric_needs_the_quarter_end():
    row = {"metric_code": "S001", "period_end": "2021-11-30", "value": "2"}
    finding = only(row_findings(row)[0], "not_quarter_end")
    assert "31 December 2021" in finding.message


def test_blank_period_end():
    assert only(row_findings({"period_end": ""})[0], "missing_period_end").severity == "blocking"


# --- value ---------------------------------------------------------------------------------


def test_text_value_message_says_what_to_do():
    finding = only(row_findings({}, {"value": "n/a"})[0], "free_text_in_number")
    assert finding.row == 3
    assert finding.severity == "blocking"
    assert finding.message.startswith(
        "Row 3, column value: 'n/a' is not a number. Leave the cell blank if you have no value, "
        "or enter a number such as 92.5"
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("12.5.3", "not_a_number"),
        ("92,5", "not_a_number"),
        ("#DIV/0!", "not_a_number"),
        ("nan", "free_text_in_number"),
        ("inf", "free_text_in_number"),
        ("1e999", "not_a_number"),
        ("TBC", "free_text_in_number"),
        ("--5", "not_a_number"),
    ],
)
def test_values_that_are_not_numbers(text, code):
    finding = only(row_findings({"value": text})[0], code)
    assert finding.severity == "blocking"
    assert finding.column == "value"


def test_decimal_comma_is_explained():
    assert (
        "full stop for decimals" in only(row_findings({"value": "92,5"})[0], "not_a_number").message
    )


@pytest.mark.parametrize(
    ("metric", "text", "expected"),
    [
        ("S003", "1,234", 1234.0),
        ("S003", "1,234,567", 1234567.0),
        ("S005", "85%", 85.0),
        ("S005", "85 %", 85.0),
        ("S005", "0", 0.0),
        ("S036", "−2.5", -2.5),  # a typographic minus
        ("S002", "1.05", 1.05),
        ("S002", ".95", 0.95),
    ],
)
def test_accepted_number_forms(metric, text, expected):
    period = "2021-12-31"
    findings, result = row_findings({"metric_code": metric, "value": text, "period_end": period})
    assert findings == []
    assert result.values[0].value == expected


def test_percent_sign_on_a_count_is_refused():
    finding = only(row_findings({"metric_code": "S003", "value": "85%"})[0], "not_a_number")
    assert "not a percentage" in finding.message


def test_blank_value_is_missing_not_zero():
    findings, result = row_findings({"value": ""}, {"metric_code": "S003", "value": "0"})
    finding = only(findings, "missing_value")
    assert finding.severity == "warning"
    assert "blank is not zero" in finding.message
    assert not result.blocking
    assert [(value.metric_code, value.value) for value in result.values] == [("S003", 0.0)]


@pytest.mark.parametrize(
    ("metric", "text"), [("S005", "100.5"), ("S005", "-1"), ("S003", "-3"), ("S001", "5")]
)
def test_out_of_range(metric, text):
    finding = only(row_findings({"metric_code": metric, "value": text})[0], "out_of_range")
    assert finding.severity == "blocking"
    assert metric in finding.message
    assert "Check the figure" in finding.message


def test_counts_and_ratings_are_whole_numbers():
    findings, _ = row_findings({"metric_code": "S003", "value": "12.5"})
    assert only(findings, "not_a_whole_number").severity == "blocking"
    findings, _ = row_findings({"metric_code": "S001", "value": "2.5"})
    assert codes(findings) == ["not_a_whole_number"]


# --- numerator and denominator ---------------------------------------------------------------


def test_numerator_above_denominator_for_a_proportion():
    findings, _ = row_findings({"value": "92.5", "numerator": "250", "denominator": "200"})
    finding = only(findings, "numerator_exceeds_denominator")
    assert finding.column == "numerator"
    assert finding.severity == "blocking"


def test_numerator_above_denominator_is_fine_where_the_share_may_exceed_100():
    row = {"metric_code": "S007", "value": "110", "numerator": "1100", "denominator": "1000"}
    assert row_findings(row)[0] == []


def test_denominator_zero_and_negative():
    findings, _ = row_findings({"numerator": "0", "denominator": "0"})
    assert only(findings, "zero_denominator").column == "denominator"
    findings, _ = row_findings({"numerator": "5", "denominator": "-10"})
    assert only(findings, "negative_denominator").severity == "blocking"


def test_value_inconsistent_with_numerator_and_denominator_is_a_warning():
    findings, result = row_findings({"value": "92.5", "numerator": "170", "denominator": "200"})
    finding = only(findings, "value_inconsistent_with_fraction")
    assert finding.severity == "warning"
    assert "100 × 170 ÷ 200 = 85.0" in finding.message
    assert len(result.values) == 1


def test_rounded_value_is_consistent():
    assert row_findings({"value": "93", "numerator": "185", "denominator": "200"})[0] == []


def test_percentage_points_are_not_a_fraction():
    row = {"metric_code": "S036", "value": "5", "numerator": "10", "denominator": "50"}
    assert row_findings(row)[0] == []


def test_numerator_must_be_a_number():
    finding = only(row_findings({"numerator": "about 5"})[0], "free_text_in_number")
    assert finding.column == "numerator"


# --- duplicates ----------------------------------------------------------------------------


def test_duplicate_rows_are_both_reported():
    findings, result = row_findings(
        {"period_end": "2021-12-31"},
        {"metric_code": "S003", "value": "1"},
        {"period_end": "31/12/2021"},
    )
    duplicates = [finding for finding in findings if finding.code == "duplicate_row"]
    assert [finding.row for finding in duplicates] == [2, 4]
    assert "also given on row 4" in duplicates[0].message
    assert all(finding.severity == "blocking" for finding in duplicates)
    assert [value.metric_code for value in result.values] == ["S003"]


# --- patient identifiers -------------------------------------------------------------------


@pytest.mark.parametrize("column", COLUMNS)
def test_nhs_number_in_any_column_is_blocking_and_not_repeated(column):
    findings, result = row_findings({column: "Patient 943 476 5919 seen"})
    finding = only(findings, "possible_patient_identifier")
    assert finding.column == column
    assert finding.severity == "blocking"
    assert "never hold patient data" in finding.message
    assert all("5919" not in each.message for each in result.findings)
    assert result.blocking


@pytest.mark.parametrize("text", ["9434765919", "9434765919.0", "9,434,765,919", "nhs:9434765919"])
def test_nhs_number_forms(text):
    assert "possible_patient_identifier" in codes(row_findings({"comment": text})[0])


@pytest.mark.parametrize(
    "text",
    ["9434765918", "1234567890", "0000000000", "94347659190", "0.9434765919", "Tel 0113 496 0000"],
)
def test_numbers_that_are_not_nhs_numbers_are_left_alone(text):
    assert "possible_patient_identifier" not in codes(row_findings({"comment": text})[0])


def test_nhs_number_in_a_cell_outside_the_columns():
    findings, _ = row_findings({}, extra=("9434765919",))
    assert only(findings, "possible_patient_identifier").column == ""
    assert "5919" not in only(findings, "too_many_cells").message


# --- other row rules -----------------------------------------------------------------------


def test_long_comment_is_a_warning():
    assert row_findings({"comment": "x" * 500})[0] == []
    finding = only(row_findings({"comment": "x" * 501})[0], "comment_too_long")
    assert finding.severity == "warning"


def test_cells_outside_the_columns_are_blocking():
    finding = only(row_findings({}, extra=("see note",))[0], "too_many_cells")
    assert finding.column == ""
    assert finding.message.startswith("Row 2: ")
    assert "double quotes" in finding.message


def test_formula_without_a_saved_value_is_blocking():
    findings, result = row_findings({"value": ""}, uncomputed={"value"})
    assert codes(findings) == ["formula_without_value"]
    assert result.values == []


# --- return level --------------------------------------------------------------------------


def test_missing_expected_metrics_are_warnings_per_metric():
    result = validate_return(
        file_of({"metric_code": "S004", "period_end": "2021-10-31", "value": "3"}), context_for()
    )
    missing = {f.metric_code: f for f in result.findings if f.code == "missing_metric"}
    applicable = {rule.code for rule in RULES.values() if "acute" in rule.applies_to}
    assert set(missing) == applicable
    assert missing["S004"].message.startswith(
        "S004 (Patients waiting over 52 weeks for treatment) has no row for 30 November 2021 "
        "and 31 December 2021."
    )
    assert missing["S004"].row is None
    assert missing["S004"].severity == "warning"
    assert not result.blocking


def monthly(values: list[float], last: date = date(2021, 9, 30)) -> list[tuple[date, float]]:
    """The values as a monthly history ending at ``last`` (oldest first)."""
    ends = []
    year, month = last.year, last.month
    for _ in values:
        ends.append(month_end(date(year, month, 1)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(zip(reversed(ends), values, strict=True))


def test_outlier_against_the_body_s_own_history():
    history = monthly([91.0, 92.0, 93.0, 92.5, 91.5, 92.0, 93.5, 90.5, 92.0, 91.0, 92.5, 93.0])
    result = validate_return(file_of({"value": "45"}), context_for(history={"S005": history}))
    finding = only(result.findings, "outlier_against_history")
    assert finding.severity == "warning"
    assert finding.row == 2
    assert finding.column == "value"
    # What it compared with, in words: the points, their span, their range and median.
    assert finding.message.startswith(
        "Row 2, column value: 45 % for S005 is far below this trust's 12 accepted months from "
        "October 2020 to September 2021 (90.5 % to 93.5 %, median 92 %): further outside that "
        "range than the range is wide."
    )
    summary = history_of(history, monthly=True)
    assert summary is not None
    # The MAD is 0.75, below its floor of 1 % of the median: the spread is 0.92.
    assert summary.median == 92.0
    assert summary.spread == pytest.approx(0.92)
    outlier = outlier_against(45.0, summary)
    assert outlier is not None
    assert outlier.score == pytest.approx(0.6745 * (45 - 92) / 0.92)


def test_a_flat_history_still_judges_a_fall():
    """100 % for five years, then 71.3 %: the MAD is 0, floored at 1 % of the median."""
    flat = monthly([100.0] * 60)
    result = validate_return(file_of({"value": "71.3"}), context_for(history={"S005": flat}))
    finding = only(result.findings, "outlier_against_history")
    assert "71.3 % for S005 is far below this trust's 60 accepted months" in finding.message
    assert "(100 % every time)" in finding.message
    near = validate_return(file_of({"value": "99.5"}), context_for(history={"S005": flat}))
    assert "outlier_against_history" not in codes(near.findings)


def test_a_history_of_zeros_judges_any_other_value():
    summary = history_of(monthly([0.0] * 12), monthly=True)
    assert summary is not None
    assert summary.spread == 0
    assert outlier_against(0.0, summary) is None
    outlier = outlier_against(1.0, summary)
    assert outlier is not None
    assert outlier.direction == "above"


def test_no_outlier_within_history_or_without_enough_history():
    steady = monthly([91.0, 92.0, 93.0, 92.5, 91.5, 92.0] * 2)
    result = validate_return(file_of({"value": "92.5"}), context_for(history={"S005": steady}))
    assert "outlier_against_history" not in codes(result.findings)
    far = validate_return(file_of({"value": "45"}), context_for(history={"S005": steady}))
    assert "outlier_against_history" in codes(far.findings)
    # Less than a year of months has not seen a winter: it judges nothing.
    short = validate_return(file_of({"value": "45"}), context_for(history={"S005": steady[1:]}))
    assert "outlier_against_history" not in codes(short.findings)
    assert history_of(steady[1:], monthly=True) is None
    assert history_of(steady[4:], monthly=False) is not None  # two years of quarters
    assert history_of(steady[5:], monthly=False) is None
    # Outside the range but within the usual spread: a new best month is not an outlier.
    wide = monthly([80.0, 95.0, 85.0, 92.0, 88.0, 90.0, 83.0, 94.0, 86.0, 91.0, 84.0, 89.0])
    best = validate_return(file_of({"value": "96"}), context_for(history={"S005": wide}))
    assert "outlier_against_history" not in codes(best.findings)
    # A tight history with one month at 60: 61 is beyond it by less than the range's width,
    # though its modified z-score (about 15) alone would call it an outlier.
    tight = history_of(
        monthly([50.0, 50.1, 49.9, 50.0, 50.2, 49.8, 50.1, 49.9, 50.0, 50.1, 49.9, 60.0]),
        monthly=True,
    )
    assert tight is not None
    assert outlier_against(61.0, tight) is None
    assert outlier_against(71.0, tight) is not None


def test_findings_are_capped_with_a_summary(monkeypatch):
    monkeypatch.setattr(validation, "MAX_FINDINGS", 3)
    rows = [{"value": "n/a"}] * 5
    result = validate_return(file_of(*rows), context_for())
    assert len(result.findings) == 4
    assert result.findings[-1].code == "too_many_findings"
    assert result.findings[-1].severity == "blocking"


def test_every_message_names_its_row_and_column():
    findings, _ = row_findings(
        {"organisation_code": "R99", "metric_code": "S003", "value": "1.5", "period_end": "x"}
    )
    assert findings
    for finding in findings:
        prefix = f"Row {finding.row}, column {finding.column}: "
        assert finding.message.startswith(prefix if finding.column else f"Row {finding.row}: ")


# --- end to end, downloads -----------------------------------------------------------------


def test_a_real_csv_with_two_errors(tmp_path: Path):
    path = tmp_path / "RXX 2021-22 Q3.csv"
    path.write_text(
        "organisation_code,metric_code,period_end,value,numerator,denominator,comment\n"
        "RXX,S005,2021-10-31,91.2,,,\n"
        "RXX,S005,2021-11-30,n/a,,,\n"
        "RXX,S005,2021-12-31,92.5,185,200,\n"
        "RXX,S099,2021-12-31,3,,,\n",
        encoding="utf-8",
    )
    result = validate_return(read_return_file(path.name, path.read_bytes()), context_for())
    blocking = [(f.row, f.column, f.code) for f in result.findings if f.severity == "blocking"]
    assert blocking == [(3, "value", "free_text_in_number"), (5, "metric_code", "unknown_metric")]


def test_findings_csv():
    findings = [
        FindingData(3, "value", "not_a_number", "blocking", "Row 3, column value: bad", "S005"),
        FindingData(None, "", "missing_metric", "warning", '=HYPERLINK("x")', ""),
    ]
    rows = list(csv.reader(io.StringIO(findings_csv(findings))))
    assert rows[0] == ["row", "column", "code", "severity", "message", "metric_code"]
    assert rows[1] == ["3", "value", "not_a_number", "blocking", "Row 3, column value: bad", "S005"]
    assert rows[2] == ["", "", "missing_metric", "warning", '\'=HYPERLINK("x")', ""]


def test_template_rows_per_applicable_metric_and_period_end():
    rows = template_rows(context_for())
    acute = [rule for rule in RULES.values() if "acute" in rule.applies_to]
    monthly = sum(1 for rule in acute if rule.frequency == "monthly")
    assert len(rows) == 3 * monthly + (len(acute) - monthly)
    s004 = [row["period_end"] for row in rows if row["metric_code"] == "S004"]
    assert s004 == ["2021-10-31", "2021-11-30", "2021-12-31"]
    s001 = [row["period_end"] for row in rows if row["metric_code"] == "S001"]
    assert s001 == ["2021-12-31"]
    assert {row["organisation_code"] for row in rows} == {"RXX"}
    assert {row["value"] for row in rows} == {""}
    assert "S013" not in {row["metric_code"] for row in rows}  # ambulance only


@pytest.mark.parametrize(
    ("name", "render"),
    [("template.csv", lambda c: template_csv(c).encode()), ("template.xlsx", template_xlsx)],
)
def test_templates_read_back_with_only_missing_value_warnings(name, render, tmp_path: Path):
    context = context_for()
    path = tmp_path / name
    path.write_bytes(render(context))
    file = read_return_file(name, path.read_bytes())
    assert len(file.rows) == len(template_rows(context))
    result = validate_return(file, context)
    assert set(codes(result.findings)) == {"missing_value"}
    assert not result.blocking
    if name.endswith("xlsx"):
        assert file.sheet == "return"


def test_metric_rule_from_a_catalogue_metric():
    metric = Metric(
        code="S005",
        name="Cancer",
        applies_to="ics acute",
        unit="%",
        value_type="percentage",
        frequency="monthly",
        valid_min=0,
        valid_max=100,
    )
    rule = MetricRule.from_metric(metric)
    assert rule == MetricRule("S005", "Cancer", frozenset({"ics", "acute"}), "monthly",
                              "percentage", "%", 0, 100)  # fmt: skip
    assert rule.is_share
    assert rule.is_proportion
    assert not RULES["S007"].is_proportion  # % of a baseline can exceed 100
    assert not RULES["S036"].is_share  # percentage points
