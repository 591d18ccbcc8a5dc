"""One quarter of a benchmark dataset: its values drawn, then stored as accepted returns.

See bench/dataset.py for the shape of the datasets and why they are stored this way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

# --- generating ---------------------------------------------------------------------------------


@dataclass
class _Block:
    """One metric's values for every body it applies to, every point of every quarter."""

    metric_id: int
    order: int  # the metric's place in the return file
    monthly: bool
    body_index: np.ndarray  # into the scale's body list
    values: np.ndarray  # (bodies, points)


def blocks_draw(edition: Any, periods: list[Any], bodies: list[Any], seed: int) -> list[_Block]:
    """Every metric's values for every body and point of ``periods`` (oldest first)."""
    from metrics.models.catalogue import body_group
    from metrics.synthetic import metric_shape, series_block

    groups = np.array([body_group(b) for b in bodies])
    blocks = []
    for order, metric in enumerate(edition.metrics.order_by("code")):
        applies = np.flatnonzero(np.isin(groups, sorted(metric.applicable_groups)))
        shape = metric_shape(metric)
        points = len(periods) * (3 if shape.monthly else 1)
        values = series_block(shape, bodies=len(applies), points=points, seed=seed)
        blocks.append(_Block(metric.pk, order, shape.monthly, applies, values))
    return blocks


EPOCH = date(2000, 1, 1)  # PostgreSQL's day zero, for binary COPY


@dataclass
class QuarterRows:
    """A quarter's values in file order (body, then metric, then month), as column arrays."""

    body_index: np.ndarray
    metric_id: np.ndarray
    day: np.ndarray  # days since 2000-01-01
    value: np.ndarray
    line: np.ndarray  # line of the body's return file (2 = first value)


def quarter_rows(blocks: list[_Block], index: int, period: Any) -> QuarterRows:
    month_days = [(d - EPOCH).days for d in period.month_ends()]
    parts = []
    for block in blocks:
        columns = [3 * index, 3 * index + 1, 3 * index + 2] if block.monthly else [index]
        days = month_days if block.monthly else [(period.end - EPOCH).days]
        count = len(block.body_index)
        parts.append(
            (
                np.repeat(block.body_index, len(columns)),
                np.full(count * len(columns), block.order),
                np.full(count * len(columns), block.metric_id),
                np.tile(days, count),
                block.values[:, columns].ravel(),
            )
        )
    body, order, metric, day, value = (np.concatenate(c) for c in zip(*parts, strict=True))
    sort = np.lexsort((day, order, body))
    body, metric, day, value = body[sort], metric[sort], day[sort], value[sort]
    first = np.searchsorted(body, body, side="left")
    return QuarterRows(body, metric, day, value, np.arange(len(body)) - first + 2)


# --- storing ------------------------------------------------------------------------------------


def _ids(table: str, count: int) -> np.ndarray:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
            [count],
        )
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


def quarter_store(
    edition: Any, period: Any, bodies: list[Any], rows: QuarterRows, user: Any
) -> None:
    """Every body's accepted return of the quarter: Return, ReturnVersion, Values (by COPY)."""
    from bench.copy import values_copy_binary
    from oversight.bulk import copy_rows

    present = np.unique(rows.body_index)
    counts = np.bincount(rows.body_index, minlength=len(bodies))
    return_ids = _ids("metrics_return", len(present))
    version_ids = _ids("metrics_returnversion", len(present))
    version_of = np.zeros(len(bodies), dtype=np.int64)
    version_of[present] = version_ids
    now = datetime.combine(period.end + timedelta(days=20), datetime.min.time(), tzinfo=UTC)
    returns, versions = [], []
    for body_index, return_id, version_id in zip(
        present.tolist(), return_ids.tolist(), version_ids.tolist(), strict=True
    ):
        body = bodies[body_index]
        content = f"Benchmark return of {body.ods_code} for {period.label}\n".encode()
        returns.append(
            (return_id, "accepted", now, edition.pk, body.pk, period.pk, version_id, version_id)
        )
        versions.append(
            (
                version_id,
                1,
                f"{body.ods_code}-{period.slug}.csv",
                content,
                hashlib.sha256(content).hexdigest(),
                len(content),
                now,
                int(counts[body_index]),
                now,
                now,
                True,
                "",
                return_id,
                user.pk,
                user.pk,
                user.pk,
            )
        )
    copy_rows("metrics_return", RETURN_COLUMNS, returns)
    copy_rows("metrics_returnversion", VERSION_COLUMNS, versions)
    organisation_ids = np.array([b.pk for b in bodies], dtype=np.int64)
    values_copy_binary(
        version_id=version_of[rows.body_index],
        organisation_id=organisation_ids[rows.body_index],
        metric_id=rows.metric_id,
        day=rows.day,
        value=rows.value,
        line=rows.line,
    )


RETURN_COLUMNS = (
    "id",
    "state",
    "updated_at",
    "edition_id",
    "organisation_id",
    "period_id",
    "current_version_id",
    "accepted_version_id",
)
VERSION_COLUMNS = (
    "id",
    "number",
    "file_name",
    "file_content",
    "file_sha256",
    "file_size",
    "uploaded_at",
    "value_count",
    "signed_off_at",
    "reviewed_at",
    "accepted",
    "review_reason",
    "return_record_id",
    "uploaded_by_id",
    "signed_off_by_id",
    "reviewed_by_id",
)
