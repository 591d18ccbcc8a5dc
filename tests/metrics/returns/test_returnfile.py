"""The return file: reading CSV and XLSX into rows, and refusing bad files whole.

Every workbook here is a real .xlsx written by openpyxl; the hostile ones (zip bomb, macros,
billion laughs, external entities) are real files built by rewriting its zip members.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import time
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from metrics.returns import file as returnfile
from metrics.returns.file import COLUMNS, FileRejected, read_return_file

HEADER = ",".join(COLUMNS)


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def rejected(name: str, content: bytes) -> str:
    with pytest.raises(FileRejected) as caught:
        read_return_file(name, content)
    assert caught.value.message
    return caught.value.message


def workbook_bytes(
    sheets: Mapping[str, Sequence[Sequence[object]]], formats: dict[str, str] | None = None
):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for coordinate, number_format in (formats or {}).items():
            sheet[coordinate].number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def simple_xlsx(rows: list[list[object]] | None = None) -> bytes:
    data = rows or [["RXX", "S005", date(2021, 12, 31), 92.5, None, None, "ok"]]
    return workbook_bytes({"return": [list(COLUMNS), *data]})


def rezip(
    content: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
):
    """The same workbook with some members replaced or added."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, data in add.items():
            target.writestr(name, data)
    return out.getvalue()


def member(content: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(content)).read(name)


# --- CSV -----------------------------------------------------------------------------------


def test_csv_rows_keep_the_line_numbers_a_user_sees():
    content = csv_bytes(
        HEADER,
        "RXX,S005,2021-12-31,92.5,185,200,fine",
        "",
        ",,,,,,",
        "RXX,S003,31/12/2021,1234,,,",
    )
    file = read_return_file("q3.csv", content)
    assert file.kind == "csv"
    assert file.encoding == "utf-8"
    assert [row.line for row in file.rows] == [2, 5]
    assert file.rows[0].cells == {
        "organisation_code": "RXX",
        "metric_code": "S005",
        "period_end": "2021-12-31",
        "value": "92.5",
        "numerator": "185",
        "denominator": "200",
        "comment": "fine",
    }


def test_headings_in_any_order_and_case_and_optional_columns_absent():
    content = csv_bytes(" Value ,Metric Code,PERIOD-END,Organisation code", "1,S003,2021-12-31,RXX")
    file = read_return_file("q3.csv", content)
    assert file.columns == ("value", "metric_code", "period_end", "organisation_code")
    assert file.rows[0].cells["value"] == "1"
    assert file.rows[0].cells["comment"] == ""
    assert file.rows[0].cells["organisation_code"] == "RXX"


def test_quoted_comment_with_commas_and_line_break_is_one_cell():
    content = csv_bytes(
        HEADER,
        'RXX,S005,2021-12-31,92.5,,,"Revised, see\nthe board paper"',
        "RXX,S003,2021-12-31,5,,,",
    )
    file = read_return_file("q3.csv", content)
    assert file.rows[0].cells["comment"] == "Revised, see\nthe board paper"
    assert [row.line for row in file.rows] == [2, 3]  # records, as Excel numbers its rows


def test_cells_beyond_the_header_are_kept_as_extra():
    content = csv_bytes(HEADER, "RXX,S005,2021-12-31,92.5,,,Revised, see note")
    assert read_return_file("q3.csv", content).rows[0].extra == ("see note",)


def test_utf8_with_bom():
    content = codecs.BOM_UTF8 + csv_bytes(HEADER, "RXX,S005,2021-12-31,92.5,,,café")
    file = read_return_file("q3.csv", content)
    assert file.encoding == "utf-8-sig"
    assert file.columns[0] == "organisation_code"
    assert file.rows[0].cells["comment"] == "café"


def test_windows_1252_fallback_for_excel_csv():
    content = csv_bytes(HEADER, "RXX,S005,2021-12-31,92.5,,,Cost £5 – est.", encoding="cp1252")
    file = read_return_file("q3.csv", content)
    assert file.encoding == "windows-1252"
    assert file.rows[0].cells["comment"] == "Cost £5 – est."


def test_text_in_neither_encoding_is_refused_naming_both():
    message = rejected("q3.csv", csv_bytes(HEADER) + b"RXX,S005,2021-12-31,\x81\x8d,,,\r\n")
    assert "UTF-8" in message
    assert "Windows-1252" in message


def test_bom_that_lies_is_refused():
    message = rejected("q3.csv", codecs.BOM_UTF8 + b"organisation_code\xff\r\n")
    assert "says it is UTF-8" in message


def test_utf16_is_refused_with_how_to_save():
    message = rejected("q3.csv", codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"))
    assert "UTF-16" in message
    assert "CSV UTF-8" in message


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(256)), b"abc\x00def"],
)
def test_binary_junk_is_refused(content):
    assert "binary" in rejected("q3.csv", content)


def test_control_characters_are_refused():
    message = rejected("q3.csv", csv_bytes(HEADER, "RXX,S005,2021-12-31,9\x0292.5,,,"))
    assert "control character" in message
    assert "Line 2" in message


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n", codecs.BOM_UTF8, b",,,\r\n,,\r\n"])
def test_empty_file(content):
    assert "empty" in rejected("q3.csv", content)


def test_too_large():
    content = csv_bytes(HEADER) + b"x" * returnfile.MAX_FILE_BYTES
    message = rejected("q3.csv", content)
    assert "10 MiB" in message


def test_headings_but_no_data():
    assert "no rows of data" in rejected("q3.csv", csv_bytes(HEADER, ",,,,,,", ""))


def test_missing_and_unexpected_columns_are_named():
    message = rejected("q3.csv", csv_bytes("organisation_code,metric,period_end,notes", "a,b,c,d"))
    assert "missing “metric_code”, “value”" in message
    assert "unexpected “metric”, “notes”" in message


def test_a_column_twice_is_refused():
    message = rejected("q3.csv", csv_bytes(HEADER + ",Value", "RXX,S005,2021-12-31,1,,,,2"))
    assert "“value” appears twice" in message


def test_semicolon_separated_file_gets_a_hint():
    message = rejected("q3.csv", csv_bytes(HEADER.replace(",", ";"), "RXX;S005;2021-12-31;1;;;"))
    assert "semicolons" in message


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(returnfile, "MAX_ROWS", 5)
    monkeypatch.setattr(returnfile, "MAX_LINES", 50)
    ok = csv_bytes(HEADER, *["RXX,S003,2021-12-31,1,,,"] * 5)
    assert len(read_return_file("q3.csv", ok).rows) == 5
    message = rejected("q3.csv", csv_bytes(HEADER, *["RXX,S003,2021-12-31,1,,,"] * 6))
    assert "more than 5 rows" in message


def test_rows_below_the_last_allowed_line(monkeypatch):
    monkeypatch.setattr(returnfile, "MAX_LINES", 10)
    content = csv_bytes(HEADER, *[""] * 20, "RXX,S003,2021-12-31,1,,,")
    assert "below line 10" in rejected("q3.csv", content)


def test_unterminated_quote_at_the_field_limit_is_refused():
    content = csv_bytes(HEADER, 'RXX,S005,2021-12-31,1,,,"' + "x" * 200_000)
    assert "cannot be read as CSV" in rejected("q3.csv", content)


@pytest.mark.parametrize("name", ["q3.xls", "q3.pdf", "q3", "q3.xlsb", "q3.ods"])
def test_other_file_types_are_refused(name):
    assert ".csv or .xlsx" in rejected(name, csv_bytes(HEADER, "RXX,S005,2021-12-31,1"))


def test_a_workbook_named_csv_is_recognised():
    message = rejected("q3.csv", simple_xlsx())
    assert "Excel workbook with a .csv name" in message


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_values_as_text(tmp_path: Path):
    rows: list[Sequence[object]] = [
        list(COLUMNS),
        ["RXX", "S005", datetime(2021, 12, 31), 0.925, 185, 200, "  spaced  "],
        ["RXX", "S003", date(2021, 11, 30), 1234.0, None, None, None],
        [None, None, None, None, None, None, None],
        ["RXX", "S001", "31/12/2021", 2, None, None, True],
    ]
    path = tmp_path / "q3.xlsx"
    path.write_bytes(workbook_bytes({"return": rows}, formats={"D2": "0.0%"}))
    file = read_return_file(path.name, path.read_bytes())
    assert file.kind == "xlsx"
    assert file.sheet == "return"
    assert [row.line for row in file.rows] == [2, 3, 5]
    first, second, third = (row.cells for row in file.rows)
    assert first["period_end"] == "2021-12-31"
    assert first["value"] == "92.5%"  # a percentage cell, as the analyst saw it
    assert first["numerator"] == "185"
    assert first["comment"] == "spaced"
    assert second["value"] == "1234"
    assert second["period_end"] == "2021-11-30"
    assert third["comment"] == "TRUE"


def test_sheet_named_return_is_chosen_among_others():
    content = workbook_bytes(
        {"Notes": [["read me"]], "Return ": [list(COLUMNS), ["RXX", "S003", "2021-12-31", 1]]}
    )
    file = read_return_file("q3.xlsx", content)
    assert file.sheet == "Return "
    assert file.rows[0].cells["metric_code"] == "S003"


def test_single_sheet_of_any_name_is_read():
    content = workbook_bytes({"Sheet1": [list(COLUMNS), ["RXX", "S003", "2021-12-31", 1]]})
    assert read_return_file("q3.xlsx", content).sheet == "Sheet1"


def test_several_sheets_none_named_return_is_refused():
    content = workbook_bytes({"Q3": [list(COLUMNS)], "Q4": [list(COLUMNS)]})
    message = rejected("q3.xlsx", content)
    assert "“Q3”, “Q4”" in message
    assert "“return”" in message


def test_xlsx_missing_columns_and_no_rows():
    assert "missing “value”" in rejected(
        "q3.xlsx", workbook_bytes({"return": [["organisation_code", "metric_code", "period_end"]]})
    )
    assert "no rows of data" in rejected("q3.xlsx", workbook_bytes({"return": [list(COLUMNS)]}))


def test_xlsx_too_many_rows(monkeypatch):
    monkeypatch.setattr(returnfile, "MAX_ROWS", 3)
    monkeypatch.setattr(returnfile, "MAX_LINES", 20)
    content = simple_xlsx([["RXX", "S003", "2021-12-31", n] for n in range(4)])
    assert "more than 3 rows" in rejected("q3.xlsx", content)
    far = workbook_bytes({"return": [list(COLUMNS), *[[None]] * 30, ["RXX", "S003", "x", 1]]})
    assert "below line 20" in rejected("q3.xlsx", far)


def test_formula_with_cached_value_is_read_as_its_value():
    content = simple_xlsx([["RXX", "S003", "2021-12-31", "=1+2"]])
    sheet = member(content, "xl/worksheets/sheet1.xml")
    cached = sheet.replace(b"<f>1+2</f><v />", b"<f>1+2</f><v>3</v>")
    assert cached != sheet
    file = read_return_file("q3.xlsx", rezip(content, replace={"xl/worksheets/sheet1.xml": cached}))
    assert file.rows[0].cells["value"] == "3"
    assert file.rows[0].uncomputed == frozenset()


def test_formula_without_cached_value_is_marked():
    file = read_return_file("q3.xlsx", simple_xlsx([["RXX", "S003", "2021-12-31", "=1+2"]]))
    assert file.rows[0].cells["value"] == ""
    assert file.rows[0].uncomputed == {"value"}


def test_not_a_zip():
    message = rejected("q3.xlsx", csv_bytes(HEADER, "RXX,S005,2021-12-31,1"))
    assert "not a zip package" in message


def test_old_xls_or_password_protected_workbook():
    ole = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    assert "old-style Excel file (.xls) or a password-protected" in rejected("q3.xlsx", ole)


def test_damaged_zip():
    assert "damaged" in rejected("q3.xlsx", simple_xlsx()[:2000])


def test_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not an Excel workbook" in rejected("q3.xlsx", out.getvalue())
    word = rezip(
        simple_xlsx(),
        replace={
            "[Content_Types].xml": member(simple_xlsx(), "[Content_Types].xml").replace(
                b"spreadsheetml.sheet.main+xml", b"wordprocessingml.document.main+xml"
            )
        },
    )
    assert "not an Excel workbook" in rejected("q3.xlsx", word)


def test_xlsm_by_name_is_refused():
    assert "macro-enabled" in rejected("q3.xlsm", simple_xlsx())


def test_vba_project_part_is_refused(tmp_path: Path):
    path = tmp_path / "q3.xlsx"
    path.write_bytes(rezip(simple_xlsx(), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"}))
    assert "macros" in rejected(path.name, path.read_bytes())


def test_macro_enabled_content_type_is_refused():
    types = member(simple_xlsx(), "[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    content = rezip(simple_xlsx(), replace={"[Content_Types].xml": types})
    assert "macros" in rejected("q3.xlsx", content)


def test_excel4_macro_sheet_is_refused():
    content = rezip(simple_xlsx(), add={"xl/macrosheets/sheet1.xml": b"<xm/>"})
    assert "macros" in rejected("q3.xlsx", content)


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory) -> Path:
    """A real workbook plus a 1 GiB member of zeros, deflated (≈ 4.6 MB), written in chunks."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    chunk = bytes(16 * 1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        source = zipfile.ZipFile(io.BytesIO(simple_xlsx()))
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info))
        with archive.open("xl/media/zeros.bin", "w", force_zip64=True) as bomb:
            for _ in range(64):
                bomb.write(chunk)
    return path


def test_zip_bomb_is_refused_before_extracting(zip_bomb: Path):
    content = zip_bomb.read_bytes()
    assert len(content) < returnfile.MAX_FILE_BYTES
    assert zipfile.ZipFile(zip_bomb).getinfo("xl/media/zeros.bin").file_size == 1024**3
    started = time.perf_counter()
    message = rejected(zip_bomb.name, content)
    assert time.perf_counter() - started < 1  # nothing was inflated
    assert "zip bomb" in message


def test_high_compression_ratio_is_refused_below_the_size_limit():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        source = zipfile.ZipFile(io.BytesIO(simple_xlsx()))
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info))
        archive.writestr("xl/media/zeros.bin", bytes(20 * 1024 * 1024))  # 20 MiB, ≈ 1,000:1
    message = rejected("q3.xlsx", out.getvalue())
    assert "times its compressed size" in message


def test_too_many_members_is_refused():
    content = rezip(simple_xlsx(), add={f"xl/media/image{n}.png": b"x" for n in range(600)})
    assert "internal parts" in rejected("q3.xlsx", content)


def test_member_lying_about_its_size_cannot_inflate():
    """Shrink a member's declared size in the central directory: zipfile stops there."""
    content = bytearray(simple_xlsx([["RXX", "S003", "2021-12-31", n] for n in range(200)]))
    name = b"xl/worksheets/sheet1.xml"
    for found in re.finditer(re.escape(b"PK\x01\x02"), bytes(content)):
        header = found.start()
        length = struct.unpack_from("<H", content, header + 28)[0]
        if bytes(content[header + 46 : header + 46 + length]) == name:
            struct.pack_into("<I", content, header + 24, 100)  # uncompressed size: 100 bytes
    assert "damaged" in rejected("q3.xlsx", bytes(content))


def test_encrypted_member_is_refused():
    content = bytearray(simple_xlsx())
    for found in re.finditer(re.escape(b"PK\x01\x02"), bytes(content)):
        flags = struct.unpack_from("<H", content, found.start() + 8)[0]
        struct.pack_into("<H", content, found.start() + 8, flags | 0x1)
    assert "encrypted" in rejected("q3.xlsx", bytes(content))


def test_nested_archive_by_name_and_by_content():
    inner = simple_xlsx()
    assert "embedded" in rejected("q3.xlsx", rezip(simple_xlsx(), add={"xl/data.zip": inner}))
    disguised = rezip(simple_xlsx(), add={"xl/media/image1.png": inner})
    assert "embedded" in rejected("q3.xlsx", disguised)
    ole = rezip(simple_xlsx(), add={"xl/embeddings/oleObject1.bin": b"data"})
    assert "embedded" in rejected("q3.xlsx", ole)


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&xxe;</t></si></sst>
"""


def test_billion_laughs_in_a_sheet_is_refused_cleanly(tmp_path: Path):
    path = tmp_path / "laughs.xlsx"
    path.write_bytes(rezip(simple_xlsx(), replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS}))
    message = rejected(path.name, path.read_bytes())
    assert "XML entity declarations" in message


def test_external_entity_in_shared_strings_is_refused_cleanly():
    content = workbook_bytes({"return": [list(COLUMNS), ["RXX", "S003", "2021-12-31", 1]]})
    assert "xl/sharedStrings.xml" not in zipfile.ZipFile(io.BytesIO(content)).namelist()
    types = member(content, "[Content_Types].xml").replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    rels = member(content, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    hostile = rezip(
        content,
        replace={"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels},
        add={"xl/sharedStrings.xml": EXTERNAL_ENTITY},
    )
    assert "XML entity declarations" in rejected("q3.xlsx", hostile)


def test_entities_in_content_types_are_refused():
    types = BILLION_LAUGHS.replace(b"worksheet", b"Types")
    content = rezip(simple_xlsx(), replace={"[Content_Types].xml": types})
    assert "XML entity declarations" in rejected("q3.xlsx", content)


def test_defusedxml_must_be_in_use(monkeypatch):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    assert "upload a CSV" in rejected("q3.xlsx", simple_xlsx())
