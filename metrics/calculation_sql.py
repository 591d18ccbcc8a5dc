"""The set-based statements of a calculation run, and the PostgreSQL devices it leans on.

DESIGN.md "Scale": the national part of a run is SQL over the whole quarter — window functions
for ranks, ``percentile_cont`` for quartile thresholds, ``INSERT … SELECT`` and ``COPY`` for
writing — never a Python loop over national rows. The embedded default runs the same statements
on SQLite; each PostgreSQL-only device (``percentile_cont``, advisory locks, ``COPY``) sits
behind one small function here with a portable fallback.

Table names are written out: Django's defaults for these models, stable since their migration.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
import psycopg
from django.db import connection
from psycopg.types.json import Jsonb

from metrics.models import QuartileThreshold
from metrics.quartiles import quartile_thresholds

# Namespace of this module's advisory locks, so they cannot collide with another feature's.
LOCK_NAMESPACE = 0x0CA1C << 40


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _placeholders(values: Collection[object]) -> str:
    return ", ".join(["%s"] * len(values))


def _execute(sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _fetch(sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- devices: advisory locks, percentile_cont, COPY, bulk score update ----------------------


def quarter_lock_key(period_id: int, edition_id: int) -> int:
    """One bigint per (quarter, edition): what serialises the runs of a quarter."""
    return LOCK_NAMESPACE | (edition_id << 24) | period_id


def lock_try(key: int) -> bool:
    """Take the session advisory lock ``key`` if free (PostgreSQL); SQLite: always True.

    A session lock outlives the run's several transactions and dies with its connection, so a
    worker killed mid-run frees its quarter at once.
    """
    if not is_postgres():
        return True  # the embedded default runs tasks eagerly, one at a time
    return bool(_fetch("SELECT pg_try_advisory_lock(%s)", [key])[0][0])


def lock_release(key: int) -> None:
    if is_postgres():
        _execute("SELECT pg_advisory_unlock(%s)", [key])


def lock_try_transaction(key: int) -> bool:
    """Take ``key`` until the current transaction ends, if nobody holds it (the sweeper's check).

    Session and transaction advisory locks on one key exclude each other, so while the sweeper
    holds it no worker can claim the quarter's runs. SQLite: always True.
    """
    if not is_postgres():
        return True
    return bool(_fetch("SELECT pg_try_advisory_xact_lock(%s)", [key])[0][0])


def copy_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    types: Sequence[str] | None = None,
) -> int:
    """Bulk insert: PostgreSQL ``COPY … FROM STDIN``; SQLite: one executemany INSERT.

    With ``types`` (the columns' PostgreSQL types), COPY goes in binary: no number is turned
    into text and back, no byte string into hex."""
    count = 0
    with connection.cursor() as cursor:
        if is_postgres():
            binary = " (FORMAT BINARY)" if types else ""
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{binary}") as copy:
                if types:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        batch = [[_portable(value) for value in row] for row in rows]
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders(columns)})",  # noqa: S608 - our identifiers, bound values
            batch,
        )
        return len(batch)


def _portable(value: Any) -> Any:
    """A value for SQLite: psycopg's jsonb wrapper as JSON text."""
    return json.dumps(value.obj) if isinstance(value, Jsonb) else value


# --- inputs and what changed -----------------------------------------------------------------


def accepted_versions(*, edition_id: int, period_end: str) -> np.ndarray:
    """Every accepted version of the edition up to the quarter, in id order: a run's inputs."""
    return _ids(
        """
        SELECT r.accepted_version_id
        FROM metrics_return r JOIN metrics_period p ON p.id = r.period_id
        WHERE r.edition_id = %s AND r.accepted_version_id IS NOT NULL AND p."end" <= %s
        """,
        [edition_id, period_end],
    )


def input_versions(run_id: int) -> np.ndarray:
    """The versions a run recorded as its inputs, in id order."""
    return _ids("SELECT return_version_id FROM metrics_runinput WHERE run_id = %s", [run_id])


def _ids(select: str, params: Sequence[Any]) -> np.ndarray:
    """The ids a one-column query selects, sorted, as one array (~275k at stress scale: on
    PostgreSQL one binary array, not a Python tuple per row)."""
    if not is_postgres():
        return np.array(sorted(row[0] for row in _fetch(select, params)), dtype=np.int64)
    found = _fetch_binary(
        f"SELECT array_send(array_agg(CAST(id AS BIGINT) ORDER BY id)) FROM ({select}) ids(id)",  # noqa: S608 - our own statements
        params,
    )
    if found is None or found[0] is None:
        return np.zeros(0, np.int64)
    return _binary_array(found[0], ">i8").astype(np.int64)


def _fetch_binary(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of a query, in PostgreSQL's binary format: a driver cursor binding on the
    server (Django's cursors bind on the client, which allows text results only), so arrays
    come as bytes, not as hex text."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        return cursor.execute(sql, params, binary=True).fetchone()


# PostgreSQL's binary COPY format: a signature, then per row the field count and each field as
# (big-endian int32 length, big-endian value; NULL: length -1), then a -1 trailer.
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
COPY_TRAILER = b"\xff\xff"
INPUT_ROW = np.dtype(
    [("fields", ">i2"), ("run_len", ">i4"), ("run", ">i8"), ("version_len", ">i4"),
     ("version", ">i8")]
)  # fmt: skip


def inputs_write(run_id: int, version_ids: np.ndarray) -> int:
    """Record the run's inputs (~275k rows at stress scale: on PostgreSQL one binary COPY
    built by numpy, no Python object per row)."""
    if not is_postgres():
        pairs = ((run_id, version) for version in version_ids.tolist())
        return copy_rows("metrics_runinput", ("run_id", "return_version_id"), pairs)
    rows = np.empty(len(version_ids), INPUT_ROW)
    rows["fields"], rows["run_len"], rows["version_len"] = 2, 8, 8
    rows["run"], rows["version"] = run_id, version_ids
    sql = "COPY metrics_runinput (run_id, return_version_id) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(COPY_SIGNATURE + rows.tobytes() + COPY_TRAILER)
    return len(rows)


def versions_described(version_ids: Collection[int]) -> list[tuple[int, int, int]]:
    """(version, organisation, period) of each version."""
    ids = sorted(version_ids)
    found: list[tuple[int, int, int]] = []
    for start in range(0, len(ids), 10_000):  # SQLite binds at most 32,766 values
        chunk = ids[start : start + 10_000]
        found += _fetch(
            "SELECT rv.id, r.organisation_id, r.period_id FROM metrics_returnversion rv "  # noqa: S608 - placeholders only
            "JOIN metrics_return r ON r.id = rv.return_record_id "
            f"WHERE rv.id IN ({_placeholders(chunk)})",
            chunk,
        )
    return found


def metrics_of_versions(version_ids: Collection[int]) -> set[int]:
    if not version_ids:
        return set()
    sql = "SELECT DISTINCT metric_id FROM metrics_value WHERE version_id IN ({})"
    rows = _fetch(sql.format(_placeholders(version_ids)), list(version_ids))
    return {row[0] for row in rows}


def peer_groups_of(organisation_ids: Collection[int], *, previous_id: int) -> set[str]:
    """The bodies' peer groups now, and in run ``previous_id``'s results (a body may move)."""
    if not organisation_ids:
        return set()
    bodies = _placeholders(organisation_ids)
    rows = _fetch(
        f"SELECT peer_group FROM oversight_organisation WHERE id IN ({bodies}) "  # noqa: S608 - placeholders only
        f"UNION SELECT peer_group FROM metrics_metricresult "
        f"WHERE run_id = %s AND organisation_id IN ({bodies})",
        [*organisation_ids, previous_id, *organisation_ids],
    )
    return {row[0] for row in rows}


# --- national results --------------------------------------------------------------------------

# The quarter value of each (body, metric) from accepted versions only, by the metric's basis
# (DESIGN.md "Framework editions and the metric catalogue"): latest month, mean or sum of the
# months; a quarterly metric has one value, its "latest".
QUARTER_VALUES = """
src AS (
    SELECT v.organisation_id, v.metric_id, v.version_id, v.value,
           ROW_NUMBER() OVER (PARTITION BY v.organisation_id, v.metric_id
                              ORDER BY v.period_end DESC) AS recency
    FROM metrics_value v
    JOIN metrics_return r ON r.accepted_version_id = v.version_id
    WHERE r.period_id = %(period)s AND r.edition_id = %(edition)s
      AND v.period_end >= %(start)s AND v.period_end <= %(end)s {metric_filter} {return_filter}
),
quarter AS (
    SELECT s.organisation_id, s.metric_id, o.peer_group, m.polarity,
           MAX(s.version_id) AS version_id, COUNT(*) AS months,
           CASE m.quarter_basis
               WHEN 'sum' THEN SUM(s.value)
               WHEN 'mean' THEN AVG(s.value)
               ELSE MAX(CASE WHEN s.recency = 1 THEN s.value END)
           END AS value
    FROM src s
    JOIN metrics_metric m ON m.id = s.metric_id
    JOIN oversight_organisation o ON o.id = s.organisation_id
    {group_filter}
    GROUP BY s.organisation_id, s.metric_id, o.peer_group, m.polarity, m.quarter_basis
)
"""

# RANK() best first within metric and peer group, the percentile rank (r - 1)/(n - 1) of
# metrics.quartiles (neutral metrics have no best: no rank), and the quartile by the SOF
# 2021/22 rule exactly as metrics.quartiles words it — higher is better 1 if ≥ P75, 2 if ≥ P50,
# 3 if > P25, else 4; lower is better 1 if ≤ P25, 2 if ≤ P50, 3 if < P75, else 4; none when
# neutral or when the group has too few bodies (no thresholds).
RANKED = """
ranked AS (
    SELECT q.*,
           RANK() OVER (PARTITION BY q.metric_id, q.peer_group ORDER BY
                        CASE WHEN q.polarity = 'higher_better' THEN -q.value ELSE q.value END
                       ) AS place,
           COUNT(*) OVER (PARTITION BY q.metric_id, q.peer_group) AS bodies
    FROM quarter q
)
SELECT q.organisation_id, q.metric_id, q.peer_group, q.value,
       CASE WHEN q.polarity = 'neutral' THEN NULL ELSE q.place END,
       CASE WHEN q.polarity = 'neutral' THEN NULL
            WHEN q.bodies = 1 THEN 0.0
            ELSE CAST(q.place - 1 AS DOUBLE PRECISION) / (q.bodies - 1) END,
       CASE WHEN t.n IS NULL THEN NULL ELSE CASE q.polarity
           WHEN 'higher_better' THEN CASE
               WHEN q.value >= t.p75 THEN 1
               WHEN q.value >= t.p50 THEN 2
               WHEN q.value > t.p25 THEN 3
               ELSE 4 END
           WHEN 'lower_better' THEN CASE
               WHEN q.value <= t.p25 THEN 1
               WHEN q.value <= t.p50 THEN 2
               WHEN q.value < t.p75 THEN 3
               ELSE 4 END
       END END,
       q.version_id, q.months
FROM ranked q
LEFT JOIN {thresholds} t ON t.metric_id = q.metric_id AND t.peer_group = q.peer_group
ORDER BY q.metric_id, q.peer_group, q.organisation_id
"""

# PostgreSQL, in one statement: the quarter values once, their thresholds by percentile_cont
# (linear interpolation between closest ranks, the rule of metrics.quartiles) stored by a
# data-modifying WITH and joined for the quartiles, and the ranked rows returned.
RESULTS_AND_THRESHOLDS = """
WITH {quarter_values},
thresholds AS (
    SELECT metric_id, peer_group, COUNT(*) AS n,
           percentile_cont(0.25) WITHIN GROUP (ORDER BY value) AS p25,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS p50,
           percentile_cont(0.75) WITHIN GROUP (ORDER BY value) AS p75
    FROM quarter
    GROUP BY metric_id, peer_group
    HAVING COUNT(*) >= %(min_bodies)s
),
stored AS (
    INSERT INTO metrics_quartilethreshold (run_id, metric_id, peer_group, n, p25, p50, p75)
    SELECT %(run)s, metric_id, peer_group, n, p25, p50, p75 FROM thresholds
),
""" + RANKED.replace("{thresholds}", "thresholds")  # noqa: S608 - constants only

# SQLite: the thresholds computed by metrics.quartiles and stored first, then joined.
RESULTS = "WITH {quarter_values},\n" + RANKED.replace(  # noqa: S608 - constants only
    "{thresholds}",
    "(SELECT * FROM metrics_quartilethreshold WHERE run_id = %(run)s)",
)

THRESHOLD_VALUES = """
WITH {quarter_values}
SELECT metric_id, peer_group, value FROM quarter ORDER BY metric_id, peer_group
"""


@dataclass(frozen=True)
class Quarter:
    """Which quarter values a statement works on: a run's quarter, some metrics (None: all)
    in some peer groups (None: every group)."""

    run_id: int
    period_id: int
    edition_id: int
    start: str
    end: str
    metric_ids: Collection[int] | None
    peer_groups: Collection[str] | None = None

    def sql(self, template: str) -> tuple[str, dict[str, object]]:
        params: dict[str, object] = {
            "run": self.run_id,
            "period": self.period_id,
            "edition": self.edition_id,
            "start": self.start,
            "end": self.end,
        }
        metric_filter = group_filter = return_filter = ""
        if self.metric_ids is not None:
            metric_filter = "AND v.metric_id IN (" + _named(params, "m", self.metric_ids) + ")"
        if self.peer_groups is not None:
            groups = _named(params, "g", self.peer_groups)
            group_filter = f"WHERE o.peer_group IN ({groups})"
            # The same bodies picked out at their returns, before their values are read: one
            # trust's acceptance reads the trusts' values, not the GP practices' too.
            return_filter = (
                "AND r.organisation_id IN "  # noqa: S608 - placeholders only
                f"(SELECT id FROM oversight_organisation WHERE peer_group IN ({groups}))"
            )
        quarter_values = QUARTER_VALUES.format(
            metric_filter=metric_filter, group_filter=group_filter, return_filter=return_filter
        )
        return template.format(quarter_values=quarter_values), params


def _named(params: dict[str, object], prefix: str, values: Collection[object]) -> str:
    """Placeholders %(prefix0)s, … for ``values``, added to ``params``."""
    names = [f"{prefix}{i}" for i in range(len(values))]
    params.update(zip(names, values, strict=True))
    return ", ".join(f"%({name})s" for name in names)


def results_and_thresholds(quarter: Quarter, *, min_bodies: int) -> list[tuple[Any, ...]]:
    """Store the quarter's P25/P50/P75 per metric and peer group (≥ ``min_bodies`` bodies) and
    return its results: (organisation, metric, peer group, value, rank, percentile, quartile,
    version, months), ordered by metric and peer group.

    PostgreSQL: one statement (``percentile_cont``). SQLite has no ordered-set aggregates:
    metrics.quartiles computes the thresholds, stored before the results are read.
    """
    if is_postgres():
        sql, params = quarter.sql(RESULTS_AND_THRESHOLDS)
        # Sorts and hashes of ~90k monthly values in memory, not spilled to disk (this
        # transaction only; the default 4 MB made them spill).
        _execute("SET LOCAL work_mem = '64MB'")
        return _fetch(sql, {**params, "min_bodies": min_bodies})
    thresholds_insert(quarter, min_bodies=min_bodies)
    return results_select(quarter)


def thresholds_insert(quarter: Quarter, *, min_bodies: int) -> None:
    """P25/P50/P75 per metric and peer group by metrics.quartiles (the SQLite path)."""
    sql, params = quarter.sql(THRESHOLD_VALUES)
    found = []
    for (metric_id, peer_group), group in groupby(_fetch(sql, params), key=itemgetter(0, 1)):
        thresholds = quartile_thresholds([row[2] for row in group], min_bodies=min_bodies)
        if thresholds is not None:
            found.append(
                QuartileThreshold(
                    run_id=quarter.run_id,
                    metric_id=metric_id,
                    peer_group=peer_group,
                    n=thresholds.n,
                    p25=thresholds.p25,
                    p50=thresholds.p50,
                    p75=thresholds.p75,
                )
            )
    QuartileThreshold.objects.bulk_create(found)


def results_select(quarter: Quarter) -> list[tuple[Any, ...]]:
    """(organisation, metric, peer group, value, rank, percentile, quartile, version, months),
    ordered by metric and peer group; the thresholds must be in first."""
    sql, params = quarter.sql(RESULTS)
    return _fetch(sql, params)


RESULT_TYPES = (
    "int8", "int8", "int8", "int8", "varchar", "float8", "int4", "float8", "int2", "int8",
    "int2", "numeric", "int8",
)  # fmt: skip
RESULT_COLUMNS = (
    "stored_in_id",
    "period_id",
    "organisation_id",
    "metric_id",
    "peer_group",
    "value",
    "rank",
    "percentile",
    "quartile",
    "version_id",
    "months",
    "score",
    "computed_in_id",
)


# --- a run's units: which stored rows are its own (metrics.models, "stored once") -------------

UNIT_KEYS = {
    "metrics_resultunit": ("metric_id", "peer_group"),
    "metrics_seriesunit": ("organisation_id",),
    "metrics_flagunit": ("metric_id", "peer_group"),
}
STORED = {
    "metrics_resultunit": "metrics_storedresult",
    "metrics_seriesunit": "metrics_storedseries",
    "metrics_flagunit": "metrics_storedflag",
}


@dataclass(frozen=True)
class Units:
    """Which units a run recomputes (so does not take from the previous run): the results of
    ``metric_ids`` (None: every metric) in ``peer_groups`` (None: every group); the SPC series
    of ``organisation_ids``; the flags of ``flag_units`` ((metric, peer group) pairs; None: the
    same as the results)."""

    metric_ids: Collection[int] | None = None
    peer_groups: Collection[str] | None = None
    organisation_ids: Collection[int] = ()
    flag_units: Collection[tuple[int, str]] | None = None

    def where(self, table: str, params: list[object]) -> str:
        """SQL true for the recomputed units of ``table`` (a unit table, or one with the same
        key columns); adds its parameters to ``params``."""
        if table == "metrics_seriesunit":
            if not self.organisation_ids:
                return "1 = 0"
            params += self.organisation_ids
            return f"organisation_id IN ({_placeholders(self.organisation_ids)})"
        if table == "metrics_flagunit" and self.flag_units is not None:
            if not self.flag_units:
                return "1 = 0"
            params += [part for unit in sorted(self.flag_units) for part in unit]
            pairs = ", ".join(["(%s, %s)"] * len(self.flag_units))
            return f"(metric_id, peer_group) IN (VALUES {pairs})"
        if self.metric_ids is None:
            condition = "1 = 1"
        elif self.metric_ids:
            params += self.metric_ids
            condition = f"metric_id IN ({_placeholders(self.metric_ids)})"
        else:
            return "1 = 0"
        if self.peer_groups is not None:
            params += self.peer_groups
            condition += f" AND peer_group IN ({_placeholders(self.peer_groups)})"
        return condition


def units_write(table: str, run_id: int, keys: Iterable[tuple[object, ...]]) -> int:
    """The run's own units of ``table`` (it stored their rows)."""
    columns = ("run_id", *UNIT_KEYS[table], "stored_in_id")
    return copy_rows(table, columns, ((run_id, *key, run_id) for key in keys))


def units_take(table: str, *, run_id: int, previous_id: int, recomputed: Units) -> int:
    """The previous run's units of ``table`` that this run did not recompute, taken as they are:
    a few hundred rows, where copying the rows they stand for meant tens of thousands."""
    params: list[object] = [run_id, previous_id]
    keys = ", ".join(UNIT_KEYS[table])
    return _execute(
        f"INSERT INTO {table} (run_id, {keys}, stored_in_id) "  # noqa: S608 - our identifiers, bound values
        f"SELECT %s, {keys}, stored_in_id FROM {table} "
        f"WHERE run_id = %s AND NOT ({recomputed.where(table, params)})",
        params,
    )


def results_delete(run_ids: Collection[int]) -> None:
    """Every row a run stored, its units, thresholds and inputs (it failed, or was superseded,
    or its worker died): no finished run's units ever name a run that did not finish."""
    runs = _placeholders(run_ids)
    for table in STORED.values():
        _execute(f"DELETE FROM {table} WHERE stored_in_id IN ({runs})", list(run_ids))  # noqa: S608 - our identifiers
    for table in (*STORED, "metrics_quartilethreshold", "metrics_runinput"):
        _execute(f"DELETE FROM {table} WHERE run_id IN ({runs})", list(run_ids))  # noqa: S608 - our identifiers


def thresholds_take(*, run_id: int, previous_id: int, recomputed: Units) -> int:
    """The previous run's thresholds of the metrics and peer groups this run did not recompute
    (one row each: copied)."""
    params: list[object] = [run_id, previous_id]
    columns = "metric_id, peer_group, n, p25, p50, p75"
    return _execute(
        f"INSERT INTO metrics_quartilethreshold (run_id, {columns}) "  # noqa: S608 - our identifiers, bound values
        f"SELECT %s, {columns} FROM metrics_quartilethreshold "
        f"WHERE run_id = %s AND NOT ({recomputed.where('metrics_resultunit', params)})",
        params,
    )


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
    organisations = _placeholders(organisation_ids)
    if not is_postgres():
        sql = SERIES_VALUES.format(columns=SERIES_ROWS, organisations=organisations)
        return _series_arrays(_fetch(sql, params))
    sql = SERIES_VALUES.format(columns=SERIES_ARRAYS, organisations=organisations)
    found = _fetch_binary(sql, params)
    if found is None or found[0] is None:
        return _series_arrays([])
    organisation, metric, day, value = found
    return SeriesArrays(
        _binary_array(organisation, ">i8").astype(np.int64),
        _binary_array(metric, ">i8").astype(np.int64),
        _binary_array(day, ">i4").astype(np.int32),
        _binary_array(value, ">f8").astype(np.float64),
    )


def _binary_array(data: bytes, element: str) -> np.ndarray:
    """A one-dimensional array without NULLs in PostgreSQL's binary format (array_send):
    dimensions, a NULL flag, the element type, then per dimension its size and lower bound,
    then per element its length and value (big-endian)."""
    dimensions = int.from_bytes(data[0:4], "big")
    if dimensions == 0:
        return np.zeros(0, element)
    size = int.from_bytes(data[12:16], "big")
    cells = np.frombuffer(data, [("size", ">i4"), ("value", element)], count=size, offset=20)
    return cells["value"]


def _series_arrays(rows: list[tuple[Any, ...]]) -> SeriesArrays:
    columns = list(zip(*rows, strict=True)) or [(), (), (), ()]
    return SeriesArrays(
        np.array(columns[0], dtype=np.int64),
        np.array(columns[1], dtype=np.int64),
        np.array(columns[2], dtype=np.int32),
        np.array(columns[3], dtype=np.float64),
    )


def organisations_in_quarter(period_id: int, edition_id: int) -> list[int]:
    """The bodies with an accepted return for the quarter: whose series a full run analyses."""
    rows = _fetch(
        "SELECT organisation_id FROM metrics_return WHERE period_id = %s AND edition_id = %s "
        "AND accepted_version_id IS NOT NULL ORDER BY organisation_id",
        [period_id, edition_id],
    )
    return [row[0] for row in rows]
