"""The values of a batch of bodies' series, read in one statement as arrays (SPC's input)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrics.calculation.sql import binary_array, fetch, fetch_binary, is_postgres, placeholders

# --- SPC series --------------------------------------------------------------------------------

# Every monthly (or quarterly) value of the accepted versions of the edition up to the quarter's
# end, each return contributing its own quarter's points (the caller orders them into series and
# keeps those that reach into the quarter). The query starts from the batch's returns so that
# values are reached by version (their index); filtered on the values' organisation instead,
# PostgreSQL chose a ten times slower nested loop. Dates travel as days since 1970-01-01.
SERIES_VALUES = """
SELECT {columns}
FROM metrics_return r
JOIN metrics_period p ON p.id = r.period_id
JOIN metrics_value v ON v.version_id = r.accepted_version_id
WHERE r.edition_id = %s AND p."end" <= %s
  AND v.period_end >= p.start AND v.period_end <= p."end"
  AND r.organisation_id IN ({organisations})
"""
# PostgreSQL: each column as one array, sent in binary (array_send): four values, however many
# rows. Fetched row by row (or COPY, a message a row), a million values cost seconds of Python.
SERIES_ARRAYS = """
array_send(array_agg(CAST(v.organisation_id AS BIGINT))),
array_send(array_agg(CAST(v.metric_id AS BIGINT))),
array_send(array_agg(v.period_end - DATE '1970-01-01')),
array_send(array_agg(v.value))
"""
SERIES_ROWS = """
v.organisation_id, v.metric_id, CAST(julianday(v.period_end) - 2440587.5 AS INTEGER), v.value
"""


@dataclass(frozen=True)
class SeriesArrays:
    """Values as columns, in no particular order: body, metric, day (since 1970-01-01), value."""

    organisation: np.ndarray
    metric: np.ndarray
    day: np.ndarray
    value: np.ndarray


def series_arrays(
    *, edition_id: int, period_end: str, organisation_ids: Sequence[int]
) -> SeriesArrays:
    """The values of a batch of bodies' series, as arrays (no Python object per value on
    PostgreSQL; SQLite, the embedded default, fetches rows)."""
    if not organisation_ids:
        return _series_arrays([])
    params = [edition_id, period_end, *organisation_ids]
    organisations = placeholders(organisation_ids)
    if not is_postgres():
        sql = SERIES_VALUES.format(columns=SERIES_ROWS, organisations=organisations)
        return _series_arrays(fetch(sql, params))
    sql = SERIES_VALUES.format(columns=SERIES_ARRAYS, organisations=organisations)
    found = fetch_binary(sql, params)
    if found is None or found[0] is None:
        return _series_arrays([])
    organisation, metric, day, value = found
    return SeriesArrays(
        binary_array(organisation, ">i8").astype(np.int64),
        binary_array(metric, ">i8").astype(np.int64),
        binary_array(day, ">i4").astype(np.int32),
        binary_array(value, ">f8").astype(np.float64),
    )


def _series_arrays(rows: list[tuple[Any, ...]]) -> SeriesArrays:
    columns = list(zip(*rows, strict=True)) or [(), (), (), ()]
    return SeriesArrays(
        np.array(columns[0], dtype=np.int64),
        np.array(columns[1], dtype=np.int64),
        np.array(columns[2], dtype=np.int32),
        np.array(columns[3], dtype=np.float64),
    )
