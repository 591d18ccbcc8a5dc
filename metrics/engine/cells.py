"""Reading one cell of a return: numbers, dates, NHS numbers. (The history outlier rule is
``metrics.engine.outliers``.)

Plain text in, plain values out (or ``CellError`` with a code and a plain-English detail), so
``metrics.validation_rules`` can say what is wrong without knowing how the file was read.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

# A plain decimal number, or one with commas between thousands ("1,234.5").
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d{1,2}")
LETTER = re.compile(r"[^\W\d_]")
EXCEL_ERRORS = frozenset(
    ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
)
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: 00:00(?::00)?)?")
# Ten digits, optionally spaced 3-3-4, not part of a longer number or a decimal ("9434765919.0",
# as a spreadsheet may write a number, still counts).
NHS_NUMBER = re.compile(r"(?<![\d.,])(\d{3}) ?(\d{3}) ?(\d{4})(?:\.0+)?(?!\d|[.,]\d)")


class CellError(Exception):
    """A cell that cannot be read: a stable ``code`` and a ``detail`` for the analyst."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def quoted(text: str, limit: int = 40) -> str:
    """A cell's text for a message, cut short when long."""
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


def format_number(value: float) -> str:
    """92.5, 1,234, 0.000125: how a message shows a number."""
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.10g}"


def format_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def parse_number(text: str, *, percent_allowed: bool, example: str) -> float:
    """A number from a cell: "1,234.5", "-3", "85%" (percentage metrics only: 85), "1e3"."""
    cleaned = text.replace("\u2212", "-")  # a typographic minus sign is still a minus
    percent = cleaned.endswith("%")
    if percent:
        cleaned = cleaned[:-1].rstrip()
    if GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    if not NUMBER.fullmatch(cleaned):
        raise _not_a_number(text, example)
    if percent and not percent_allowed:
        raise CellError(
            "not_a_number",
            f"{quoted(text)} has a % sign, but this metric is not a percentage. Enter the "
            f"number alone, such as {example}.",
        )
    number = float(cleaned)
    if not math.isfinite(number):
        raise CellError("not_a_number", f"{quoted(text)} is too large to be a real figure.")
    return number


def _not_a_number(text: str, example: str) -> CellError:
    if text.upper() in EXCEL_ERRORS:
        return CellError(
            "not_a_number",
            f"{quoted(text)} is an Excel error, not a number. Correct the formula or type the "
            "figure; leave the cell blank if you have no value.",
        )
    if LETTER.search(text):
        return CellError(
            "free_text_in_number",
            f"{quoted(text)} is not a number. Leave the cell blank if you have no value, or "
            f"enter a number such as {example}; put any explanation in the comment column.",
        )
    if DECIMAL_COMMA.fullmatch(text):
        return CellError(
            "not_a_number",
            f"{quoted(text)} is not a number Oversight can read: use a full stop for decimals "
            "(92.5) and commas only between thousands (1,234.5).",
        )
    return CellError(
        "not_a_number",
        f"{quoted(text)} is not a number. Leave the cell blank if you have no value, or enter "
        f"a number such as {example}.",
    )


def parse_date(text: str) -> date:
    """A day from "2021-12-31", "31/12/2021" (day first, as in the UK) or an Excel date cell."""
    iso = ISO_DATE.fullmatch(text)
    uk = UK_DATE.fullmatch(text)
    how = "Enter the period end as 2021-12-31 or 31/12/2021 (day first)."
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif uk:
        day, month, year = (int(part) for part in uk.groups())
    else:
        raise CellError("invalid_date", f"{quoted(text)} is not a date. {how}")
    try:
        return date(year, month, day)
    except ValueError as error:
        raise CellError("invalid_date", f"{quoted(text)} is not a real day. {how}") from error


def month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def month_ends(start: date, end: date) -> list[date]:
    """The last day of each month that ends between ``start`` and ``end``, in order."""
    ends = []
    current = month_end(start)
    while current <= end:
        ends.append(current)
        current = month_end(current + timedelta(days=1))
    return ends


def expected_period_ends(frequency: str, start: date, end: date) -> list[date]:
    """Each month end of the quarter for monthly metrics; the quarter's end otherwise."""
    return month_ends(start, end) if frequency == "monthly" else [end]


def is_nhs_number(digits: str) -> bool:
    """The NHS number modulus-11 check on ten digits (NHS Data Dictionary, "NHS Number").

    Weights 10..2 on the first nine digits; check digit = 11 − (sum mod 11), 11 meaning 0 and
    10 meaning the number is invalid. A run of one digit (0000000000, 1111111111, which pass the
    arithmetic) is never issued and is a common placeholder, so it is not flagged.
    """
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()) or len(set(digits)) == 1:
        return False
    weights = range(10, 1, -1)
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], weights, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def holds_nhs_number(text: str) -> bool:
    """Whether a cell holds something that passes as an NHS number.

    Deliberately precise: ten digits (optionally spaced 3-3-4) passing the modulus-11 check,
    anywhere in the text, or a number cell that is such a ten-digit integer however it is
    written ("9,434,765,919", "9.434765919E+09"). Dates of birth, postcodes and names are not
    looked for: they cannot be told from ordinary dates and words without false alarms on
    valid returns, and a false alarm here blocks a whole return.
    """
    # The common case, decided cheaply: most cells are too short to hold ten digits.
    if len(text) < 10 or sum(map(str.isdigit, text)) < 10:
        return False
    if any(is_nhs_number("".join(found.groups())) for found in NHS_NUMBER.finditer(text)):
        return True
    try:
        number = parse_number(text, percent_allowed=False, example="")
    except CellError:
        return False
    return number.is_integer() and is_nhs_number(f"{int(number):d}")
