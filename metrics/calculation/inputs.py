"""A run's inputs: the accepted versions it reads, their record, and what changed since the
quarter's current run."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from metrics.calculation.sql import fetch, placeholders, version_ids_fetch
from oversight.bulk import copy_binary, copy_rows, is_postgres

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
    """The versions a run recorded as its inputs, in id order."""
    return version_ids_fetch(
        "SELECT return_version_id FROM metrics_runinput WHERE run_id = %s", [run_id]
    )


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
    copy_binary("metrics_runinput", ("run_id", "return_version_id"), [rows.tobytes()])
    return len(rows)


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
