"""Writing a version's values: the one place that inserts rows into the values table.

COPY on PostgreSQL, executemany elsewhere (``oversight.bulk``): both skip the ORM's
per-object work, which costs more than the database itself at national scale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from metrics.models.returns import Value
from metrics.returns.context import CleanValue
from oversight.bulk import copy_rows

VALUE_COLUMNS = (
    "version_id",
    "organisation_id",
    "metric_id",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "comment",
    "row",
)


def values_insert(rows: Sequence[tuple]) -> None:
    """Insert many values, given as tuples in `VALUE_COLUMNS` order."""
    if not rows:
        return
    copy_rows(Value._meta.db_table, VALUE_COLUMNS, rows)


def value_rows(
    *,
    version_id: int,
    organisation_id: int,
    metric_ids: Mapping[str, int],
    values: Iterable[CleanValue],
) -> list[tuple]:
    """The rows of one version's validated values, ready for `values_insert`."""
    return [
        (
            version_id,
            organisation_id,
            metric_ids[v.metric_code],
            v.period_end,
            v.value,
            v.numerator,
            v.denominator,
            v.comment,
            v.line,
        )
        for v in values
    ]
