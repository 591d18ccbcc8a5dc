"""The return file: one format, CSV or XLSX, read into rows of text or refused whole.

The format (issue 3, item 3): long form, one row per value, with the columns ``COLUMNS``.
``period_end`` is the last day of the month for monthly metrics and of the quarter otherwise;
``numerator``, ``denominator`` and ``comment`` are optional. Headings may come in any order, in
any case, with spaces for underscores ("Organisation code"). Blank rows are skipped.

Which sheet of a workbook: the sheet named "return" (any case) if there is one; otherwise the
first sheet, but only when the workbook has exactly one — we never guess between several.

Everything here is about the *file*: a file that cannot be read as a return raises
``FileRejected`` and nothing is stored. What the cells say is judged by ``metrics.validation``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from metrics.returns.xlsxsafe import (
    OLE_MAGIC,
    ZIP_MAGIC,
    GridRow,
    UnreadableWorkbook,
    archive_problem,
    clean_text,
    read_sheet,
)

COLUMNS = (
    "organisation_code",
    "metric_code",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "comment",
)
REQUIRED_COLUMNS = ("organisation_code", "metric_code", "period_end", "value")
ALIASES = {"organization_code": "organisation_code"}

# Limits. One body's return is ~80 metrics × 3 months ≈ 240 rows (≈ 15 KB). A national bulk
# upload of one quarter (~370 bodies × ~80 metrics × 3 months ≈ 90,000 rows) is ≈ 4 MB as CSV
# and ≈ 3 MB as XLSX. MAX_ROWS allows twice that; 10 MiB holds 200,000 rows in either format
# (≈ 45 bytes a CSV row, ≈ 34 an XLSX row) and is small enough to keep every original file in
# the database and to read in one request.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 200_000
MAX_LINES = MAX_ROWS + 1_000  # the lowest line a data row may sit on: room for blank rows
MAX_COLUMNS = 50  # a workbook's cells right of column AX are not read

# Control characters no text file holds: all but tab, line feed, vertical tab, form feed and
# carriage return.
FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


class FileRejected(Exception):
    """The whole file is refused; ``message`` is plain English for a trust analyst."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RawRow:
    """One data row as text, exactly as in the file."""

    line: int  # as the user sees it: Excel's row number, or the CSV record number (header = 1)
    cells: dict[str, str]  # every name of COLUMNS -> stripped text ("" for blank or absent)
    extra: tuple[str, ...] = ()  # non-blank cells outside the named columns
    uncomputed: frozenset[str] = field(default_factory=frozenset)  # formulas with no value


@dataclass(frozen=True)
class ReturnFile:
    file_name: str
    kind: Literal["csv", "xlsx"]
    rows: list[RawRow]
    encoding: str = ""  # CSV only: "utf-8", "utf-8-sig" (with BOM) or "windows-1252"
    sheet: str = ""  # XLSX only: the sheet read
    columns: tuple[str, ...] = ()  # the COLUMNS the file has, in its order


def read_return_file(file_name: str, content: bytes) -> ReturnFile:
    """Read an uploaded return, or raise ``FileRejected`` saying why it cannot be used."""
    if not content:
        raise FileRejected("The file is empty. Fill in the template and upload it again.")
    if len(content) > MAX_FILE_BYTES:
        raise FileRejected(too_large_message(len(content)))
    kind = _kind(file_name)
    if kind == "xlsx":
        problem = archive_problem(content)
        if problem:
            raise FileRejected(problem)
        try:
            sheet, grid = read_sheet(content, max_lines=MAX_LINES, max_columns=MAX_COLUMNS)
        except UnreadableWorkbook as error:
            raise FileRejected(error.message) from error
        columns, rows = _rows_from_grid(grid)
        return ReturnFile(file_name, "xlsx", rows, sheet=sheet, columns=columns)
    text, encoding = _decode(content)
    columns, rows = _rows_from_grid(_csv_grid(text))
    return ReturnFile(file_name, "csv", rows, encoding=encoding, columns=columns)


def too_large_message(size: int, *, what: str = "The file") -> str:
    """Why a file (or a post carrying one) of ``size`` bytes is refused, and what to do."""
    return (
        f"{what} is {size / 1024 / 1024:.1f} MiB; the largest file Oversight accepts is "
        f"{MAX_FILE_BYTES // 1024 // 1024} MiB. Remove anything that is not part of the return "
        "(other sheets, formatting), or split it by organisation."
    )


def _kind(file_name: str) -> Literal["csv", "xlsx"]:
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if suffix in ("csv", "txt"):
        return "csv"
    if suffix == "xlsx":
        return "xlsx"
    if suffix in ("xlsm", "xltm", "xlam"):
        raise FileRejected(
            "This is a macro-enabled workbook (.xlsm), which Oversight never accepts. Save a copy "
            "as “Excel Workbook (*.xlsx)” or as CSV, and upload that."
        )
    raise FileRejected(
        f"Oversight reads returns as .csv or .xlsx files; “{file_name[-80:]}” is neither. "
        "Save the return as “Excel Workbook (*.xlsx)” or “CSV UTF-8 (Comma delimited)”."
    )


def _decode(content: bytes) -> tuple[str, str]:
    """The CSV's text and the encoding it was read with: UTF-8, else Windows-1252."""
    save_as_csv = "Save it from Excel as “CSV UTF-8 (Comma delimited) (*.csv)” and upload that."
    if content.startswith((ZIP_MAGIC, OLE_MAGIC)):
        raise FileRejected(
            "This file is an Excel workbook with a .csv name. Upload it with its .xlsx name, "
            f"or: {save_as_csv}"
        )
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(f"This CSV file is saved as UTF-16 (“Unicode text”). {save_as_csv}")
    if b"\x00" in content:
        raise FileRejected(f"This is not a CSV file: it holds binary data. {save_as_csv}")
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise FileRejected(
                "This CSV file says it is UTF-8 but is not: byte "
                f"{error.start + len(codecs.BOM_UTF8) + 1:,} is not UTF-8. {save_as_csv}"
            ) from error
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError as error:
        raise FileRejected(
            "This file is neither UTF-8 nor Windows-1252 text (the two encodings Oversight "
            f"reads), so it is not a CSV file we can read: byte {error.start + 1:,} fits "
            f"neither. {save_as_csv}"
        ) from error
    return text, "windows-1252"


def _csv_grid(text: str) -> Iterator[GridRow]:
    """CSV records as grid rows; a record's line is its number, as Excel would show it."""
    if not text.strip():
        raise FileRejected("The file is empty. Fill in the template and upload it again.")
    reader = csv.reader(io.StringIO(text, newline=""))
    # One search of the whole text spares the cell-by-cell search in the common clean file.
    suspect = FORBIDDEN_CONTROL.search(text) is not None
    line = 0
    try:
        for line, record in enumerate(reader, start=1):
            if line > MAX_LINES + 1:
                return
            if suspect:
                _refuse_control_characters(record, line)
            yield GridRow(line, tuple(clean_text(cell) for cell in record))
    except csv.Error as error:
        raise FileRejected(
            f"Line {line + 1} of the file cannot be read as CSV ({error}). Check for a cell "
            "with an unmatched double quote, or a cell longer than 100,000 characters."
        ) from error


def _refuse_control_characters(record: list[str], line: int) -> None:
    for cell in record:
        found = FORBIDDEN_CONTROL.search(cell)
        if found:
            raise FileRejected(
                f"Line {line} holds a control character (code {ord(found.group())}), which "
                "text files never contain: this looks like a binary file, not CSV. Save the "
                "return from Excel as “CSV UTF-8 (Comma delimited) (*.csv)” and upload that."
            )


def _rows_from_grid(grid: Iterable[GridRow]) -> tuple[tuple[str, ...], list[RawRow]]:
    """The header (the first non-blank row) mapped to COLUMNS, then every non-blank row."""
    rows: list[RawRow] = []
    positions: dict[int, str] | None = None
    for grid_row in grid:
        # Readers stop one line past MAX_LINES, so a line there means the file runs on (perhaps
        # only with empty but formatted rows, which we cannot tell from data without reading).
        if grid_row.line > MAX_LINES:
            raise _too_many_rows()
        if not any(grid_row.cells):
            continue
        if positions is None:
            positions = _header_positions(grid_row)
            continue
        rows.append(_raw_row(grid_row, positions))
        if len(rows) > MAX_ROWS:
            raise _too_many_rows()
    if positions is None:
        raise FileRejected("The file is empty. Fill in the template and upload it again.")
    if not rows:
        raise FileRejected(
            "The file has column headings but no rows of data. Add one row per value under the "
            "headings and upload it again."
        )
    return tuple(positions[i] for i in sorted(positions)), rows


def _too_many_rows() -> FileRejected:
    return FileRejected(
        f"The file has more than {MAX_ROWS:,} rows of data, or rows below line {MAX_LINES:,}: "
        "more than one upload may hold. Delete any empty rows at the bottom, or split the file "
        "by organisation and upload each part."
    )


def _header_positions(header: GridRow) -> dict[int, str]:
    """Column index -> column name; refuses unknown, duplicated or missing required columns."""
    positions: dict[int, str] = {}
    unexpected: list[str] = []
    for index, heading in enumerate(header.cells):
        if not heading:
            continue
        name = normalise_heading(heading)
        if name not in COLUMNS:
            unexpected.append(heading[:60])
        elif name in positions.values():
            raise FileRejected(
                f"The column “{name}” appears twice in the headings on line {header.line}. "
                "Keep one of them."
            )
        else:
            positions[index] = name
    missing = [name for name in REQUIRED_COLUMNS if name not in positions.values()]
    if not missing and not unexpected:
        return positions
    problems = []
    if missing:
        problems.append("missing " + ", ".join(f"“{name}”" for name in missing))
    if unexpected:
        problems.append("unexpected " + ", ".join(f"“{name}”" for name in unexpected[:10]))
    hint = ""
    if len(header.cells) == 1 and any(sep in header.cells[0] for sep in ";\t|"):
        hint = (
            " The columns seem to be separated by semicolons or tabs: save the file as "
            "“CSV UTF-8 (Comma delimited)”."
        )
    raise FileRejected(
        f"The column headings on line {header.line} are not the return's: "
        f"{'; '.join(problems)}. The headings must be " + ", ".join(COLUMNS) + " (numerator, "
        "denominator and comment may be left out; any order). Download the template to see the "
        "layout." + hint
    )


def normalise_heading(heading: str) -> str:
    """ "Organisation Code " -> "organisation_code": case, spaces and hyphens do not matter."""
    name = re.sub(r"[\s\-_]+", "_", heading.strip().lower()).strip("_")
    return ALIASES.get(name, name)


def _raw_row(grid_row: GridRow, positions: dict[int, str]) -> RawRow:
    cells = dict.fromkeys(COLUMNS, "")
    extra = []
    for index, text in enumerate(grid_row.cells):
        name = positions.get(index)
        if name is not None:
            cells[name] = text
        elif text:
            extra.append(text)
    uncomputed = frozenset(positions[i] for i in grid_row.uncomputed if i in positions)
    return RawRow(grid_row.line, cells, tuple(extra), uncomputed)
