"""The values of a batch of bodies' series, read in one statement as arrays (SPC's input).

They come from the values held per series (``metrics.returns.series``): one row of arrays per
body and metric, already in period order, so nothing is regrouped or sorted here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from metrics.calculation.sql import binary_array, fetch, fetch_binary, is_postgres, placeholders

# PostgreSQL: the series' bodies, metrics and lengths as arrays, and their period ends and
# values as the series' own arrays in binary (array_send) one after another: five values
# whatever the number of points, no Python object per point.
SERIES_ARRAYS = """
SELECT array_send(array_agg(CAST(s.organisation_id AS BIGINT) ORDER BY s.id)),
       array_send(array_agg(CAST(s.metric_id AS BIGINT) ORDER BY s.id)),
       array_send(array_agg(cardinality(s."values") ORDER BY s.id)),
       string_agg(array_send(s.period_ends), ''::bytea ORDER BY s.id),
       string_agg(array_send(s."values"), ''::bytea ORDER BY s.id)
FROM metrics_acceptedseries s
WHERE s.edition_id = %s AND s.organisation_id = ANY(%s)
"""
SERIES_ROWS = """
SELECT s.organisation_id, s.metric_id, s.period_ends, s."values"
FROM metrics_acceptedseries s
WHERE s.edition_id = %s AND s.organisation_id IN ({organisations})
ORDER BY s.id
"""
# PostgreSQL dates count days from 2000-01-01; the series, from 1970-01-01.
POSTGRES_EPOCH_DAYS = 10_957


@dataclass(frozen=True)
class SeriesArrays:
    """Series one after another: each one's body, metric and number of points, and every
    point's day (since 1970-01-01) and value, each series' points in period order."""

    organisation: np.ndarray
    metric: np.ndarray
    length: np.ndarray
    day: np.ndarray
    value: np.ndarray

    def up_to(self, last_day: int) -> SeriesArrays:
        """The points up to ``last_day`` (a run's quarter end) of each series; series left
        without a point are dropped."""
        keep = self.day <= last_day
        if keep.all():
            return self
        series = np.repeat(np.arange(len(self.length)), self.length)
        length = np.bincount(series[keep], minlength=len(self.length))
        some = length > 0
        return SeriesArrays(
            self.organisation[some],
            self.metric[some],
            length[some],
            self.day[keep],
            self.value[keep],
        )


def series_arrays(
    *, edition_id: int, period_end: str, organisation_ids: Sequence[int]
) -> SeriesArrays:
    """The series of a batch of bodies up to the quarter's end, as arrays."""
    last_day = (np.datetime64(period_end, "D") - np.datetime64("1970-01-01", "D")).astype(int)
    return _held_series(edition_id, organisation_ids).up_to(int(last_day))


def _held_series(edition_id: int, organisation_ids: Sequence[int]) -> SeriesArrays:
    if not organisation_ids:
        return _no_series()
    if not is_postgres():
        sql = SERIES_ROWS.format(organisations=placeholders(organisation_ids))
        return _series_of_rows(fetch(sql, [edition_id, *organisation_ids]))
    found = fetch_binary(SERIES_ARRAYS, [edition_id, list(organisation_ids)])
    if found is None or found[0] is None:
        return _no_series()
    organisation, metric, length, days, values = found
    length = binary_array(length, ">i4").astype(np.int64)
    return SeriesArrays(
        binary_array(organisation, ">i8").astype(np.int64),
        binary_array(metric, ">i8").astype(np.int64),
        length,
        binary_arrays_joined(days, length, ">i4").astype(np.int32) + POSTGRES_EPOCH_DAYS,
        binary_arrays_joined(values, length, ">f8").astype(np.float64),
    )


def binary_arrays_joined(data: bytes, lengths: np.ndarray, element: str) -> np.ndarray:
    """The elements of one-dimensional arrays without NULLs in PostgreSQL's binary format
    (``sql.binary_array``), sent one after another, of ``lengths`` elements each: one array.

    Each array is a 20-byte header (dimensions, NULL flag, element type, size, lower bound)
    then per element its length (4 bytes) and value."""
    size = np.dtype(element).itemsize
    stride = 4 + size
    ends = np.cumsum(20 + stride * lengths)
    starts = ends - (20 + stride * lengths)
    first = np.cumsum(lengths) - lengths
    within = np.arange(int(lengths.sum())) - np.repeat(first, lengths)
    at = np.repeat(starts + 24, lengths) + within * stride
    raw = np.frombuffer(data, np.uint8)
    return raw[at[:, None] + np.arange(size)].copy().view(element).ravel()


def _series_of_rows(rows: list[tuple[int, int, str, str]]) -> SeriesArrays:
    """SQLite: the held series as JSON text (``metrics.models.arrays``)."""
    if not rows:
        return _no_series()
    ends = [json.loads(row[2]) for row in rows]
    epoch = date(1970, 1, 1).toordinal()
    return SeriesArrays(
        np.array([row[0] for row in rows], dtype=np.int64),
        np.array([row[1] for row in rows], dtype=np.int64),
        np.array([len(e) for e in ends], dtype=np.int64),
        np.array(
            [date.fromisoformat(end).toordinal() - epoch for e in ends for end in e],
            dtype=np.int32,
        ),
        np.array([v for row in rows for v in json.loads(row[3])], dtype=np.float64),
    )


def _no_series() -> SeriesArrays:
    empty = np.zeros(0, np.int64)
    return SeriesArrays(empty, empty, empty, np.zeros(0, np.int32), np.zeros(0, np.float64))
