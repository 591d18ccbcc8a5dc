"""The flags step of a calculation run: the quarter's facts as arrays, metrics.engine.flags, COPY.

DESIGN.md "Flags". A flag on a body's metric depends on that result (value, rank, quartile and
the peer group's thresholds), the body's SPC series and the previous quarters' quartiles. So a
run works out the flags on the results and series it computed, and carries the others over from
the previous run — unless the previous quarters' current runs changed since (``flag_history``),
when every flag of the quarter is worked out again. The facts come in four queries — results,
thresholds, signalling SPC series and previous quarters' quartiles — never one query per body.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping

import orjson
from django.db.models import Q

from metrics.calculation.flag_facts import quarter_facts_read
from metrics.calculation.national_sql import Units, units_take, units_write
from metrics.engine.flags import Definition, Evidence, quarter_flags
from metrics.models.calculation import CalculationRun, CurrentRun
from metrics.models.catalogue import Metric, Period
from metrics.models.results import MetricResult, SpcSeries
from oversight.bulk import copy_rows
from oversight.clock import Clock

FLAG_COLUMNS = (
    "stored_in_id",
    "period_id",
    "organisation_id",
    "metric_id",
    "peer_group",
    "kind",
    "evidence",
    "parameters",
)
FLAG_TYPES = ("int8", "int8", "int8", "int8", "varchar", "varchar", "text", "text")

Key = tuple[int, int]  # (organisation, metric)

# Evidence as JSON text (StoredFlag): one encoder, no circular-reference bookkeeping (the
# evidence is plain data built afresh for each flag).
_ENCODER = json.JSONEncoder(check_circular=False)


def flag_history(run: CalculationRun, definitions: Mapping[str, Definition]) -> list[list[int]]:
    """The quarters the flags look back on, most recent first, each [period, its current run]
    (0: none): what the run's flags read besides its own results and series, so a later run
    may keep them only when this is unchanged (``CalculationRun.flag_history``)."""
    quarters = max(
        [2] + [d.get("of_last_quarters", 0) for d in definitions.values()]
    )  # the dramatic drop looks one quarter back, sustained performance a few
    period = run.period
    previous = list(
        Period.objects.filter(
            Q(year__lt=period.year) | Q(year=period.year, quarter__lt=period.quarter)
        )
        .order_by("-year", "-quarter")
        .values_list("pk", flat=True)[: quarters - 1]
    )
    runs = dict(
        CurrentRun.objects.filter(edition_id=run.edition_id, period__in=previous).values_list(
            "period_id", "run_id"
        )
    )
    return [[pk, runs.get(pk, 0)] for pk in previous]


def flags_write(
    run: CalculationRun,
    definitions: Mapping[str, Definition],
    metrics: Mapping[int, Metric],
    *,
    history: list[list[int]],
    previous_id: int | None = None,
    recomputed: Units | None = None,
    timings: dict[str, float] | None = None,
) -> int:
    """Raise and store the flags of the run's quarter; returns how many were raised here.

    With ``previous_id`` (a run whose flags read the same ``history``), only the flags of the
    ``recomputed`` metrics and peer groups are worked out; the others are the previous run's.
    ``timings`` adds up the seconds spent reading facts, raising flags and writing them.
    """
    clock = Clock(timings if timings is not None else {})
    # A contextual metric is shown, never flagged (DESIGN.md: "scored or contextual").
    flagged = {pk: metric for pk, metric in metrics.items() if metric.scored}
    results = MetricResult.objects.filter(run=run, metric_id__in=sorted(flagged))
    wanted = None
    if previous_id is not None:
        units = recomputed or Units()
        results = results.filter(_recomputed(units))
        if units.flag_units is not None:
            wanted = set(units.flag_units)
    rows = quarter_facts_read(
        run,
        results,
        flagged,
        history=history,
        wanted=wanted,
        scoped=previous_id is not None,
    )
    clock.lap("flags: read facts")
    encoded = {kind: json.dumps(definition) for kind, definition in definitions.items()}
    stored_in, period_id = run.pk, run.period_id
    organisations, metric_ids = rows.organisation.tolist(), rows.metric.tolist()
    groups = rows.facts.peer_group
    raised = [
        (
            stored_in,
            period_id,
            organisations[flag.row],
            metric_ids[flag.row],
            groups[flag.row],
            flag.kind,
            evidence_json(flag.evidence),
            encoded[flag.kind],
        )
        for flag in quarter_flags(rows.facts, definitions)
    ]
    clock.lap("flags: raise")
    written = copy_rows("metrics_storedflag", FLAG_COLUMNS, raised, FLAG_TYPES)
    units_write("metrics_flagunit", run.pk, sorted({row[3:5] for row in raised}))
    clock.lap("flags: write")
    if previous_id is not None:
        units_take(
            "metrics_flagunit",
            run_id=run.pk,
            previous_id=previous_id,
            recomputed=recomputed or Units(),
        )
        clock.lap("flags: taken from the previous run")
    return written


def evidence_json(evidence: Evidence) -> str:
    """A flag's evidence as the JSON text it is stored as (orjson: tens of thousands a run)."""
    return orjson.dumps(evidence).decode()


def _recomputed(units: Units) -> Q:
    """The results whose flags are worked out again (those of ``units.flag_units``, if given,
    are then picked out of these)."""
    if units.flag_units is not None:
        return Q(
            metric_id__in={metric for metric, _ in units.flag_units},
            peer_group__in={group for _, group in units.flag_units},
        )
    if units.metric_ids is not None and not units.metric_ids:
        return Q(pk__in=[])
    found = Q()
    if units.metric_ids is not None:
        found &= Q(metric_id__in=units.metric_ids)
    if units.peer_groups is not None:
        found &= Q(peer_group__in=units.peer_groups)
    return found


# What the flags read of a series (metrics.flags.SeriesFacts).
SERIES_FACTS = (
    "latest_period_end",
    "latest_value",
    "latest_signals",
    "latest_classification",
    "trial",
    "concern_outside_limits",
    "concern_run_or_trend",
    "consistently_fails",
    "mean",
    "ucl",
    "lcl",
    "assurance",
)


def series_changed_units(
    run: CalculationRun, previous_id: int, organisation_ids: Collection[int]
) -> set[tuple[int, str]]:
    """The (metric, peer group) units of the series of ``organisation_ids`` whose flag facts
    differ from run ``previous_id``'s: a body's new version often leaves most series as they
    were, and their flags with them."""
    if not organisation_ids:
        return set()
    bodies = list(organisation_ids)
    found = {}
    for run_id in (run.pk, previous_id):
        found[run_id] = {
            (organisation, metric): facts
            for organisation, metric, *facts in SpcSeries.objects.filter(
                run_id=run_id, organisation_id__in=bodies
            ).values_list("organisation_id", "metric_id", *SERIES_FACTS)
        }
    new, before = found[run.pk], found[previous_id]
    changed = {key for key in new.keys() | before.keys() if new.get(key) != before.get(key)}
    if not changed:
        return set()
    groups = MetricResult.objects.filter(
        run_id__in=[run.pk, previous_id], organisation_id__in=bodies
    ).values_list("organisation_id", "metric_id", "peer_group")
    return {
        (metric, group)
        for organisation, metric, group in groups
        if (organisation, metric) in changed
    }
