"""COPY for the dataset loader: rows as tuples (text COPY), or values as numpy columns (binary).

Binary COPY of metrics_value: every row has the same width, so a whole batch is one numpy
structured array written in one go — no Python object per value, which is what makes ~28 M
values loadable in minutes. PostgreSQL's binary format: a signature, then per row a field
count and each field as (big-endian int32 length, big-endian bytes), NULL being length -1,
then a -1 trailer.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from oversight.bulk import copy_binary

BATCH_ROWS = 1_000_000

# metrics_value columns in the order the row layout below writes them.
VALUE_COLUMNS = (
    "version_id", "organisation_id", "metric_id", "period_end", "value",
    "numerator", "denominator", "comment", "row",
)  # fmt: skip
VALUE_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("version_len", ">i4"), ("version_id", ">i8"),
        ("organisation_len", ">i4"), ("organisation_id", ">i8"),
        ("metric_len", ">i4"), ("metric_id", ">i8"),
        ("day_len", ">i4"), ("day", ">i4"),
        ("value_len", ">i4"), ("value", ">f8"),
        ("numerator_len", ">i4"),
        ("denominator_len", ">i4"),
        ("comment_len", ">i4"),
        ("row_len", ">i4"), ("row", ">i4"),
    ]
)  # fmt: skip


def values_copy_binary(
    *,
    version_id: np.ndarray,
    organisation_id: np.ndarray,
    metric_id: np.ndarray,
    day: np.ndarray,
    value: np.ndarray,
    line: np.ndarray,
) -> None:
    """COPY values given as equal-length columns (day: days since 2000-01-01) in batches."""

    def batches() -> Iterator[bytes]:
        for start in range(0, len(value), BATCH_ROWS):
            end = start + BATCH_ROWS
            rows = np.empty(len(value[start:end]), dtype=VALUE_ROW)
            rows["fields"] = len(VALUE_COLUMNS)
            for name, width in (("version", 8), ("organisation", 8), ("metric", 8)):
                rows[f"{name}_len"] = width
            rows["version_id"] = version_id[start:end]
            rows["organisation_id"] = organisation_id[start:end]
            rows["metric_id"] = metric_id[start:end]
            rows["day_len"], rows["day"] = 4, day[start:end]
            rows["value_len"], rows["value"] = 8, value[start:end]
            rows["numerator_len"] = rows["denominator_len"] = -1
            rows["comment_len"] = 0
            rows["row_len"], rows["row"] = 4, line[start:end]
            yield rows.tobytes()

    copy_binary("metrics_value", VALUE_COLUMNS, batches())
