"""Financial-year quarters, their default windows, labels and window status."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from metrics.catalogue.periods import (
    CLOSE_DAYS,
    DUE_WORKING_DAYS,
    PeriodLabelError,
    WindowState,
    add_working_days,
    parse_label,
    period_from_label,
    periods_create,
    quarter_dates,
    window_status,
)
from metrics.models.catalogue import Period

LONDON = ZoneInfo("Europe/London")


def test_quarters_of_a_financial_year() -> None:
    assert [quarter_dates(2021, q) for q in (1, 2, 3, 4)] == [
        (date(2021, 4, 1), date(2021, 6, 30)),
        (date(2021, 7, 1), date(2021, 9, 30)),
        (date(2021, 10, 1), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2022, 3, 31)),
    ]
    assert quarter_dates(2023, 4) == (date(2024, 1, 1), date(2024, 3, 31))  # leap year


def test_working_days_skip_weekends() -> None:
    friday = date(2021, 12, 31)
    assert add_working_days(friday, 1) == date(2022, 1, 3)
    assert add_working_days(friday, 5) == date(2022, 1, 7)
    assert add_working_days(friday, 20) == date(2022, 1, 28)
    assert add_working_days(friday, 0) == friday


@pytest.mark.django_db
def test_periods_create_makes_four_quarters_with_default_windows() -> None:
    periods = periods_create(year=2021)
    assert [p.label for p in periods] == ["2021-22 Q1", "2021-22 Q2", "2021-22 Q3", "2021-22 Q4"]
    q3 = periods[2]
    assert (q3.start, q3.end) == (date(2021, 10, 1), date(2021, 12, 31))
    assert q3.opens_on == date(2022, 1, 1)
    assert q3.due_on == date(2022, 1, 28)  # 20 working days after 31 December
    assert q3.closes_on == date(2022, 2, 14)  # 45 days after
    assert periods[3].slug == "2021-22-q4"
    for period in periods:
        assert period.opens_on == period.end + timedelta(days=1)
        assert period.due_on == add_working_days(period.end, DUE_WORKING_DAYS)
        assert period.closes_on == period.end + timedelta(days=CLOSE_DAYS)


@pytest.mark.django_db
def test_periods_create_is_idempotent_and_keeps_edited_windows() -> None:
    first = periods_create(year=2021)
    Period.objects.filter(pk=first[0].pk).update(closes_on=date(2021, 9, 30))
    again = periods_create(year=2021)
    assert [p.pk for p in again] == [p.pk for p in first]
    assert Period.objects.count() == 4
    assert again[0].closes_on == date(2021, 9, 30)


@pytest.mark.django_db
def test_periods_create_refuses_absurd_years() -> None:
    with pytest.raises(PeriodLabelError, match="outside the years"):
        periods_create(year=1899)
    assert not Period.objects.exists()


@pytest.mark.parametrize(
    ("label", "parsed"),
    [
        ("2021-22", (2021, None)),
        ("2021-22 Q3", (2021, 3)),
        (" 2021/22 q1 ", (2021, 1)),
        ("2021-2022 Q4", (2021, 4)),
        ("2021-22-q2", (2021, 2)),
        ("2098-99 Q2", (2098, 2)),
    ],
)
def test_parse_label(label: str, parsed: tuple[int, int | None]) -> None:
    assert parse_label(label) == parsed


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2021-23", r'"2021-23" is not a financial year: the year after 2021 is 2021-22\.'),
        (
            "21-22",
            r'"21-22" is not a financial year or quarter: write it like 2021-22 or 2021-22 Q3\.',
        ),
        ("2021-22 Q5", "is not a financial year or quarter"),
        ("", "is not a financial year or quarter"),
        ("1850-51", r"1850-51 is outside the years this service covers\."),
    ],
)
def test_parse_label_errors(label: str, message: str) -> None:
    with pytest.raises(PeriodLabelError, match=message):
        parse_label(label)


@pytest.mark.django_db
def test_period_from_label() -> None:
    periods_create(year=2021)
    assert period_from_label("2021-22 Q3").quarter == 3
    with pytest.raises(
        PeriodLabelError,
        match=r"There is no 2022-23 Q1 period yet: create the periods of 2022-23 first\.",
    ):
        period_from_label("2022-23 Q1")
    with pytest.raises(PeriodLabelError, match=r'"2021-22" is a financial year; name one quarter'):
        period_from_label("2021-22")


def q3() -> Period:
    start, end = quarter_dates(2021, 3)
    return Period(
        year=2021,
        quarter=3,
        start=start,
        end=end,
        opens_on=date(2022, 1, 1),
        due_on=date(2022, 1, 28),
        closes_on=date(2022, 2, 14),
    )


OPENS = "The 2021-22 Q3 return opens on 1 January 2022."
OPEN = "The 2021-22 Q3 return is open: it is due by 28 January 2022 and closes on 14 February 2022."
LATE = (
    "The 2021-22 Q3 return was due on 28 January 2022 and is late; it can still be sent until "
    "14 February 2022."
)
CLOSED = "The 2021-22 Q3 return closed on 14 February 2022."


@pytest.mark.parametrize(
    ("today", "state", "reason"),
    [
        (date(2021, 12, 31), WindowState.NOT_YET_OPEN, OPENS),
        (date(2022, 1, 1), WindowState.OPEN, OPEN),
        (date(2022, 1, 28), WindowState.OPEN, OPEN),
        (date(2022, 1, 29), WindowState.LATE, LATE),
        (date(2022, 2, 14), WindowState.LATE, LATE),
        (date(2022, 2, 15), WindowState.CLOSED, CLOSED),
    ],
)
def test_window_status_at_boundary_days(today: date, state: WindowState, reason: str) -> None:
    status = window_status(q3(), today)
    assert (status.state, status.reason) == (state, reason)
    assert status.accepts_returns == (state in {WindowState.OPEN, WindowState.LATE})


def test_reopened_until_its_expiry() -> None:
    expiry = datetime(2022, 3, 3, 17, 0, tzinfo=LONDON)
    status = window_status(q3(), date(2022, 3, 1), reopened_until=expiry)
    assert status.state == WindowState.REOPENED
    assert status.reason == (
        "The 2021-22 Q3 return closed on 14 February 2022, but it was reopened until "
        "3 March 2022 at 17:00."
    )
    assert status.accepts_returns
    assert status.label == "Reopened"
    # A date counts to the end of the expiry day; a datetime to the minute.
    assert window_status(q3(), date(2022, 3, 3), reopened_until=expiry).state == "reopened"
    assert window_status(q3(), date(2022, 3, 4), reopened_until=expiry).state == "closed"
    before = datetime(2022, 3, 3, 16, 59, tzinfo=LONDON)
    after = datetime(2022, 3, 3, 17, 0, tzinfo=LONDON)
    assert window_status(q3(), before, reopened_until=expiry).state == "reopened"
    assert window_status(q3(), after, reopened_until=expiry).state == "closed"


def test_reopening_does_not_change_an_open_window() -> None:
    expiry = datetime(2022, 3, 3, 17, 0, tzinfo=LONDON)
    assert window_status(q3(), date(2022, 1, 5), reopened_until=expiry).state == "open"
    before_open = window_status(q3(), date(2021, 12, 20), reopened_until=expiry)
    assert before_open.state == "reopened"
    assert before_open.reason.startswith("The 2021-22 Q3 return opens on 1 January 2022, but")


@pytest.mark.django_db
def test_create_periods_command() -> None:
    out = io.StringIO()
    call_command("create_periods", "2021-22", "2022-23", stdout=out)
    assert Period.objects.count() == 8
    assert "2022-23: four quarters ready." in out.getvalue()
    assert "2021-22 Q3: 01 Oct 2021 to 31 Dec 2021; opens 01 Jan 2022" in out.getvalue()
    call_command("create_periods", "2021-22", stdout=io.StringIO())
    assert Period.objects.count() == 8
    with pytest.raises(CommandError, match="is not a financial year"):
        call_command("create_periods", "2021-23")
    with pytest.raises(CommandError, match="is a quarter"):
        call_command("create_periods", "2021-22 Q1")
