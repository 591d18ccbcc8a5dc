"""The steps of one calculation run: its parameters, its plan (what changed since the quarter's
current run), the national results, SPC series and flags, and its publication."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from metrics.calculation.flags import flag_history, flags_write, series_changed_units
from metrics.calculation.inputs import (
    accepted_versions,
    input_set_record,
    input_versions,
    metrics_of_versions,
    organisations_in_quarter,
    peer_groups_of,
    versions_described,
)
from metrics.calculation.national import national_results_write
from metrics.calculation.national_sql import Units, results_delete, units_take
from metrics.calculation.parts import parts_done_by, parts_join, parts_record, parts_send
from metrics.calculation.signals import run_published
from metrics.engine.flags import DEFAULT_DEFINITIONS
from metrics.engine.spc.kinds import SpcSettings
from metrics.models.calculation import CalculationRun, CurrentRun, PartStep, RunStatus
from metrics.models.catalogue import FrameworkEdition, Metric
from oversight.clock import Clock

logger = logging.getLogger(__name__)

# Raised whenever the rules change: a run never takes results computed by another method
# version (the storage of results is the migrations' business, not the method's).
METHOD_VERSION = "2026.2"  # contextual: no quartile or flag; ratings: no SPC
# Bodies per SPC part (metrics.calculation.parts): ~330k values at England scale, ~1.2M at
# stress; ~4 parts at England scale, ~70 at stress, for the workers to share.
SPC_BATCH_BODIES = 100
# Metrics per flags part, when every flag of the quarter is worked out: ~4 parts at England and
# stress scale (80 and 100 metrics), each reading its metrics' results, series and history.
FLAG_BATCH_METRICS = 20


def calculation_parameters(edition: FrameworkEdition) -> dict[str, Any]:
    """Every threshold and setting a run uses, stored with it (DESIGN.md, issue 4 item 2)."""
    spc = SpcSettings()
    return {
        "catalogue_version": edition.catalogue_version,
        "quartiles": {
            "min_bodies": 4,
            "interpolation": "linear between closest ranks (percentile_cont, QUARTILE.INC)",
        },
        "ranks": {"within": "peer_group", "ties": "competition: the smallest position"},
        "scores": {"within": "peer_group", "rounding": "2 dp half up"},
        "spc": {
            "run_length": spc.run_length,
            "trend_length": spc.trend_length,
            "screen_moving_ranges": spc.screen_moving_ranges,
            "baseline_points": spc.baseline_points,
            "min_points_for_limits": spc.min_points_for_limits,
            "target": "the metric's standard",
        },
        "flags": {kind: dict(definition) for kind, definition in DEFAULT_DEFINITIONS.items()},
    }


@dataclass(frozen=True)
class Plan:
    """What a run recomputes; the rest it takes from ``previous_id`` (None: nothing to take).

    National results: ``recomputed.metric_ids`` (None: every metric) in its ``peer_groups``
    (None: every group) — a body's new values move only its own peer group's ranks, quartiles
    and scores. SPC: the series of ``recomputed.organisation_ids``. Flags: those of the
    metrics and peer groups whose results or series came out different — or all of them when
    the previous quarters' current runs (what the flags look back on) differ from those the
    previous run's flags read.
    """

    recomputed: Units
    previous_id: int | None
    previous_flag_history: list[list[int]] | None = None


def run_clock(run_id: int) -> Clock:
    """A run's clock: its steps' seconds go to ``CalculationRun.timings`` and the log."""

    def log_step(name: str, seconds: float) -> None:
        logger.info("Run %s: %s took %.3f s", run_id, name, seconds)

    return Clock(on_step=log_step)


def calculate(run: CalculationRun) -> None:
    clock = run_clock(run.pk)
    with clock.step("inputs: read"):
        results_delete([run.pk])  # leftovers of an attempt whose worker died
        versions = accepted_versions(edition_id=run.edition_id, period_end=str(run.period.end))
    with clock.step("inputs: record"):
        input_set_record(
            run_id=run.pk, period_id=run.period_id, edition_id=run.edition_id, versions=versions
        )
    _calculate_results(run, versions, clock)
    with clock.step("publish"):
        _publish(run, clock)


def _calculate_results(run: CalculationRun, versions: np.ndarray, clock: Clock) -> None:
    """Plan, national results, SPC and flags: every row of the run but its inputs."""
    parameters = calculation_parameters(run.edition)
    edition = run.edition
    with clock.step("inputs and plan"):
        plan = _plan(run, parameters, versions)
        clock.lap("inputs: plan")
        metrics = {metric.pk: metric for metric in Metric.objects.filter(edition=edition)}
        clock.lap("inputs: metrics")
        recomputed = plan.recomputed
        batches = _batches(sorted(recomputed.organisation_ids), SPC_BATCH_BODIES)
        history = flag_history(run, parameters["flags"])
        # Only where a result or a series changed can a flag change — unless the earlier
        # quarters the flags look back on changed: then every flag is worked out again, in
        # parts by metric.
        flags_kept = plan.previous_id is not None and plan.previous_flag_history == history
        flagged = sorted(pk for pk, metric in metrics.items() if metric.scored)
        flag_batches = [] if flags_kept else _batches(flagged, FLAG_BATCH_METRICS)
        steps_total = 2 + len(batches) + max(1, len(flag_batches))
        _progress(
            run,
            1,
            steps_total=steps_total,
            method_version=METHOD_VERSION,
            parameters=parameters,
            flag_history=history,
            incremental=plan.previous_id is not None,
            metric_ids=sorted(metrics if recomputed.metric_ids is None else recomputed.metric_ids),
        )
    # The SPC parts go to the workers while this one does the national results (.parts).
    with clock.step("spc: parts sent"):
        sent = parts_send(run.pk, parts_record(run, PartStep.SPC, batches))
    with clock.step("national results"), transaction.atomic():
        changed_units = national_results_write(
            run,
            recomputed=recomputed,
            previous_id=plan.previous_id,
            min_bodies=parameters["quartiles"]["min_bodies"],
            metrics=metrics,
            timings=clock.timings,
        )
    _step_done(run)
    with clock.step("spc series"):
        series = parts_join(run, PartStep.SPC)
        if plan.previous_id is not None:
            units_take(
                "metrics_seriesunit",
                run_id=run.pk,
                previous_id=plan.previous_id,
                recomputed=plan.recomputed,
            )
    with clock.step("flags"):
        if flags_kept:
            with transaction.atomic():
                _flags_of_changes(run, plan, parameters, metrics, changed_units, history, clock)
            _step_done(run)
        else:
            sent += parts_send(run.pk, parts_record(run, PartStep.FLAGS, flag_batches))
            parts_join(run, PartStep.FLAGS)
    done_by = parts_done_by(run.pk)
    logger.info("Run %s: %s parts sent, done by %s", run.pk, sent, done_by)
    _progress(run, steps_total, series_recalculated=series)


def _flags_of_changes(
    run: CalculationRun,
    plan: Plan,
    parameters: dict[str, Any],
    metrics: dict[int, Metric],
    changed_units: set[tuple[int, str]],
    history: list[list[int]],
    clock: Clock,
) -> None:
    """The flags of the units whose results or series changed; the others the previous run's."""
    assert plan.previous_id is not None
    recomputed = plan.recomputed
    series_units = series_changed_units(run, plan.previous_id, recomputed.organisation_ids)
    flags_write(
        run,
        parameters["flags"],
        metrics,
        history=history,
        previous_id=plan.previous_id,
        recomputed=replace(recomputed, flag_units=changed_units | series_units),
        timings=clock.timings,
    )


def _plan(run: CalculationRun, parameters: dict[str, Any], versions: np.ndarray) -> Plan:
    """Everything when asked to, or when the current run used other rules; else what changed."""
    current = (
        CurrentRun.objects.filter(period_id=run.period_id, edition_id=run.edition_id)
        .select_related("run")
        .first()
    )
    compatible = (
        current is not None
        and current.run.method_version == METHOD_VERSION
        and current.run.parameters == parameters
    )
    if current is None or not compatible or run.full_requested:
        every_body = organisations_in_quarter(run.period_id, run.edition_id)
        return Plan(Units(organisation_ids=every_body), None)
    # The versions accepted or replaced since the current run: the difference of the inputs.
    changed = versions_described(
        np.setxor1d(versions, input_versions(current.run_id), assume_unique=True).tolist()
    )
    this_quarter = [(v, body) for v, body, period in changed if period == run.period_id]
    metric_ids = metrics_of_versions([v for v, _ in this_quarter])
    # A recorded rebase changes a body's series without changing its data (SpcRebase).
    organisation_ids = sorted(
        {body for _, body, _ in changed} | set(run.requested_organisation_ids)
    )
    # Asked-for metrics are recomputed in every peer group; changed ones in the groups of the
    # bodies that changed (now, and in the previous run should a body have changed group).
    groups = peer_groups_of({b for _, b in this_quarter}, previous_id=current.run_id)
    recomputed = Units(
        metric_ids=sorted(metric_ids | set(run.requested_metric_ids)),
        peer_groups=None if run.requested_metric_ids else sorted(groups),
        organisation_ids=organisation_ids,
    )
    return Plan(recomputed, current.run_id, current.run.flag_history)


def _batches(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _progress(run: CalculationRun, steps_done: int, **fields: Any) -> None:
    """Committed at once (outside the steps' transactions) for the run status page."""
    CalculationRun.objects.filter(pk=run.pk).update(steps_done=steps_done, **fields)


def _step_done(run: CalculationRun) -> None:
    """One more step done (parts end on any worker: counted, not numbered)."""
    CalculationRun.objects.filter(pk=run.pk).update(steps_done=F("steps_done") + 1)


def _publish(run: CalculationRun, clock: Clock) -> None:
    """Mark the run finished and make it the quarter's current run, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        finished = CalculationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FINISHED,
            finished_at=now,
            steps_done=F("steps_total"),
            timings=clock.total(),
        )
        if finished != 1:
            raise RuntimeError(f"run {run.pk} is no longer running; its results stay unpublished")
        CurrentRun.objects.update_or_create(
            period_id=run.period_id,
            edition_id=run.edition_id,
            defaults={"run": run, "switched_at": now},
        )
        transaction.on_commit(
            partial(run_published.send_robust, sender=CalculationRun, run_id=run.pk)
        )
