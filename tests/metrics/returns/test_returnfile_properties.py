"""Property tests: no input file crashes the reader or validation, only clean findings.

For any bytes, any CSV text and any workbook openpyxl can write (and damaged copies of one),
``read_return_file`` returns a ``ReturnFile`` or raises ``FileRejected`` with a message; and
``validate_return`` on whatever was read never raises, and every finding says something.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from metrics.returns.downloads import findings_csv
from metrics.returns.file import COLUMNS, FileRejected, RawRow, ReturnFile, read_return_file
from metrics.returns.validation import validate_return
from tests.metrics.returns.test_validation import context_for

SETTINGS = settings(
    max_examples=200,
    # An example takes ~1–50 ms (a workbook written and read); 5 s only on a stalled machine.
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

INTERESTING = [
    "RXX", "rxx", "RYY", "RZZ", "R99", "S005", "S003", "S001", "S013", "s004", "2021-12-31",
    "31/12/2021", "2021-11-30", "2021-11-15", "2022-03-31", "92.5", "85%", "1,234", "1,234.5",
    "0", "-1", "100.5", "1e999", "nan", "inf", "n/a", "#DIV/0!", "9434765919", "943 476 5919",
    "=1+2", "", " ", "\u2212", "’", "\u200b",
]  # fmt: skip
CELL = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=30))
HEADERS = st.one_of(
    st.just(list(COLUMNS)),
    st.permutations(list(COLUMNS)),
    st.lists(st.sampled_from([*COLUMNS, "Value", " metric code", "notes", ""]), max_size=9),
    st.lists(CELL, max_size=9),
)
HISTORY = st.dictionaries(
    st.sampled_from(["S005", "S003", "S001"]),
    st.lists(st.tuples(st.dates(), st.floats(allow_nan=False, allow_infinity=False)), max_size=12),
)


def read_or_reject(name: str, content: bytes) -> ReturnFile | None:
    try:
        return read_return_file(name, content)
    except FileRejected as error:
        message = error.message
    assert isinstance(message, str)
    assert message.strip()
    return None


def validate_cleanly(file: ReturnFile | None, history=None) -> None:
    if file is None:
        return
    result = validate_return(file, context_for(history=history))
    for finding in result.findings:
        assert finding.message.strip()
        assert finding.severity in ("blocking", "warning")
        assert len(finding.code) <= 40  # Finding.code's max_length
        assert len(finding.column) <= 40
        assert len(finding.metric_code) <= 20
    assert result.blocking == any(f.severity == "blocking" for f in result.findings)
    findings_csv(result.findings)


@SETTINGS
@given(
    content=st.binary(max_size=4096),
    name=st.sampled_from(["r.csv", "r.xlsx", "r.txt", "r.xlsm", "r", "r.CSV", "r.XLSX"]),
)
def test_arbitrary_bytes(content: bytes, name: str):
    validate_cleanly(read_or_reject(name, content))


@SETTINGS
@given(
    header=HEADERS,
    rows=st.lists(st.lists(CELL, max_size=9), max_size=20),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    history=HISTORY,
)
def test_arbitrary_csv(header, rows, encoding, history):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    content = out.getvalue().encode(encoding, errors="replace")
    validate_cleanly(read_or_reject("return.csv", content), history)


@SETTINGS
@given(text=st.text(max_size=2000))
def test_arbitrary_text_as_csv(text: str):
    validate_cleanly(read_or_reject("return.csv", text.encode("utf-8")))


@SETTINGS
@given(
    cells=st.lists(st.fixed_dictionaries(dict.fromkeys(COLUMNS, CELL)), max_size=20),
    extra=st.lists(CELL, max_size=3),
    uncomputed=st.sets(st.sampled_from(COLUMNS)),
    history=HISTORY,
)
def test_arbitrary_rows(cells, extra, uncomputed, history):
    rows = [
        RawRow(line, row, tuple(extra), frozenset(uncomputed))
        for line, row in enumerate(cells, start=2)
    ]
    validate_cleanly(ReturnFile("r.csv", "csv", rows), history)


XLSX_VALUE = st.one_of(
    st.none(),
    CELL.map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text)),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.booleans(),
)


@settings(SETTINGS, max_examples=100)  # each example writes and reads a workbook (~30 ms)
@given(
    titles=st.lists(
        st.sampled_from(["return", "Return", "Sheet1", "data", "Q3"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    header=HEADERS.map(lambda cells: [ILLEGAL_CHARACTERS_RE.sub("", c) for c in cells]),
    rows=st.lists(st.lists(XLSX_VALUE, max_size=9), max_size=15),
    formats=st.lists(st.sampled_from(["0%", "0.0%", "General", "yyyy-mm-dd", "@"]), max_size=5),
)
def test_arbitrary_workbooks(titles, header, rows, formats):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title in titles:
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for index, number_format in enumerate(formats):
            sheet.cell(row=2 + index, column=1 + index).number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    validate_cleanly(read_or_reject("return.xlsx", out.getvalue()))


def _good_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "return"
    sheet.append(list(COLUMNS))
    for month_end in ("2021-10-31", "2021-11-30", "2021-12-31"):
        sheet.append(["RXX", "S005", date.fromisoformat(month_end), 92.5, 185, 200, "ok"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD_WORKBOOK = _good_workbook()


@SETTINGS
@given(
    changes=st.lists(
        st.tuples(st.integers(0, len(GOOD_WORKBOOK) - 1), st.integers(0, 255)), max_size=8
    ),
    cut=st.integers(0, len(GOOD_WORKBOOK)),
)
def test_damaged_workbooks(changes, cut):
    content = bytearray(GOOD_WORKBOOK)
    for position, byte in changes:
        content[position] = byte
    validate_cleanly(read_or_reject("return.xlsx", bytes(content[: max(cut, 1)])))
