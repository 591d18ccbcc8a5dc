"""Factories for returns tests: a quarter open today, and return files that pass validation.

Services read today's real date (`timezone.localdate()`), so instead of freezing time a test
gives its quarter a window around today: `quarter(opens=-10, due=+10, closes=+30)` is a
2021-22 Q3 (so the SOF 2021/22 edition) whose window is open now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.utils import timezone

from metrics.catalogue.periods import quarter_dates
from metrics.engine.kinds import ValueType
from metrics.models.catalogue import FrameworkEdition, Metric, Period
from oversight.models import Organisation

HEADER = "organisation_code,metric_code,period_end,value,numerator,denominator,comment"


def quarter(
    *, year: int = 2021, number: int = 3, opens: int = -10, due: int = 10, closes: int = 30
) -> Period:
    """A quarter whose window opens, falls due and closes these many days from today."""
    today = timezone.localdate()
    start, end = quarter_dates(year, number)
    period, _ = Period.objects.update_or_create(
        year=year,
        quarter=number,
        defaults={
            "start": start,
            "end": end,
            "opens_on": today + timedelta(days=opens),
            "due_on": today + timedelta(days=due),
            "closes_on": today + timedelta(days=closes),
        },
    )
    return period


def window(period: Period, *, opens: int, due: int, closes: int) -> Period:
    """Move a quarter's window relative to today (e.g. closed: opens=-60, due=-40, closes=-1)."""
    today = timezone.localdate()
    period.opens_on = today + timedelta(days=opens)
    period.due_on = today + timedelta(days=due)
    period.closes_on = today + timedelta(days=closes)
    period.save(update_fields=["opens_on", "due_on", "closes_on"])
    return period


def good_value(metric: Metric, shift: float = 0.0) -> float:
    """A value inside the metric's valid range (whole for counts and ratings)."""
    if metric.value_type == ValueType.RATING:
        return 2.0
    low = metric.valid_min if metric.valid_min is not None else 0.0
    high = metric.valid_max if metric.valid_max is not None else low + 100.0
    value = low + (high - low) / 2 + shift
    return float(round(value)) if metric.value_type == ValueType.COUNT else round(value, 2)


def full_rows(
    organisation: Organisation, period: Period, edition: FrameworkEdition, shift: float = 0.0
) -> list[tuple[str, date, float]]:
    """A value for every metric and period end the body must return: no missing warnings."""
    rows = []
    metrics = Metric.objects.filter(edition=edition).order_by("code")
    for metric in metrics:
        if not metric.applies_to_body(organisation):
            continue
        ends = period.month_ends() if metric.frequency == "monthly" else [period.end]
        rows += [(metric.code, end, good_value(metric, shift)) for end in ends]
    return rows


def csv_file(
    ods_code: str,
    rows: Sequence[tuple[str, date, float]],
    extra_lines: Iterable[str] = (),
) -> bytes:
    """A return CSV of these values, with any raw lines appended (to plant problems)."""
    lines = [HEADER]
    lines += [f"{ods_code},{code},{end.isoformat()},{value:g},,," for code, end, value in rows]
    lines += list(extra_lines)
    return ("\n".join(lines) + "\n").encode()
