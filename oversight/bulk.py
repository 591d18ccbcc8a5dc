"""Bulk writes, the one way: PostgreSQL ``COPY … FROM STDIN``, with a portable fallback (one
``executemany`` INSERT) on SQLite, the embedded default. Every caller that writes many rows —
a version's values, a run's inputs, results, series and flags, the benchmark loader — goes
through here, so the fallback and the binary format are written once.

PostgreSQL's binary format: a signature, then per row a field count and each field as
(big-endian int32 length, big-endian bytes), NULL being length -1, then a -1 trailer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from psycopg.types.json import Jsonb

COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
COPY_TRAILER = b"\xff\xff"


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def copy_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    types: Sequence[str] | None = None,
) -> int:
    """Insert rows (tuples in ``columns`` order); the number inserted.

    With ``types`` (the columns' PostgreSQL types), COPY goes in binary: no number is turned
    into text and back, no byte string into hex. Table and column names are our own; values
    always go as data, never into the statement."""
    with connection.cursor() as cursor:
        if is_postgres():
            count = 0
            binary = " (FORMAT BINARY)" if types else ""
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{binary}") as copy:
                if types:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        batch = [[portable(value) for value in row] for row in rows]
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - our identifiers, bound values
            batch,
        )
        return len(batch)


def copy_binary(table: str, columns: Sequence[str], chunks: Iterable[bytes]) -> None:
    """PostgreSQL only: rows already laid out in the binary format (numpy structured arrays,
    no Python object per row), between the signature and the trailer written here."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(COPY_SIGNATURE)
        for chunk in chunks:
            copy.write(chunk)
        copy.write(COPY_TRAILER)


def portable(value: Any) -> Any:
    """A value for SQLite: psycopg's jsonb wrapper as JSON text."""
    return json.dumps(value.obj) if isinstance(value, Jsonb) else value
