"""A run's inputs: the accepted versions it reads, the input set it records them in (shared
between runs, by content), and what changed since the quarter's current run."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection

import numpy as np
from django.db.models.expressions import RawSQL

from metrics.calculation.sql import (
    binary_array,
    fetch,
    fetch_binary,
    placeholders,
    version_ids_fetch,
)
from metrics.models.calculation import CalculationRun, InputSet
from oversight.bulk import is_postgres

# --- inputs and what changed -----------------------------------------------------------------


def accepted_versions(*, edition_id: int, period_end: str) -> np.ndarray:
    """Every accepted version of the edition up to the quarter, in id order: a run's inputs."""
    return version_ids_fetch(
        """
        SELECT r.accepted_version_id
        FROM metrics_return r JOIN metrics_period p ON p.id = r.period_id
        WHERE r.edition_id = %s AND r.accepted_version_id IS NOT NULL AND p."end" <= %s
        """,
        [edition_id, period_end],
    )


def input_versions(run_id: int) -> np.ndarray:
    """The versions a run read (its input set), in id order; none if it has not read yet."""
    if not is_postgres():
        rows = fetch(
            "SELECT s.version_ids FROM metrics_inputset s "
            "JOIN metrics_calculationrun r ON r.input_set_id = s.id WHERE r.id = %s",
            [run_id],
        )
        return np.array(json.loads(rows[0][0]) if rows else [], dtype=np.int64)
    found = fetch_binary(  # already sorted: one binary array, read as it is
        "SELECT array_send(s.version_ids) FROM metrics_inputset s "
        "JOIN metrics_calculationrun r ON r.input_set_id = s.id WHERE r.id = %s",
        [run_id],
    )
    if found is None:
        return np.zeros(0, np.int64)
    return binary_array(found[0], ">i8").astype(np.int64)


def input_set_record(*, run_id: int, period_id: int, edition_id: int, versions: np.ndarray) -> int:
    """Point the run at the quarter's input set holding exactly these versions, made if no
    run read them before; returns its id.

    Content-addressed (the SHA-256 of the sorted ids): runs that read the same versions share
    one row, and a run redone after its worker died finds its own again. One row of ids,
    never a row per version (~275k at stress scale)."""
    ids = np.sort(versions).astype(np.int64)
    digest = hashlib.sha256(ids.astype(">i8").tobytes()).hexdigest()
    key = {"period_id": period_id, "edition_id": edition_id, "digest": digest}
    found = InputSet.objects.filter(**key).values_list("pk", flat=True).first()
    if found is None and is_postgres():  # the ids as one array literal: no object per id
        literal = "{" + ",".join(ids.astype(str).tolist()) + "}"
        found = fetch(
            "INSERT INTO metrics_inputset "
            "(period_id, edition_id, digest, version_ids, size, created_at) "
            "VALUES (%s, %s, %s, CAST(%s AS BIGINT[]), %s, now()) "
            "ON CONFLICT (period_id, edition_id, digest) DO UPDATE SET size = EXCLUDED.size "
            "RETURNING id",
            [period_id, edition_id, digest, literal, len(ids)],
        )[0][0]
    elif found is None:
        made = InputSet.objects.get_or_create(
            **key, defaults={"version_ids": ids.tolist(), "size": len(ids)}
        )
        found = made[0].pk
    CalculationRun.objects.filter(pk=run_id).update(input_set_id=found)
    return int(found)


def input_set_members(input_set_id: int | None) -> RawSQL:
    """The ids of an input set's versions, as a subquery for ``pk__in`` (the set's array
    unnested on PostgreSQL, its JSON list read by json_each on SQLite)."""
    if is_postgres():
        sql = "SELECT unnest(version_ids) FROM metrics_inputset WHERE id = %s"
    else:
        sql = "SELECT j.value FROM metrics_inputset s, json_each(s.version_ids) j WHERE s.id = %s"
    return RawSQL(sql, [input_set_id])  # noqa: S611 - our own statement, the id bound


def versions_described(version_ids: Collection[int]) -> list[tuple[int, int, int]]:
    """(version, organisation, period) of each version."""
    ids = sorted(version_ids)
    found: list[tuple[int, int, int]] = []
    for start in range(0, len(ids), 10_000):  # SQLite binds at most 32,766 values
        chunk = ids[start : start + 10_000]
        found += fetch(
            "SELECT rv.id, r.organisation_id, r.period_id FROM metrics_returnversion rv "  # noqa: S608 - placeholders only
            "JOIN metrics_return r ON r.id = rv.return_record_id "
            f"WHERE rv.id IN ({placeholders(chunk)})",
            chunk,
        )
    return found


def metrics_of_versions(version_ids: Collection[int]) -> set[int]:
    if not version_ids:
        return set()
    sql = "SELECT DISTINCT metric_id FROM metrics_value WHERE version_id IN ({})"
    rows = fetch(sql.format(placeholders(version_ids)), list(version_ids))
    return {row[0] for row in rows}


def peer_groups_of(organisation_ids: Collection[int], *, previous_id: int) -> set[str]:
    """The bodies' peer groups now, and in run ``previous_id``'s results (a body may move)."""
    if not organisation_ids:
        return set()
    bodies = placeholders(organisation_ids)
    rows = fetch(
        f"SELECT peer_group FROM oversight_organisation WHERE id IN ({bodies}) "  # noqa: S608 - placeholders only
        f"UNION SELECT peer_group FROM metrics_metricresult "
        f"WHERE run_id = %s AND organisation_id IN ({bodies})",
        [*organisation_ids, previous_id, *organisation_ids],
    )
    return {row[0] for row in rows}


def organisations_in_quarter(period_id: int, edition_id: int) -> list[int]:
    """The bodies with an accepted return for the quarter: whose series a full run analyses."""
    rows = fetch(
        "SELECT organisation_id FROM metrics_return WHERE period_id = %s AND edition_id = %s "
        "AND accepted_version_id IS NOT NULL ORDER BY organisation_id",
        [period_id, edition_id],
    )
    return [row[0] for row in rows]
