"""The PostgreSQL devices a calculation run leans on, each with a portable fallback for SQLite
(the embedded default): statements and fetches, advisory locks, COPY (text and binary)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connection

from oversight.bulk import is_postgres

# Namespace of these advisory locks, so they cannot collide with another feature's.
LOCK_NAMESPACE = 0x0CA1C << 40


def placeholders(values: Collection[object]) -> str:
    return ", ".join(["%s"] * len(values))


def execute(sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fetch(sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
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
    return bool(fetch("SELECT pg_try_advisory_lock(%s)", [key])[0][0])


def lock_release(key: int) -> None:
    if is_postgres():
        execute("SELECT pg_advisory_unlock(%s)", [key])


def lock_try_transaction(key: int) -> bool:
    """Take ``key`` until the current transaction ends, if nobody holds it (the sweeper's check).

    Session and transaction advisory locks on one key exclude each other, so while the sweeper
    holds it no worker can claim the quarter's runs. SQLite: always True.
    """
    if not is_postgres():
        return True
    return bool(fetch("SELECT pg_try_advisory_xact_lock(%s)", [key])[0][0])


def version_ids_fetch(select: str, params: Sequence[Any]) -> np.ndarray:
    """The ids a one-column query selects, sorted, as one array (~275k at stress scale: on
    PostgreSQL one binary array, not a Python tuple per row)."""
    if not is_postgres():
        return np.array(sorted(row[0] for row in fetch(select, params)), dtype=np.int64)
    found = fetch_binary(
        f"SELECT array_send(array_agg(CAST(id AS BIGINT) ORDER BY id)) FROM ({select}) ids(id)",  # noqa: S608 - our own statements
        params,
    )
    if found is None or found[0] is None:
        return np.zeros(0, np.int64)
    return binary_array(found[0], ">i8").astype(np.int64)


def fetch_binary(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of a query, in PostgreSQL's binary format: a driver cursor binding on the
    server (Django's cursors bind on the client, which allows text results only), so arrays
    come as bytes, not as hex text."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        return cursor.execute(sql, params, binary=True).fetchone()


def binary_array(data: bytes, element: str) -> np.ndarray:
    """A one-dimensional array without NULLs in PostgreSQL's binary format (array_send):
    dimensions, a NULL flag, the element type, then per dimension its size and lower bound,
    then per element its length and value (big-endian)."""
    dimensions = int.from_bytes(data[0:4], "big")
    if dimensions == 0:
        return np.zeros(0, element)
    size = int.from_bytes(data[12:16], "big")
    cells = np.frombuffer(data, [("size", ">i4"), ("value", element)], count=size, offset=20)
    return cells["value"]


def columns_fetch(query: Any, types: Sequence[str]) -> list[np.ndarray]:
    """The columns of a ``values_list`` query (numbers without NULLs, of PostgreSQL ``types``:
    bigint, integer, smallint or double precision) as arrays. On PostgreSQL one binary array
    per column (~1.2 M rows at stress scale: no Python tuple per row); SQLite: row by row."""
    dtypes: list[np.dtype[Any]] = [_ARRAY_ELEMENTS[name] for name in types]
    if not is_postgres():
        rows = list(query)
        return [
            np.array([row[at] for row in rows], dtype=dtype.newbyteorder("="))
            for at, dtype in enumerate(dtypes)
        ]
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # a filter no row can pass (an empty ``__in``)
        return [np.zeros(0, dtype.newbyteorder("=")) for dtype in dtypes]
    names = [f"c{at}" for at in range(len(types))]
    arrays = ", ".join(
        f"array_send(array_agg(CAST({name} AS {kind})))"
        for name, kind in zip(names, types, strict=True)
    )
    found = fetch_binary(
        f"SELECT {arrays} FROM ({sql}) q({', '.join(names)})",  # noqa: S608 - our own statements
        params,
    )
    return [
        (
            np.zeros(0, dtype)
            if found is None or found[at] is None
            else binary_array(found[at], dtype.str)
        ).astype(dtype.newbyteorder("="))
        for at, dtype in enumerate(dtypes)
    ]


_ARRAY_ELEMENTS: dict[str, np.dtype[Any]] = {
    "bigint": np.dtype(">i8"),
    "integer": np.dtype(">i4"),
    "smallint": np.dtype(">i2"),
    "double precision": np.dtype(">f8"),
}
