"""Driving the calculation engine (metrics.calculation) and the SQL floor from the benchmarks."""

from __future__ import annotations

from typing import Any

from oversight.clock import Clock

# The floor: one statement computing just the quartile thresholds of the quarter — quarter
# values of the accepted versions by basis, then percentile_cont per metric and peer group.
FLOOR_SQL = """
WITH months AS (
    SELECT v.organisation_id, v.metric_id, v.value,
           ROW_NUMBER() OVER (PARTITION BY v.organisation_id, v.metric_id
                              ORDER BY v.period_end DESC) AS recency
    FROM metrics_return r
    JOIN metrics_value v ON v.version_id = r.accepted_version_id
    WHERE r.period_id = %(period)s AND r.edition_id = %(edition)s
      AND v.period_end BETWEEN %(start)s AND %(end)s
),
quarter AS (
    SELECT s.metric_id, o.peer_group,
           CASE m.quarter_basis WHEN 'sum' THEN SUM(s.value) WHEN 'mean' THEN AVG(s.value)
                ELSE MAX(s.value) FILTER (WHERE s.recency = 1) END AS value
    FROM months s
    JOIN metrics_metric m ON m.id = s.metric_id
    JOIN oversight_organisation o ON o.id = s.organisation_id
    GROUP BY s.organisation_id, s.metric_id, o.peer_group, m.quarter_basis
)
SELECT metric_id, peer_group, COUNT(*) AS n,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY value) AS p25,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS p50,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY value) AS p75
FROM quarter GROUP BY metric_id, peer_group HAVING COUNT(*) >= 4
"""


def full_run(period: Any, edition: Any, *, reason: str) -> tuple[Any, float]:
    """A fresh full run of the quarter, done synchronously here: (the run, seconds)."""
    from metrics.calculation.runs import run_calculation
    from metrics.models.calculation import CalculationRun, RunStatus

    run = CalculationRun.objects.create(
        period=period, edition=edition, reason=reason, full_requested=True
    )
    started = Clock()
    run_calculation(run.pk)
    elapsed = started.elapsed()
    run.refresh_from_db()
    if run.status != RunStatus.FINISHED:
        raise RuntimeError(f"run {run.pk} ended {run.status}:\n{run.error}")
    return run, elapsed


def history_ensure(dataset: Any, *, say=print) -> None:
    """Current runs, by this method version, for the quarters the flags look back on."""
    from metrics.calculation.steps import METHOD_VERSION
    from metrics.engine.flags import DEFAULT_DEFINITIONS
    from metrics.models.calculation import CurrentRun

    quarters = max([2] + [d.get("of_last_quarters", 0) for d in DEFAULT_DEFINITIONS.values()])
    for period in dataset.periods[-quarters:-1]:
        current = CurrentRun.objects.filter(period=period, edition=dataset.edition).first()
        if current and current.run.method_version == METHOD_VERSION:
            continue
        run, seconds = full_run(period, dataset.edition, reason="Benchmark: history for flags")
        say(f"  history: ran {period.label} (run {run.pk}) in {seconds:.1f} s")


def floor_thresholds(period: Any, edition: Any) -> tuple[list[tuple[Any, ...]], float]:
    from django.db import connection

    params = {"period": period.pk, "edition": edition.pk, "start": period.start, "end": period.end}
    started = Clock()
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, params)
        rows = cursor.fetchall()
    return rows, started.elapsed()


RESULT_TABLES = (
    "metrics_calculationrun", "metrics_currentrun", "metrics_inputset", "metrics_metricresult",
    "metrics_quartilethreshold", "metrics_spcseries", "metrics_flag",
)  # fmt: skip


def analyze_results() -> None:
    """Fresh planner statistics for the run tables before a timed phase.

    Each run adds rows by the hundred thousand; until autovacuum analyses them, the planner
    estimates one row for a new run id and can pick a nested loop that takes seconds where a
    hash join takes milliseconds (bench/README.md, "Hot spots"). Production sees that too
    (between autovacuum passes); the figures here are for the engine, not for stale statistics.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(RESULT_TABLES)}")
