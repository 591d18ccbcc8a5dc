"""One row of the catalogue CSV: its columns, the rules each cell follows, its canonical text.

Pure functions over text: no database. `read_rows` checks a whole file, `validate_row` one
row (the edit form goes through it too), `canonical_row` gives the text export writes — so a
file, a form and a stored metric are always compared in the same form.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import models

from metrics.engine.kinds import (
    Frequency,
    Polarity,
    QuarterBasis,
    RollupMethod,
    ValueType,
    stored_values,
)
from metrics.engine.scoring import parse_score_map
from metrics.models.catalogue import APPLICABILITY, Metric

COLUMNS = (
    "code",
    "name",
    "theme",
    "applies_to",
    "polarity",
    "unit",
    "value_type",
    "frequency",
    "quarter_basis",
    "valid_min",
    "valid_max",
    "standard",
    "floor",
    "score_map",
    "weight",
    "scored",
    "definition",
    "source",
    "rollup",
    "rollup_per",
)
# Columns a file may leave out (files from before the system lens's roll-ups): blank when absent.
OPTIONAL_COLUMNS = ("rollup", "rollup_per")
# The code is a metric's identity within its edition (return files name it): load, not edit.
EDITABLE_COLUMNS = COLUMNS[1:]

APPLICABILITY_LABELS = {
    "ics": "ICSs",
    "ccg": "CCGs",
    "acute": "acute trusts",
    "mental_health": "mental health trusts",
    "community": "community trusts",
    "ambulance": "ambulance trusts",
    "specialist": "specialist trusts",
}


def _max_length(name: str) -> int:
    field = Metric._meta.get_field(name)
    assert isinstance(field, models.CharField)
    return int(field.max_length or 0)


_TEXT_LIMITS = {name: _max_length(name) for name in ("code", "name", "unit", "score_map", "source")}
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Plain decimal notation only: Python's float() would also take "1_000", "nan" and "inf".
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# A weight is exact: a whole number, a decimal (0.5) or a fraction (1/3) — kept as a Fraction.
_WEIGHT = re.compile(r"(\d+(\.\d*)?|\.\d+)(/\d+)?")  # no sign, no exponent: 2, 0.5, 1/3
_WEIGHT_LIMIT = 10000
_WEIGHT_LENGTH = _max_length("weight")


@dataclass(frozen=True)
class CatalogueProblem:
    """What is wrong, and where: the file's line (None for a form) and the column."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"line {self.line}" if self.line is not None else "",
                f"column {self.column}" if self.column else "",
            )
            if part
        )
        return f"{where[0].upper()}{where[1:]}: {self.message}" if where else self.message


class _Cells:
    """Reads one row's cells, collecting a problem for each that breaks a rule."""

    def __init__(self, cells: Mapping[str, str], line: int | None) -> None:
        self.cells = cells
        self.line = line
        self.problems: list[CatalogueProblem] = []

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def problem(self, column: str, message: str) -> None:
        self.problems.append(CatalogueProblem(self.line, column, message))

    def text(self, column: str, *, required: str = "") -> str:
        value = self.get(column)
        if not value and required:
            self.problem(column, required)
        limit = _TEXT_LIMITS.get(column)
        if limit and len(value) > limit:
            self.problem(column, f"This is {len(value)} characters long; at most {limit} fit.")
        return value

    def choice(self, column: str, choices: Sequence[str], what: str) -> str:
        value = self.get(column)
        if value not in choices:
            options = ", ".join(choices)
            if value:
                self.problem(column, f'The {what} "{value}" is not one of: {options}.')
            else:
                self.problem(column, f"Give the {what}: one of {options}.")
        return value

    def number(self, column: str, what: str) -> float | None:
        value = self.get(column)
        if not value:
            return None
        if not _NUMBER.fullmatch(value):
            self.problem(column, f'The {what} "{value}" is not a number.')
            return None
        return float(value)


def validate_row(
    cells: Mapping[str, str],
    *,
    line: int | None,
    theme_slugs: Sequence[str],
    edition_name: str,
) -> tuple[dict[str, Any] | None, list[CatalogueProblem]]:
    """Check one row; give its typed values (Metric field names, theme as a slug) or problems."""
    c = _Cells(cells, line)
    code = c.text("code", required="Give the metric's code, e.g. S001 or OF0023.")
    if code and not _CODE.fullmatch(code):
        c.problem("code", f'The code "{code}" may hold only letters, digits, ".", "-" and "_".')
    theme = c.get("theme")
    if theme not in theme_slugs:
        said = f'"{theme}" is not a theme of {edition_name}' if theme else "Give the theme"
        c.problem("theme", f"{said}. Use one of: {', '.join(theme_slugs)}.")
    polarity = c.choice("polarity", stored_values(Polarity), "polarity")
    frequency = c.choice("frequency", stored_values(Frequency), "frequency")
    valid_min = c.number("valid_min", "lowest valid value")
    valid_max = c.number("valid_max", "highest valid value")
    if valid_min is not None and valid_max is not None and valid_min > valid_max:
        c.problem(
            "valid_max",
            f"The highest valid value ({_number_text(valid_max)}) is below the lowest "
            f"({_number_text(valid_min)}).",
        )
    standard = c.number("standard", "standard")
    floor = c.number("floor", "floor")
    score_map = c.text("score_map")
    scored = c.choice("scored", ("yes", "no"), "scored value") == "yes"
    values = {
        "code": code,
        "name": c.text("name", required="Give the metric's name."),
        "theme": theme,
        "applies_to": _applies_to(c),
        "polarity": polarity,
        "unit": c.text("unit", required="Give the unit, e.g. %, count or ratio."),
        "value_type": c.choice("value_type", stored_values(ValueType), "value type"),
        "frequency": frequency,
        "quarter_basis": _quarter_basis(c, frequency),
        "valid_min": valid_min,
        "valid_max": valid_max,
        "standard": standard,
        "floor": floor,
        "score_map": score_map,
        "weight": _weight(c),
        "scored": scored,
        "definition": c.text("definition"),
        "source": c.text("source"),
        **_rollup(c),
    }
    _check_standard_and_floor(c, values)
    if score_map:
        try:
            parse_score_map(score_map)
        except ValueError as error:
            c.problem("score_map", f"The score map is not valid: {error}.")
    if polarity == Polarity.NEUTRAL and scored and not score_map:
        c.problem(
            "scored",
            "A neutral metric has no better direction, so it can be scored only through a "
            "score map. Set scored to no, or give a score map.",
        )
    return (None, c.problems) if c.problems else (values, [])


def _rollup(c: _Cells) -> dict[str, Any]:
    """How an ICS's value is derived from its organisations' (blank: it is not); a ratio's
    base (e.g. 1000 for a rate per 1,000; blank: 100 for a percentage, else 1)."""
    rollup = c.get("rollup")
    methods = stored_values(RollupMethod)
    if rollup and rollup not in methods:
        c.problem("rollup", f'The roll-up "{rollup}" is not one of: {", ".join(methods)}.')
    per = c.number("rollup_per", "roll-up base")
    if per is not None and per <= 0:
        c.problem("rollup_per", "The roll-up base must be more than 0.")
    if per is not None and rollup != RollupMethod.RATIO:
        c.problem("rollup_per", "Only a ratio roll-up has a base: leave it blank.")
    return {"rollup": rollup, "rollup_per": per}


def _applies_to(c: _Cells) -> str:
    words = [w for w in re.split(r"[\s,]+", c.get("applies_to")) if w]
    options = ", ".join(APPLICABILITY)
    if not words:
        c.problem("applies_to", f"Say which bodies the metric applies to: any of {options}.")
    for word in words:
        if word not in APPLICABILITY:
            c.problem("applies_to", f'"{word}" is not a kind of body. Use any of: {options}.')
    return applicability_text(words)


def _quarter_basis(c: _Cells, frequency: str) -> str:
    basis = c.get("quarter_basis")
    options = ", ".join(stored_values(QuarterBasis))
    if basis and basis not in stored_values(QuarterBasis):
        c.problem("quarter_basis", f'The quarter basis "{basis}" is not one of: {options}.')
    elif frequency == Frequency.MONTHLY and not basis:
        c.problem(
            "quarter_basis",
            f"A monthly metric needs a quarter basis ({options}): the one value per quarter "
            "that quartiles and scores use.",
        )
    elif frequency == Frequency.QUARTERLY and basis:
        c.problem("quarter_basis", "A quarterly metric has no quarter basis: leave it blank.")
    return basis


def _weight(c: _Cells) -> Fraction | None:
    """An exact weight: a number (1, 0.5) or a fraction (1/3), more than 0 and below 10000."""
    text = c.get("weight")
    if not text:
        c.problem("weight", "Give the weight (1 unless the framework weighs the metric otherwise).")
        return None
    if not _WEIGHT.fullmatch(text):
        c.problem("weight", f'The weight "{text}" is not a number or a fraction such as 1/3.')
        return None
    if len(text) > _WEIGHT_LENGTH:
        c.problem("weight", f"The weight {text} is too long to keep exactly: write it shorter.")
        return None
    numerator, _, denominator = text.partition("/")
    if denominator and int(denominator) == 0:
        c.problem("weight", f"The weight {text} divides by zero.")
        return None
    weight = Fraction(Decimal(numerator)) / int(denominator or 1)
    if not 0 < weight < _WEIGHT_LIMIT:
        c.problem("weight", f"The weight must be more than 0 and less than 10000, not {text}.")
    elif len(str(weight)) > _WEIGHT_LENGTH:
        c.problem("weight", f"The weight {text} is too long to keep exactly: write it shorter.")
    return weight


def _check_standard_and_floor(c: _Cells, values: Mapping[str, Any]) -> None:
    standard, floor = values["standard"], values["floor"]
    low, high = values["valid_min"], values["valid_max"]
    if low is not None and high is not None and low > high:
        low = high = None  # already reported; a range that does not exist checks nothing
    for column, number in (("standard", standard), ("floor", floor)):
        if number is None:
            continue
        if values["polarity"] == Polarity.NEUTRAL:
            c.problem(column, f"A neutral metric cannot have a {column}: it has no better side.")
        elif (low is not None and number < low) or (high is not None and number > high):
            c.problem(
                column,
                f"The {column} ({_number_text(number)}) is outside the valid range "
                f"{_range_text(low, high)}.",
            )
    if standard is None or floor is None:
        return
    if values["polarity"] == Polarity.HIGHER_BETTER and standard < floor:
        c.problem(
            "floor",
            "The floor is above the standard: for a higher-is-better metric "
            "the floor (the worst acceptable) must not be above the standard.",
        )
    if values["polarity"] == Polarity.LOWER_BETTER and standard > floor:
        c.problem(
            "floor",
            "The floor is below the standard: for a lower-is-better metric "
            "the floor (the worst acceptable) must not be below the standard.",
        )


def read_rows(
    csv_text: str, *, theme_slugs: Sequence[str], edition_name: str
) -> tuple[dict[str, dict[str, Any]], list[CatalogueProblem]]:
    """Check a whole catalogue file: its header, every row, and codes used once each."""
    text = csv_text.removeprefix("\ufeff")
    if not text.strip():
        return {}, [
            CatalogueProblem(
                None, None, "The file is empty: it needs a header row and one row per metric."
            )
        ]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as error:
        return {}, [CatalogueProblem(1, None, f"This line is not valid CSV ({error}).")]
    problems = _header_problems(header)
    if problems:
        return {}, problems
    rows: dict[str, dict[str, Any]] = {}
    first_line_of: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(CatalogueProblem(line, None, f"This line is not valid CSV ({error})."))
            break
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(
                CatalogueProblem(
                    line,
                    None,
                    f"This row has {len(record)} values but the header has {len(header)} columns.",
                )
            )
            continue
        cells = dict(zip(header, record, strict=True))
        values, row_problems = validate_row(
            cells, line=line, theme_slugs=theme_slugs, edition_name=edition_name
        )
        problems += row_problems
        code = cells["code"].strip()
        # Codes differing only in case would be one metric to a person reading a return.
        if code.upper() in first_line_of:
            problems.append(
                CatalogueProblem(
                    line,
                    "code",
                    f"The code {code} is already used on line {first_line_of[code.upper()]}; "
                    "each metric needs its own code.",
                )
            )
        elif code:
            first_line_of[code.upper()] = line
            if values is not None:
                rows[code] = values
    if not first_line_of and not problems:
        problems.append(CatalogueProblem(None, None, "The file has a header but no metrics."))
    return rows, problems


def _header_problems(header: Sequence[str]) -> list[CatalogueProblem]:
    problems = []
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    unknown = [name for name in header if name not in COLUMNS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if missing:
        problems.append(CatalogueProblem(1, None, f"The header lacks: {', '.join(missing)}."))
    if unknown:
        problems.append(
            CatalogueProblem(
                1,
                None,
                f"The header has columns this format does not use: {', '.join(unknown)}. "
                f"The columns are: {', '.join(COLUMNS)}.",
            )
        )
    if repeated:
        problems.append(CatalogueProblem(1, None, f"The header repeats: {', '.join(repeated)}."))
    return problems


def applicability_text(words: Iterable[str]) -> str:
    """Applicability words once each, in the order of APPLICABILITY (unknown words last)."""
    unique = set(words)
    order = {word: n for n, word in enumerate(APPLICABILITY)}
    return " ".join(sorted(unique, key=lambda w: (order.get(w, len(order)), w)))


def applicability_label(applies_to: str) -> str:
    """E.g. "ics ccg acute" → "ICSs, CCGs, acute trusts"."""
    return ", ".join(APPLICABILITY_LABELS.get(w, w) for w in applies_to.split())


def canonical_row(values: Mapping[str, Any]) -> dict[str, str]:
    """The row as export writes it: every column as text in one normal form."""
    row = {column: as_text(values[column]) for column in COLUMNS}
    row["applies_to"] = applicability_text(row["applies_to"].split())
    return row


def as_text(value: object) -> str:
    """A cell's text: blank for None, yes/no, plain numbers without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, int | float):
        return _number_text(float(value))
    if isinstance(value, list | tuple | set | frozenset):
        return " ".join(str(v) for v in value)
    return str(value).strip()


def _number_text(number: float) -> str:
    # repr() is the shortest text that reads back as the same float, so export round-trips.
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{_number_text(low)} to {_number_text(high)}"
    if low is not None:
        return f"of at least {_number_text(low)}"
    return f"of at most {_number_text(high)}" if high is not None else "(any)"
