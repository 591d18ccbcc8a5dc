"""Bulk load without index upkeep: drop a table's indexes and constraints, load, put them back.

PostgreSQL's "Populating a Database" advice for a large first load: COPY into the bare table,
then create the indexes and add the foreign keys (one sort and one join each instead of one
index insert and one lookup per row), with a large maintenance_work_mem, then ANALYZE.
What is put back is exactly what was there — the definitions the migrations made, read from
the catalogue with pg_get_indexdef/pg_get_constraintdef — and is checked to match afterwards.
The definitions are saved to a file first, so a load interrupted half-way is completed (its
indexes rebuilt) by the next run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import REPO

RESULTS = REPO / "bench" / "results"

CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname
"""
# Plain indexes: not the primary key's, not a unique constraint's (those go with the constraint).
INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY c.relname
"""


def snapshot(table: str) -> dict[str, dict[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CONSTRAINTS, [table])
        constraints = dict(cursor.fetchall())
        cursor.execute(INDEXES, [table])
        indexes = dict(cursor.fetchall())
    return {"constraints": constraints, "indexes": indexes}


@contextmanager
def bare_table(table: str, *, say=print) -> Iterator[None]:
    """Load into ``table`` stripped of its indexes and constraints (but its primary key)."""
    from django.db import connection

    saved_file = _saved_file(table)
    saved = _saved(saved_file) or snapshot(table)
    RESULTS.mkdir(exist_ok=True)
    saved_file.write_text(json.dumps(saved, indent=1))
    now = snapshot(table)
    with connection.cursor() as cursor:
        for name in now["constraints"]:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name in now["indexes"]:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    say(
        f"  rebuilding the {len(saved['indexes'])} indexes and {len(saved['constraints'])} "
        f"constraints of {table}…"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")  # this session only
        for definition in saved["indexes"].values():
            cursor.execute(definition)
        for name, definition in saved["constraints"].items():
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("RESET maintenance_work_mem")
    if snapshot(table) != saved:
        raise RuntimeError(f"{table}: the rebuilt indexes differ from {saved_file}")
    saved_file.unlink()


def rebuild_pending(table: str) -> bool:
    """An earlier load stripped ``table`` and stopped before rebuilding it."""
    return _saved_file(table).exists()


def _saved_file(table: str) -> Path:
    from django.db import connection

    return RESULTS / f"{connection.settings_dict['NAME']}-{table}-schema.json"


def _saved(path: Path) -> dict[str, dict[str, str]] | None:
    return json.loads(path.read_text()) if path.exists() else None
