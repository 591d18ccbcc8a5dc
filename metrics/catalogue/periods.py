"""Quarters of the financial year and their submission windows.

A financial year runs 1 April to 31 March and is labelled by its two calendar years, e.g.
"2021-22"; its quarters are Q1 April–June, Q2 July–September, Q3 October–December and
Q4 January–March (of the following calendar year), labelled "2021-22 Q3".

Default window of a quarter (the national team may change a period's dates afterwards):
- opens the day after the quarter ends — the data cannot exist earlier;
- due DUE_WORKING_DAYS working days after the quarter ends (Monday to Friday; bank holidays
  are not skipped, since they are not data the service holds — the rule errs on the early
  side by a day or two);
- closes CLOSE_DAYS calendar days after the quarter ends; after that day the return is locked
  unless a region reopens it for one body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from metrics.catalogue.access import require_catalogue_editor
from metrics.models.catalogue import Period

DUE_WORKING_DAYS = 20
CLOSE_DAYS = 45
FIRST_YEAR, LAST_YEAR = 2000, 2098  # a sanity bound on typed-in years, not a business rule
QUARTER_FIRST_MONTH = {1: 4, 2: 7, 3: 10, 4: 1}

_LABEL = re.compile(r"\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})(?:[\s-]*[Qq]([1-4]))?\s*")


class PeriodLabelError(ValueError):
    """A label that is not a financial year or quarter, or a quarter not created yet."""


def quarter_dates(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a quarter of the financial year starting in April `year`."""
    month = QUARTER_FIRST_MONTH[quarter]
    start = date(year + (quarter == 4), month, 1)
    following = date(start.year + (month + 3 > 12), (month + 2) % 12 + 1, 1)
    return start, following - timedelta(days=1)


def add_working_days(day: date, count: int) -> date:
    """The date `count` working days (Monday–Friday) after `day`."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def default_window(quarter_end: date) -> tuple[date, date, date]:
    """(opens_on, due_on, closes_on) for a quarter ending on `quarter_end`."""
    return (
        quarter_end + timedelta(days=1),
        add_working_days(quarter_end, DUE_WORKING_DAYS),
        quarter_end + timedelta(days=CLOSE_DAYS),
    )


def year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def parse_label(label: str) -> tuple[int, int | None]:
    """ "2021-22" → (2021, None); "2021-22 Q3" → (2021, 3). Also takes 2021/22, 2021-2022."""
    match = _LABEL.fullmatch(label)
    if match is None:
        raise PeriodLabelError(
            f'"{label.strip()}" is not a financial year or quarter: write it like 2021-22 '
            "or 2021-22 Q3."
        )
    year, second, quarter = int(match[1]), int(match[2]), match[3]
    expected = year + 1 if len(match[2]) == 4 else (year + 1) % 100
    if second != expected:
        raise PeriodLabelError(
            f'"{label.strip()}" is not a financial year: the year after {year} is '
            f"{year_label(year)}."
        )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodLabelError(f"{year_label(year)} is outside the years this service covers.")
    return year, int(quarter) if quarter else None


def period_from_label(label: str) -> Period:
    """The Period a label like "2021-22 Q3" names; PeriodLabelError if bad or not created."""
    year, quarter = parse_label(label)
    if quarter is None:
        raise PeriodLabelError(
            f'"{label.strip()}" is a financial year; name one quarter, e.g. {year_label(year)} Q1.'
        )
    period = Period.objects.filter(year=year, quarter=quarter).first()
    if period is None:
        raise PeriodLabelError(
            f"There is no {year_label(year)} Q{quarter} period yet: create the periods of "
            f"{year_label(year)} first."
        )
    return period


@transaction.atomic
def periods_create(*, year: int, actor: User | None = None) -> list[Period]:
    """The four quarters of the financial year starting in April `year`, created if absent,
    with an audit record naming those created (``actor`` None: a command or the demo).

    Idempotent: quarters that already exist are returned as they are (their windows may have
    been changed on purpose and are not reset).
    """
    require_catalogue_editor(actor)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodLabelError(f"{year_label(year)} is outside the years this service covers.")
    periods: list[Period] = []
    made: list[str] = []
    for quarter in (1, 2, 3, 4):
        start, end = quarter_dates(year, quarter)
        opens_on, due_on, closes_on = default_window(end)
        period, created = Period.objects.get_or_create(
            year=year,
            quarter=quarter,
            defaults={
                "start": start,
                "end": end,
                "opens_on": opens_on,
                "due_on": due_on,
                "closes_on": closes_on,
            },
        )
        periods.append(period)
        if created:
            made.append(period.label)
    if made:
        audit_record(AuditEvent.Action.PERIODS_CREATED, actor=actor, quarters=made)
    return periods


class WindowState(StrEnum):
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    LATE = "late"
    CLOSED = "closed"
    REOPENED = "reopened"


WINDOW_STATE_LABELS = {
    WindowState.NOT_YET_OPEN: "Not yet open",
    WindowState.OPEN: "Open",
    WindowState.LATE: "Late",
    WindowState.CLOSED: "Closed",
    WindowState.REOPENED: "Reopened",
}


@dataclass(frozen=True)
class WindowStatus:
    state: WindowState
    reason: str

    @property
    def accepts_returns(self) -> bool:
        """May a return for this quarter be uploaded and submitted now?"""
        return self.state in {WindowState.OPEN, WindowState.LATE, WindowState.REOPENED}

    @property
    def label(self) -> str:
        return WINDOW_STATE_LABELS[self.state]


def window_status(
    period: Period, today: date | datetime, *, reopened_until: datetime | None = None
) -> WindowStatus:
    """Where `today` falls in the period's window, with the reason in plain English.

    Days are whole: a return may be sent on opens_on, is on time up to and including due_on,
    late after it and locked after closes_on. `reopened_until` is one body's reopening (a
    region's, with its expiry): while it runs, a locked return is open for that body. Pass a
    datetime as `today` to compare with the expiry to the minute; with a date, a reopening
    counts until the end of its expiry day.
    """
    day = timezone.localtime(today).date() if isinstance(today, datetime) else today
    name = f"The {period.label} return"
    if day < period.opens_on:
        locked = WindowStatus(WindowState.NOT_YET_OPEN, f"{name} opens on {_day(period.opens_on)}.")
    elif day > period.closes_on:
        locked = WindowStatus(WindowState.CLOSED, f"{name} closed on {_day(period.closes_on)}.")
    elif day > period.due_on:
        return WindowStatus(
            WindowState.LATE,
            f"{name} was due on {_day(period.due_on)} and is late; it can still be sent "
            f"until {_day(period.closes_on)}.",
        )
    else:
        return WindowStatus(
            WindowState.OPEN,
            f"{name} is open: it is due by {_day(period.due_on)} and closes on "
            f"{_day(period.closes_on)}.",
        )
    if reopened_until is not None and _still_running(reopened_until, today):
        until = timezone.localtime(reopened_until)
        return WindowStatus(
            WindowState.REOPENED,
            f"{locked.reason[:-1]}, but it was reopened until {_day(until.date())} at "
            f"{until:%H:%M}.",
        )
    return locked


def _still_running(expires_at: datetime, today: date | datetime) -> bool:
    if isinstance(today, datetime):
        return today < expires_at
    return today <= timezone.localtime(expires_at).date()


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def period_q(text: str, prefix: str = "period__") -> Q:
    """A filter on a period named by label ("2021-22 Q3") or slug ("2021-22-q3").

    A text that names no quarter matches nothing (an empty list, as for any unknown filter).
    """
    try:
        year, quarter = parse_label(text)
    except PeriodLabelError:
        return Q(pk__in=[])
    if quarter is None:
        return Q(**{f"{prefix}year": year})
    return Q(**{f"{prefix}year": year, f"{prefix}quarter": quarter})
