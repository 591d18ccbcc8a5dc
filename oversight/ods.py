"""Reading the NHS ODS files a user downloads into rows for the registry.

Files (see ../shared/data/README.md for the 2021/22 extracts):
- regions CSV: region_ods, region_ons, region_name
- ICS CSV:     ics_ods, ics_ons, ics_name, region_ods, region_ons
- CCG CSV:     ccg_ods, ccg_ons, ccg_name, ics_ods, ics_ons, region_ods
- etr.csv:     the ODS "etr" layout for NHS trusts, no header (code, name, national grouping,
               high-level health geography, address ×5, postcode, open date, close date, …)
- optional trust-sectors CSV: ods_code, sector — the sector of each trust as the user supplies it
- optional GP practice map (PRACTICE_CODE, PRACTICE_NAME, CCG_CODE, STP_CODE, COMM_REGION_CODE, …)

Parsing never touches the database: it returns rows and problems, each problem with its file
and line number, so the import can refuse a file whole.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from oversight.models import Sector

WALES = "W00"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}: {self.message}"


# Every row remembers where it was read (file name and line), so a problem found later, when
# rows are checked against each other, still points at the line to fix. Rows built in code
# (the demo) have no file; the location never takes part in comparisons.
@dataclass(frozen=True)
class RegionRow:
    ods_code: str
    ons_code: str
    name: str
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class SystemRow:
    ods_code: str
    ons_code: str
    name: str
    region: str
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class BodyRow:
    ods_code: str
    name: str
    region: str
    system: str | None
    ons_code: str = ""
    opened_on: date | None = None
    closed_on: date | None = None
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)


Row = RegionRow | SystemRow | BodyRow


def problem_at(row: Row, message: str) -> Problem:
    return Problem(row.file or "generated rows", row.line, message)


@dataclass
class Parsed:
    """Everything read from one folder, or why it could not be."""

    regions: list[RegionRow] = field(default_factory=list)
    systems: list[SystemRow] = field(default_factory=list)
    ccgs: list[BodyRow] = field(default_factory=list)
    trusts: list[BodyRow] = field(default_factory=list)
    practices: list[BodyRow] = field(default_factory=list)
    sectors: dict[str, str] = field(default_factory=dict)
    # Where each supplied sector was read, for problems found against the trusts.
    sector_lines: dict[str, tuple[str, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    skipped_codes: set[str] = field(default_factory=set)


ODS_CODE = re.compile(r"^[A-Z0-9]{3,6}$")


def find_file(folder: Path, *patterns: str) -> Path | None:
    for pattern in patterns:
        matches = sorted(folder.glob(pattern))
        if matches:
            return matches[0]
    return None


def _csv_rows(path: Path, parsed: Parsed) -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped cells) of each record; a file that is not UTF-8 CSV is a problem."""
    line = 0
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            for row in reader:
                line = reader.line_num
                yield line, [cell.strip() for cell in row]
    except UnicodeDecodeError:
        # Decoding runs ahead of the lines read, so no line number would be true here.
        parsed.problems.append(Problem(path.name, 0, "is not UTF-8 text (save it as UTF-8 CSV)"))
    except csv.Error as error:
        parsed.problems.append(Problem(path.name, line + 1, f"is not valid CSV ({error})"))


def _dict_rows(path: Path, required: tuple[str, ...], parsed: Parsed) -> Iterator[tuple[int, dict]]:
    rows = _csv_rows(path, parsed)
    known = len(parsed.problems)
    first = next(rows, None)
    if first is None:
        if len(parsed.problems) == known:
            parsed.problems.append(Problem(path.name, 1, "is empty; a header row is expected"))
        return
    header = first[1]
    missing = [c for c in required if c not in header]
    if missing:
        parsed.problems.append(
            Problem(path.name, 1, f"the header lacks the column(s) {', '.join(missing)}")
        )
        return
    for line, cells in rows:
        if not any(cells):
            continue  # a blank line, e.g. at the end of a hand-edited file
        if len(cells) != len(header):
            parsed.problems.append(
                Problem(path.name, line, f"has {len(cells)} cells; the header has {len(header)}")
            )
            continue
        yield line, dict(zip(header, cells, strict=True))


def _named(row: dict, column: str, what: str, path: Path, line: int, parsed: Parsed) -> bool:
    if row[column]:
        return True
    parsed.problems.append(Problem(path.name, line, f"the {what} has no name ({column} is empty)"))
    return False


def _code(value: str, what: str, path: Path, line: int, parsed: Parsed) -> str | None:
    if ODS_CODE.match(value):
        return value
    parsed.problems.append(
        Problem(path.name, line, f"{what} {value!r} is not an ODS code (3–6 letters or digits)")
    )
    return None


ODS_DATE = re.compile(r"^[0-9]{8}$")


def _ods_date(value: str, what: str, path: Path, line: int, parsed: Parsed) -> date | None:
    if not value:
        return None
    # Checked for shape first: "2020-09-30" or "2020093" must be reported, not read as no date.
    if ODS_DATE.match(value):
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            pass
    parsed.problems.append(
        Problem(path.name, line, f"{what} {value!r} is not a date in the form YYYYMMDD")
    )
    return None


def read_regions(path: Path, parsed: Parsed) -> None:
    for line, row in _dict_rows(path, ("region_ods", "region_ons", "region_name"), parsed):
        code = _code(row["region_ods"], "region code", path, line, parsed)
        named = _named(row, "region_name", "region", path, line, parsed)
        if code and named:
            parsed.regions.append(
                RegionRow(code, row["region_ons"], row["region_name"], path.name, line)
            )


def read_systems(path: Path, parsed: Parsed) -> None:
    for line, row in _dict_rows(path, ("ics_ods", "ics_ons", "ics_name", "region_ods"), parsed):
        code = _code(row["ics_ods"], "ICS code", path, line, parsed)
        region = _code(row["region_ods"], "region code", path, line, parsed)
        named = _named(row, "ics_name", "ICS", path, line, parsed)
        if code and region and named:
            parsed.systems.append(
                SystemRow(code, row["ics_ons"], row["ics_name"], region, path.name, line)
            )


def read_ccgs(path: Path, parsed: Parsed) -> None:
    columns = ("ccg_ods", "ccg_ons", "ccg_name", "ics_ods", "region_ods")
    for line, row in _dict_rows(path, columns, parsed):
        code = _code(row["ccg_ods"], "CCG code", path, line, parsed)
        system = _code(row["ics_ods"], "ICS code", path, line, parsed)
        region = _code(row["region_ods"], "region code", path, line, parsed)
        named = _named(row, "ccg_name", "CCG", path, line, parsed)
        if code and system and region and named:
            parsed.ccgs.append(
                BodyRow(
                    code,
                    row["ccg_name"],
                    region,
                    system,
                    ons_code=row["ccg_ons"],
                    file=path.name,
                    line=line,
                )
            )


ETR_MIN_COLUMNS = 12


def read_etr(path: Path, parsed: Parsed) -> None:
    """The ODS etr layout (no header). Welsh trusts (national grouping W00) are skipped."""
    for line, cells in _csv_rows(path, parsed):
        if not any(cells):
            continue
        if len(cells) < ETR_MIN_COLUMNS:
            parsed.problems.append(
                Problem(
                    path.name,
                    line,
                    f"has {len(cells)} columns; the etr layout has at least {ETR_MIN_COLUMNS}",
                )
            )
            continue
        code, name, region, system = cells[0], cells[1], cells[2], cells[3]
        if region == WALES:
            parsed.skipped.append(f"{path.name}, line {line}: {code} {name} (Welsh, W00)")
            parsed.skipped_codes.add(code)
            continue
        ok_code = _code(code, "trust code", path, line, parsed)
        ok_region = _code(region, "national grouping", path, line, parsed)
        ok_system = _code(system, "health geography", path, line, parsed)
        opened = _ods_date(cells[10], "open date", path, line, parsed)
        closed = _ods_date(cells[11], "close date", path, line, parsed)
        if opened and closed and closed < opened:
            parsed.problems.append(
                Problem(path.name, line, f"closes ({closed}) before it opens ({opened})")
            )
        if not name:
            parsed.problems.append(Problem(path.name, line, "the trust has no name"))
        elif ok_code and ok_region and ok_system:
            parsed.trusts.append(
                BodyRow(
                    ok_code,
                    name,
                    ok_region,
                    ok_system,
                    opened_on=opened,
                    closed_on=closed,
                    file=path.name,
                    line=line,
                )
            )


def read_sectors(path: Path, parsed: Parsed) -> None:
    allowed = set(Sector.values)
    for line, row in _dict_rows(path, ("ods_code", "sector"), parsed):
        code = _code(row["ods_code"], "trust code", path, line, parsed)
        sector = row["sector"].lower().replace(" ", "_").replace("-", "_")
        if sector not in allowed:
            parsed.problems.append(
                Problem(
                    path.name,
                    line,
                    f"sector {row['sector']!r} is not one of {', '.join(sorted(allowed))}",
                )
            )
        elif code in parsed.sector_lines and parsed.sectors[code] != sector:
            first = parsed.sector_lines[code][1]
            parsed.problems.append(
                Problem(
                    path.name,
                    line,
                    f"{code} was given the sector {parsed.sectors[code]} on line {first}",
                )
            )
        elif code:
            parsed.sectors[code] = sector
            parsed.sector_lines.setdefault(code, (path.name, line))


def read_practices(path: Path, parsed: Parsed) -> None:
    columns = ("PRACTICE_CODE", "PRACTICE_NAME", "STP_CODE", "COMM_REGION_CODE")
    for line, row in _dict_rows(path, columns, parsed):
        code = _code(row["PRACTICE_CODE"], "practice code", path, line, parsed)
        if code:
            parsed.practices.append(
                BodyRow(
                    code,
                    row["PRACTICE_NAME"],
                    row["COMM_REGION_CODE"],
                    row["STP_CODE"],
                    file=path.name,
                    line=line,
                )
            )


def read_folder(folder: Path, *, include_practices: bool = False) -> Parsed:
    """Read every ODS file the import knows from `folder`."""
    parsed = Parsed()
    readers = [
        (read_regions, ("*region*.csv",), True),
        (read_systems, ("*ics*.csv", "*stp*.csv"), True),
        (read_ccgs, ("*ccg*.csv",), True),
        (read_etr, ("etr.csv", "*etr*.csv"), True),
        (read_sectors, ("*sector*.csv",), False),
        (read_practices, ("*prac*.csv",), False),
    ]
    for reader, patterns, required in readers:
        if reader is read_practices and not include_practices:
            continue
        path = find_file(folder, *patterns)
        if path is None:
            if required:
                wanted = " or ".join(patterns)
                parsed.problems.append(Problem(str(folder), 0, f"no file matching {wanted}"))
            continue
        reader(path, parsed)
    return parsed


SMALL_WORDS = {"and", "of", "the", "for", "at", "in", "on", "&"}
KEEP_UPPER = {"NHS", "CCG", "ICS", "STP", "UK", "II"}


def display_name(ods_name: str) -> str:
    """ODS names are upper case; analysts read "Manchester University NHS Foundation Trust"."""
    if not ods_name.isupper():
        return ods_name
    words = []
    for index, word in enumerate(ods_name.split()):
        if word in KEEP_UPPER:
            words.append(word)
        elif index and word.lower() in SMALL_WORDS:
            words.append(word.lower())
        else:
            words.append("-".join(part.capitalize() for part in word.split("-")))
    return " ".join(words).replace("King'S", "King's").replace("'S ", "'s ")


# First match wins: "Community Healthcare" is community, "Integrated Care" an acute trust.
SECTOR_HINTS: tuple[tuple[str, str], ...] = (
    ("AMBULANCE", Sector.AMBULANCE),
    ("COMMUNITY", Sector.COMMUNITY),
    ("INTEGRATED CARE", Sector.ACUTE),
    ("MENTAL HEALTH", Sector.MENTAL_HEALTH),
    ("PARTNERSHIP", Sector.MENTAL_HEALTH),
    ("TAVISTOCK", Sector.MENTAL_HEALTH),
    (" CARE NHS", Sector.MENTAL_HEALTH),
    ("ORTHOPAEDIC", Sector.SPECIALIST),
    ("CHILDREN", Sector.SPECIALIST),
    ("WOMEN", Sector.SPECIALIST),
    ("CANCER", Sector.SPECIALIST),
    ("CHRISTIE", Sector.SPECIALIST),
    ("MARSDEN", Sector.SPECIALIST),
    ("MOORFIELDS", Sector.SPECIALIST),
    ("PAPWORTH", Sector.SPECIALIST),
    ("BROMPTON", Sector.SPECIALIST),
    ("HEART AND CHEST", Sector.SPECIALIST),
    ("WALTON CENTRE", Sector.SPECIALIST),
)


def guess_sector(name: str) -> str:
    """A default from the trust's name: shown as a guess until a user supplies or edits it."""
    upper = name.upper()
    for hint, sector in SECTOR_HINTS:
        if hint in upper:
            return sector
    return Sector.ACUTE
