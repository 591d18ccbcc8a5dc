"""The national statements of a run: quarter values, ranks, percentiles and quartile thresholds
over a whole quarter in SQL (window functions, ``percentile_cont``), and a run's units."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from metrics.calculation.sql import execute, fetch, placeholders
from metrics.engine.quartiles import quartile_thresholds
from metrics.models.results import QuartileThreshold
from oversight.bulk import copy_rows, is_postgres

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
            metric_filter = "AND v.metric_id IN (" + named(params, "m", self.metric_ids) + ")"
        if self.peer_groups is not None:
            groups = named(params, "g", self.peer_groups)
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


def named(params: dict[str, object], prefix: str, values: Collection[object]) -> str:
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
        execute("SET LOCAL work_mem = '64MB'")
        return fetch(sql, {**params, "min_bodies": min_bodies})
    thresholds_insert(quarter, min_bodies=min_bodies)
    return results_select(quarter)


def thresholds_insert(quarter: Quarter, *, min_bodies: int) -> None:
    """P25/P50/P75 per metric and peer group by metrics.quartiles (the SQLite path)."""
    sql, params = quarter.sql(THRESHOLD_VALUES)
    found = []
    for (metric_id, peer_group), group in groupby(fetch(sql, params), key=itemgetter(0, 1)):
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
    return fetch(sql, params)


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
            return f"organisation_id IN ({placeholders(self.organisation_ids)})"
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
            condition = f"metric_id IN ({placeholders(self.metric_ids)})"
        else:
            return "1 = 0"
        if self.peer_groups is not None:
            params += self.peer_groups
            condition += f" AND peer_group IN ({placeholders(self.peer_groups)})"
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
    return execute(
        f"INSERT INTO {table} (run_id, {keys}, stored_in_id) "  # noqa: S608 - our identifiers, bound values
        f"SELECT %s, {keys}, stored_in_id FROM {table} "
        f"WHERE run_id = %s AND NOT ({recomputed.where(table, params)})",
        params,
    )


def results_delete(run_ids: Collection[int]) -> None:
    """Every row a run stored, its units and thresholds (it failed, or was superseded, or its
    worker died): no finished run's units ever name a run that did not finish. Its input set
    stays: shared between runs, it names only versions."""
    runs = placeholders(run_ids)
    for table in STORED.values():
        execute(f"DELETE FROM {table} WHERE stored_in_id IN ({runs})", list(run_ids))  # noqa: S608 - our identifiers
    for table in (*STORED, "metrics_quartilethreshold"):
        execute(f"DELETE FROM {table} WHERE run_id IN ({runs})", list(run_ids))  # noqa: S608 - our identifiers


def thresholds_take(*, run_id: int, previous_id: int, recomputed: Units) -> int:
    """The previous run's thresholds of the metrics and peer groups this run did not recompute
    (one row each: copied)."""
    params: list[object] = [run_id, previous_id]
    columns = "metric_id, peer_group, n, p25, p50, p75"
    return execute(
        f"INSERT INTO metrics_quartilethreshold (run_id, {columns}) "  # noqa: S608 - our identifiers, bound values
        f"SELECT %s, {columns} FROM metrics_quartilethreshold "
        f"WHERE run_id = %s AND NOT ({recomputed.where('metrics_resultunit', params)})",
        params,
    )
