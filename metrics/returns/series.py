"""The values held per series: the one place ``AcceptedSeries`` rows are written.

A body's accepted values of a metric, across every quarter of an edition, as one row of
arrays (period ends, values, version ids) in period order: the form a calculation run reads
(``metrics.calculation.series_sql``). Each quarter's accepted version contributes its own
quarter's points, as the run always read them. Refreshed from the versions in the caller's
transaction — the acceptance (``metrics.returns.review``), the demo, the benchmark loader — so
what a run reads is always what was accepted; ``manage.py check_series`` compares them with the
versions (``series_differences``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from django.db import connection

from metrics.models.returns import AcceptedSeries
from oversight.bulk import is_postgres

# The accepted points of the edition's returns, each return its own quarter's (a value outside
# its quarter's window is never read by a run).
ACCEPTED_POINTS = """
FROM metrics_return r
JOIN metrics_period p ON p.id = r.period_id
JOIN metrics_value v ON v.version_id = r.accepted_version_id
WHERE r.edition_id = %s AND v.period_end >= p.start AND v.period_end <= p."end"
"""

REFRESH = f"""
INSERT INTO metrics_acceptedseries
    (edition_id, organisation_id, metric_id, period_ends, "values", version_ids)
SELECT r.edition_id, r.organisation_id, v.metric_id,
    array_agg(v.period_end ORDER BY v.period_end),
    array_agg(v.value ORDER BY v.period_end),
    array_agg(CAST(v.version_id AS BIGINT) ORDER BY v.period_end)
{ACCEPTED_POINTS} {{bodies}}
GROUP BY r.edition_id, r.organisation_id, v.metric_id
"""


@dataclass(frozen=True)
class SeriesPoints:
    """One series as the versions give it: (period end, value, version id) in period order."""

    organisation_id: int
    metric_id: int
    points: list[tuple[date, float, int]]


def accepted_series_refresh(
    *, edition_id: int, organisation_ids: Collection[int] | None = None
) -> int:
    """Rebuild the series of these bodies (None: every body) from their accepted versions, in
    the caller's transaction; returns how many series they now have.

    One statement on PostgreSQL (arrays aggregated in the database, whatever the scale); on
    SQLite the points are grouped here. A body's series are rebuilt whole: a few thousand
    points, a few milliseconds, and never a partial update to get wrong."""
    bodies = None if organisation_ids is None else sorted(set(organisation_ids))
    stale = AcceptedSeries.objects.filter(edition_id=edition_id)
    if bodies is not None:
        stale = stale.filter(organisation_id__in=bodies)
    stale.delete()  # nothing refers to a series: one DELETE
    if is_postgres():
        where = "" if bodies is None else "AND r.organisation_id = ANY(%s)"
        params: list[Any] = [edition_id] + ([] if bodies is None else [bodies])
        with connection.cursor() as cursor:
            cursor.execute(REFRESH.format(bodies=where), params)
            return cursor.rowcount
    made = AcceptedSeries.objects.bulk_create(
        (
            AcceptedSeries(
                edition_id=edition_id,
                organisation_id=series.organisation_id,
                metric_id=series.metric_id,
                period_ends=[end for end, _, _ in series.points],
                values=[value for _, value, _ in series.points],
                version_ids=[version for _, _, version in series.points],
            )
            for series in series_from_versions(edition_id=edition_id, organisation_ids=bodies)
        ),
        batch_size=500,
    )
    return len(made)


def series_from_versions(
    *, edition_id: int, organisation_ids: Collection[int] | None = None
) -> Iterator[SeriesPoints]:
    """Every series of the edition (or of these bodies) as the accepted versions give it, in
    (body, metric) order: what the held series must equal."""
    sql = (
        "SELECT r.organisation_id, v.metric_id, v.period_end, v.value, v.version_id "
        + ACCEPTED_POINTS
    )
    params: list[Any] = [edition_id]
    if organisation_ids is not None:
        ids = sorted(organisation_ids)
        if not ids:
            return
        sql += f" AND r.organisation_id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    sql += " ORDER BY r.organisation_id, v.metric_id, v.period_end"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for (organisation, metric), points in groupby(rows, key=lambda row: (row[0], row[1])):
        yield SeriesPoints(
            organisation,
            metric,
            [(_day(end), value, version) for _, _, end, value, version in points],
        )


def _day(end: date | str) -> date:
    """SQLite hands dates back as text in raw queries."""
    return end if isinstance(end, date) else date.fromisoformat(end)


@dataclass(frozen=True)
class SeriesDifference:
    """Where a held series and the accepted versions disagree, by codes, in words."""

    edition: str
    organisation: str
    metric: str
    period_end: date | None  # None: the whole series
    problem: str

    def __str__(self) -> str:
        when = f" {self.period_end:%Y-%m-%d}" if self.period_end else ""
        return f"{self.edition} {self.organisation} {self.metric}{when}: {self.problem}"


def _point(found: tuple[float, int] | None) -> str:
    return "nothing" if found is None else f"{found[0]:g} (version {found[1]})"


def series_differences(*, edition_id: int) -> list[SeriesDifference]:
    """Every difference between the edition's held series and its accepted versions."""
    from metrics.models.catalogue import FrameworkEdition, Metric
    from oversight.models import Organisation

    expected = {
        (s.organisation_id, s.metric_id): s.points
        for s in series_from_versions(edition_id=edition_id)
    }
    held = {
        (s.organisation_id, s.metric_id): list(
            zip(s.period_ends, s.values, s.version_ids, strict=True)
        )
        for s in AcceptedSeries.objects.filter(edition_id=edition_id)
    }
    edition = FrameworkEdition.objects.get(pk=edition_id).code
    bodies = dict(Organisation.objects.values_list("pk", "ods_code"))
    metrics = dict(Metric.objects.filter(edition_id=edition_id).values_list("pk", "code"))
    found: list[SeriesDifference] = []
    for key in sorted(expected.keys() | held.keys()):
        name = (edition, bodies.get(key[0], str(key[0])), metrics.get(key[1], str(key[1])))
        want, have = expected.get(key, []), held.get(key, [])
        if [end for end, _, _ in have] != sorted({end for end, _, _ in have}):
            found.append(SeriesDifference(*name, None, "period ends out of order or repeated"))
        want_at = {end: (value, version) for end, value, version in want}
        have_at = {end: (value, version) for end, value, version in have}
        for end in sorted(want_at.keys() | have_at.keys()):
            if want_at.get(end) != have_at.get(end):
                problem = f"held {_point(have_at.get(end))}, accepted {_point(want_at.get(end))}"
                found.append(SeriesDifference(*name, end, problem))
    return found
