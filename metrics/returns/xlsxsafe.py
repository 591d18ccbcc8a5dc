"""Reading an uploaded .xlsx safely: the archive checks first, then openpyxl on one sheet.

An .xlsx is a zip of XML parts. ``archive_problem`` first reads only the zip's central
directory (the sizes each member *declares*, nothing decompressed); only once those sizes pass
does it read the small ``[Content_Types].xml`` and the first bytes of each part. It refuses:

1. anything that is not a zip (an old .xls, or a password-protected workbook, which Excel
   saves as an OLE container rather than a zip);
2. zip bombs: more than ``MAX_MEMBERS`` members, a member or the total declaring more than
   ``MAX_UNCOMPRESSED_BYTES``, a member over 1 MiB compressed more than ``MAX_RATIO`` times,
   compression methods Excel never uses, encrypted members, duplicate member names. Python's
   zipfile never returns more than a member's declared size (it stops there and fails the CRC
   check), so a member that lies about its size cannot inflate past these checks either;
3. macros and active content: ``vbaProject.bin``, Excel 4 macro sheets, dialog sheets, ActiveX,
   or a macro-enabled content type;
4. nested archives and embedded objects (by name, and by the first bytes of each member), and
   DDE or OLE links among the external links (they start programs when the file is opened);
5. a zip that is not a spreadsheet (a Word file, a plain zip): ``[Content_Types].xml`` must name
   a SpreadsheetML workbook part.

Only then does openpyxl read the workbook. openpyxl parses XML through defusedxml when it is
installed (it is a project dependency), which refuses entity declarations — billion laughs and
external entities (XXE) — with ``DefusedXmlException``. We check that at run time and refuse
to read any workbook if defusedxml is not in use, rather than parse unsafely.
"""

from __future__ import annotations

import io
import math
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import defusedxml.ElementTree as SafeElementTree
import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

MIB = 1024 * 1024
MAX_MEMBERS = 500
# A 200,000-row return saved by openpyxl is a 62 MB sheet part compressed ~9:1; Excel's shared
# strings make its sheets smaller still. 200 MiB leaves three times that room.
MAX_UNCOMPRESSED_BYTES = 200 * MIB
# Real sheet XML compresses 5–20:1; a deflated run of zeros about 1,000:1.
MAX_RATIO = 100
RATIO_CHECKED_FROM = 1 * MIB  # tiny parts can compress oddly and cannot hurt anyone
MAX_CONTENT_TYPES_BYTES = 1 * MIB

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ARCHIVE_MAGICS = (ZIP_MAGIC, OLE_MAGIC, b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh", b"\xfd7zXZ")
# Excel itself writes .bin parts (printer settings), so .bin alone is no sign of an archive.
ARCHIVE_SUFFIXES = (".zip", ".xlsx", ".xlsm", ".xlsb", ".xls", ".docx", ".docm", ".pptx", ".jar",
                    ".gz", ".tgz", ".7z", ".rar", ".tar", ".bz2", ".xz", ".cab")  # fmt: skip
EXTERNAL_LINK_PARTS = "xl/externallinks/"
MACRO_PARTS = ("vbaproject", "xl/macrosheets/", "xl/dialogsheets/", "xl/activex/")
WORKBOOK_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
SAVE_AS_XLSX = "Save it from Excel as “Excel Workbook (*.xlsx)” or as CSV, and upload that."


class UnreadableWorkbook(Exception):
    """The workbook is refused; ``message`` says why in plain English."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class GridRow:
    """One worksheet row as text: cells left to right, and which hold uncomputed formulas."""

    line: int
    cells: tuple[str, ...]
    uncomputed: frozenset[int] = frozenset()  # 0-based indexes of formula cells with no value


def archive_problem(content: bytes) -> str | None:
    """Why this .xlsx must not be opened, or None when openpyxl may read it."""
    if content.startswith(OLE_MAGIC):
        return (
            "This is an old-style Excel file (.xls) or a password-protected workbook, not an "
            f".xlsx. Remove any password first. {SAVE_AS_XLSX}"
        )
    if not content.startswith(ZIP_MAGIC):
        return f"This file is not an Excel .xlsx workbook (it is not a zip package). {SAVE_AS_XLSX}"
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except Exception:  # untrusted input: zipfile raises several types on a damaged archive
        return f"This .xlsx file is damaged: it cannot be opened as a zip package. {SAVE_AS_XLSX}"
    problem = _size_problem(members) or _member_problem(members)
    if problem:
        return problem
    return (
        _content_types_problem(archive)
        or _nested_archive_problem(archive, members)
        or _live_link_problem(archive, members)
    )


def _size_problem(members: list[zipfile.ZipInfo]) -> str | None:
    bomb = (
        "This .xlsx file would expand to {what} when opened, far more than a return needs, so "
        "it has been refused as a possible “zip bomb”. " + SAVE_AS_XLSX
    )
    if len(members) > MAX_MEMBERS:
        return bomb.format(what=f"{len(members):,} internal parts (the limit is {MAX_MEMBERS})")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > MAX_UNCOMPRESSED_BYTES or total > MAX_UNCOMPRESSED_BYTES:
            return bomb.format(what=f"more than {MAX_UNCOMPRESSED_BYTES // MIB} MiB")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_FROM and ratio > MAX_RATIO:
            return bomb.format(what=f"{ratio:,.0f} times its compressed size")
    return None


def _member_problem(members: list[zipfile.ZipInfo]) -> str | None:
    names: set[str] = set()
    for member in members:
        name = member.filename.lower()
        if not name:  # found by atheris: zipfile's own is_dir() fails on a nameless part
            return f"This .xlsx file is damaged: it holds a part without a name. {SAVE_AS_XLSX}"
        if name in names:
            return f"This .xlsx file is damaged: it holds two parts named {name!r}. {SAVE_AS_XLSX}"
        names.add(name)
        if member.flag_bits & 0x1:
            return f"This .xlsx file is encrypted. Remove the password, then {SAVE_AS_XLSX}"
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return f"This .xlsx file uses a compression Excel never writes. {SAVE_AS_XLSX}"
        if any(part in name for part in MACRO_PARTS):
            return _macro_message()
        if name.endswith(ARCHIVE_SUFFIXES) or name.startswith("xl/embeddings/"):
            return _embedded_message()
    return None


def _content_types_problem(archive: zipfile.ZipFile) -> str | None:
    not_excel = f"This file is a zip package but not an Excel workbook. {SAVE_AS_XLSX}"
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return not_excel
    if info.file_size > MAX_CONTENT_TYPES_BYTES:
        return not_excel
    try:
        root = SafeElementTree.fromstring(archive.read(info), forbid_dtd=True)
    except DefusedXmlException:
        return _xml_attack_message()
    except Exception:  # untrusted input: any parse failure means "not a workbook"
        return not_excel
    types = [element.get("ContentType", "") for element in root.iter()]
    if any("macroenabled" in kind.lower() or "vbaproject" in kind.lower() for kind in types):
        return _macro_message()
    if not any(kind in WORKBOOK_TYPES for kind in types):
        return not_excel
    return None


def _nested_archive_problem(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> str | None:
    """Sniff each member's first bytes: the sizes are checked, so each read is a few KiB."""
    for member in members:
        if member.is_dir() or member.file_size == 0:
            continue
        try:
            with archive.open(member) as part:
                head = part.read(8)
        except Exception:  # untrusted input: a member that will not open is damage
            return f"This .xlsx file is damaged and cannot be read. {SAVE_AS_XLSX}"
        if head.startswith(ARCHIVE_MAGICS):
            return _embedded_message()
    return None


def _live_link_problem(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> str | None:
    """DDE and OLE links in the external links: Excel offers to start the program they name
    (``cmd``…) when the stored original is opened, so a return never holds one. Links to other
    workbooks are only cached values, and pass."""
    for member in members:
        if not member.filename.lower().startswith(EXTERNAL_LINK_PARTS):
            continue
        if member.file_size > MAX_CONTENT_TYPES_BYTES:
            return _live_link_message()
        try:
            text = archive.read(member)
        except Exception:  # untrusted input: a member that will not open is damage
            return f"This .xlsx file is damaged and cannot be read. {SAVE_AS_XLSX}"
        if b"ddeLink" in text or b"oleLink" in text:
            return _live_link_message()
    return None


def _live_link_message() -> str:
    return (
        "This workbook links to other programs (DDE or OLE links), which can run commands when "
        "the file is opened, so Oversight never accepts it. Copy the return sheet's cells, paste "
        "them as values into a new workbook, save it as .xlsx or CSV, and upload that."
    )


def _macro_message() -> str:
    return (
        "This workbook contains macros or other active content, which Oversight never accepts. "
        "Save a copy as “Excel Workbook (*.xlsx)” (not .xlsm) or as CSV, and upload that."
    )


def _embedded_message() -> str:
    return (
        "This workbook contains embedded files or archives. A return holds only the data: copy "
        "the return sheet's cells into a new workbook, save it as .xlsx or CSV, and upload that."
    )


def _xml_attack_message() -> str:
    return (
        "This .xlsx file contains XML entity declarations, which Excel never writes and which "
        f"can be used to attack servers, so it has been refused. {SAVE_AS_XLSX}"
    )


def read_sheet(content: bytes, *, max_lines: int, max_columns: int) -> tuple[str, list[GridRow]]:
    """The chosen sheet's name and its rows as text, down to ``max_lines`` + 1 at most.

    Formulas: a first pass reads formulas as written. Only if there are any, a second pass reads
    the values Excel cached when it last saved the file; a formula with no cached value (a file
    written by a script, never opened in Excel) is marked in ``GridRow.uncomputed``.
    Call ``archive_problem`` first: this function assumes the archive is safe to open.
    """
    if not openpyxl.DEFUSEDXML:
        # Fail closed: without defusedxml openpyxl would expand XML entities.
        raise UnreadableWorkbook("Excel files cannot be read on this server; upload a CSV file.")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it skips (data validation, …); none matter here.
            warnings.simplefilter("ignore")
            name, formulas = _read_pass(content, False, max_lines, max_columns)
            if not any(row.uncomputed for row in formulas):
                return name, formulas
            _, values = _read_pass(content, True, max_lines, max_columns)
    except UnreadableWorkbook:
        raise
    except Exception as error:  # untrusted input: openpyxl raises many types
        if _caused_by_xml_attack(error):
            raise UnreadableWorkbook(_xml_attack_message()) from error
        raise UnreadableWorkbook(
            f"This .xlsx file is damaged or not a workbook Excel wrote, and cannot be read. "
            f"{SAVE_AS_XLSX}"
        ) from error
    return name, [
        _merge(with_formulas, cached)
        for with_formulas, cached in zip(formulas, values, strict=True)
    ]


def _caused_by_xml_attack(error: BaseException | None) -> bool:
    """defusedxml's refusal, even where openpyxl re-raises it as a ValueError of its own."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _merge(with_formulas: GridRow, cached: GridRow) -> GridRow:
    uncomputed = frozenset(i for i in with_formulas.uncomputed if not cached.cells[i])
    return GridRow(cached.line, cached.cells, uncomputed)


def _read_pass(
    content: bytes, data_only: bool, max_lines: int, max_columns: int
) -> tuple[str, list[GridRow]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    try:
        sheet = _choose_sheet(workbook)
        # types-openpyxl types iter_rows for the full Worksheet only; read-only sheets share it.
        cells_by_row = sheet.iter_rows(  # type: ignore[misc]
            min_row=1, max_row=max_lines + 1, max_col=max_columns
        )
        rows = []
        for line, cells in enumerate(cells_by_row, start=1):
            texts = tuple(cell_text(cell) for cell in cells)
            formulas = frozenset(i for i, cell in enumerate(cells) if cell.data_type == "f")
            rows.append(GridRow(line, texts, formulas))
        return sheet.title, rows
    finally:
        workbook.close()


def _choose_sheet(workbook: Workbook) -> ReadOnlyWorksheet:
    """The sheet named "return" (any case); else the only sheet; else refuse."""
    sheets = workbook.worksheets
    named = [sheet for sheet in sheets if sheet.title.strip().lower() == "return"]
    if named:
        return named[0]
    if len(sheets) == 1:
        return sheets[0]
    if not sheets:
        raise UnreadableWorkbook("This workbook has no worksheets, so it holds no return.")
    titles = ", ".join(f"“{sheet.title}”" for sheet in sheets[:10])
    raise UnreadableWorkbook(
        f"This workbook has {len(sheets)} sheets ({titles}) and none is named “return”. "
        "Rename the sheet holding the return to “return”, or upload a workbook with one sheet."
    )


def cell_text(cell: object) -> str:
    """A cell's value as the text a CSV export would hold (dates as ISO 8601)."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time | timedelta):
        return str(value)
    if isinstance(value, int | float):
        if "%" in str(getattr(cell, "number_format", "")):
            # Excel keeps 85% as 0.85: give it back as the analyst typed and saw it.
            return number_text(value, scale=100) + "%"
        return number_text(value)
    if not isinstance(value, str):
        return ""  # a formula object (array or table formula) read in the formulas pass
    return clean_text(value)


def number_text(value: float, *, scale: int = 1) -> str:
    """Shortest plain decimal text for a number: 92.5, 1234, 0.000125 (never 1.25e-04)."""
    if not math.isfinite(value):
        return str(value)  # "inf" or "nan", which validation refuses as not a number
    text = format((Decimal(repr(value)) * scale).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def clean_text(text: str) -> str:
    """Cell text with surrounding spaces (including no-break and zero-width ones) removed."""
    return text.strip().strip("\u200b\ufeff").strip()
