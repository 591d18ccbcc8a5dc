"""The flags step of a calculation run: gather each body's facts, apply metrics.flags, COPY.

DESIGN.md "Flags". A flag on a body's metric depends on that result (value, rank, quartile and
the peer group's thresholds), the body's SPC series and the previous quarters' quartiles. So a
run works out the flags on the results and series it computed, and carries the others over from
the previous run — unless the previous quarters' current runs changed since (``flag_history``),
when every flag of the quarter is worked out again. The facts come in four queries — results,
thresholds, signalling SPC series and previous quarters' quartiles — never one query per body.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping

from django.db.models import Q

from metrics.calculation.national_sql import Units, units_take, units_write
from metrics.engine.flags import (
    Definition,
    Facts,
    MetricFacts,
    PastQuartile,
    ResultFacts,
    SeriesFacts,
    Thresholds,
    body_metric_flags,
    compile_rules,
)
from metrics.engine.spc.kinds import Classification
from metrics.models.calculation import CalculationRun, CurrentRun
from metrics.models.catalogue import Metric, Period
from metrics.models.results import MetricResult, QuartileThreshold, SpcSeries
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
    results = MetricResult.objects.filter(run=run)
    wanted = None
    if previous_id is not None:
        units = recomputed or Units()
        results = results.filter(_recomputed(units))
        if units.flag_units is not None:
            wanted = set(units.flag_units)
    # A contextual metric is shown, never flagged (DESIGN.md: "scored or contextual").
    flagged = {pk for pk, metric in metrics.items() if metric.scored}
    rows = [
        row
        for row in results.values_list(
            "organisation_id", "metric_id", "peer_group", "value", "rank", "quartile", "score"
        )
        if row[1] in flagged and (wanted is None or (row[1], row[2]) in wanted)
    ]
    # Bodies and metrics as lists, not subqueries: a run's rows are new to the planner's
    # statistics. (Without a previous run, every body's and metric's.)
    scope = None
    if previous_id is not None:
        scope = (sorted({row[0] for row in rows}), sorted({row[1] for row in rows}))
    thresholds = _thresholds(run)
    signalling = _signalling_series(run, scope)
    past = _history(history, scope)
    clock.lap("flags: read facts")
    metric_facts = {
        pk: MetricFacts(m.code, m.name, m.polarity, m.standard) for pk, m in metrics.items()
    }
    label = run.period.label
    encoded = {kind: json.dumps(definition) for kind, definition in definitions.items()}
    rules = compile_rules(definitions)
    encode = _ENCODER.encode
    stored_in, period_id = run.pk, run.period_id
    raised = []
    for organisation_id, metric_id, group, value, rank, quartile, score in rows:
        key = (organisation_id, metric_id)
        threshold = thresholds.get((metric_id, group))
        result = ResultFacts(value, group, rank, quartile, score, threshold)
        facts = Facts(metric_facts[metric_id], result, signalling.get(key), past(key), label)
        for kind, evidence in body_metric_flags(facts, rules).items():
            raised.append(
                (
                    stored_in,
                    period_id,
                    organisation_id,
                    metric_id,
                    group,
                    kind,
                    encode(evidence),
                    encoded[kind],
                )
            )
    clock.lap("flags: raise")
    written = copy_rows("metrics_storedflag", FLAG_COLUMNS, raised)
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


def _thresholds(run: CalculationRun) -> dict[tuple[int, str], Thresholds]:
    rows = QuartileThreshold.objects.filter(run=run).values_list(
        "metric_id", "peer_group", "n", "p25", "p50", "p75"
    )
    return {
        (metric, group): Thresholds(n, p25, p50, p75) for metric, group, n, p25, p50, p75 in rows
    }


Scope = tuple[list[int], list[int]] | None  # (bodies, metrics); None: all


def _signalling_series(run: CalculationRun, scope: Scope) -> dict[Key, SeriesFacts]:
    """Only the series whose latest point or assurance can raise a flag (in ``scope``)."""
    signalling = (
        Q(concern_outside_limits=True)
        | Q(concern_run_or_trend=True)
        | Q(consistently_fails=True)
        | Q(
            trial=False,
            latest_classification__in=[Classification.IMPROVEMENT, Classification.CONCERN],
        )
    )
    series = SpcSeries.objects.filter(run=run)
    if scope is not None:
        series = series.filter(organisation_id__in=scope[0], metric_id__in=scope[1])
    rows = series.filter(signalling).values_list(
        "organisation_id",
        "metric_id",
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
    return {
        (organisation, metric): SeriesFacts(str(period_end), *facts)
        for organisation, metric, period_end, *facts in rows
    }


class _History:
    """Quartiles of the previous quarters' current results, most recent first, per key."""

    def __init__(
        self, labels: list[tuple[int, str]], quartiles: dict[Key, dict[int, int | None]]
    ) -> None:
        self.labels = labels
        self.quartiles = quartiles
        self.empty = tuple(PastQuartile(label, None) for _, label in labels)
        self.seen: dict[tuple[int | None, ...], tuple[PastQuartile, ...]] = {}

    def __call__(self, key: Key) -> tuple[PastQuartile, ...]:
        found = self.quartiles.get(key)
        if found is None:
            return self.empty
        pattern = tuple(found.get(pk) for pk, _ in self.labels)  # a few dozen distinct ones
        history = self.seen.get(pattern)
        if history is None:
            history = tuple(
                PastQuartile(label, quartile)
                for (_, label), quartile in zip(self.labels, pattern, strict=True)
            )
            self.seen[pattern] = history
        return history


def _history(history: list[list[int]], scope: Scope) -> _History:
    """The quartiles of the ``history`` runs (in ``scope``)."""
    labels = {p.pk: p.label for p in Period.objects.filter(pk__in=[pk for pk, _ in history])}
    runs = [run_id for _, run_id in history if run_id]
    # The runs first, so the results are read through their (run, …) index.
    rows = MetricResult.objects.filter(run_id__in=runs, quartile__isnull=False)
    if scope is not None:
        rows = rows.filter(organisation_id__in=scope[0], metric_id__in=scope[1])
    quartiles: dict[Key, dict[int, int | None]] = defaultdict(dict)
    for organisation, metric, period_id, quartile in rows.values_list(
        "organisation_id", "metric_id", "period_id", "quartile"
    ):
        quartiles[(organisation, metric)][period_id] = quartile
    return _History([(pk, labels[pk]) for pk, _ in history], dict(quartiles))
