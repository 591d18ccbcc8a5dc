"""What a calculation run changed against the previous published run of its quarter: the
summary its page leads with. Set-based: a constant number of queries whatever the data size
(each difference is an anti-join in the database, only the listed rows come back).

A run of a quarter is published when it finishes (``CurrentRun`` switches in the same
transaction), so the previous published run is the quarter's run that finished last before it.
Bodies' rows (inputs, quartiles, flags) are counted and listed within the reader's scope;
the quartile thresholds are national and shown to anyone who may see the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery

from accounts.scope import AnyUser, is_national, organisations_visible_to
from metrics.calculation.inputs import input_set_members
from metrics.engine.kinds import FlagKind
from metrics.models.calculation import CalculationRun, RunStatus
from metrics.models.results import Flag, MetricResult, QuartileThreshold
from metrics.models.returns import ReturnVersion

LISTED = 50  # rows listed per kind of change; every count is whole


@dataclass(frozen=True)
class ThresholdMove:
    metric_code: str
    metric_name: str
    peer_group: str
    before: tuple[float, float, float] | None  # (P25, P50, P75); None: no quartiles before
    after: tuple[float, float, float] | None


@dataclass(frozen=True)
class BodyChange:
    """A body's row that the run changed: a flag raised or cleared, a quartile moved."""

    ods_code: str
    name: str
    metric_code: str
    what: str  # the flag's kind, or "quartile 2 → 4"


@dataclass(frozen=True)
class Changes:
    count: int
    listed: list[BodyChange]


@dataclass(frozen=True)
class RunSummary:
    previous: CalculationRun | None  # None: the quarter's first published run
    new_inputs: int  # return versions read that the previous run did not read
    new_inputs_listed: list[ReturnVersion]
    thresholds: list[ThresholdMove]
    quartiles: Changes
    raised: Changes
    cleared: Changes
    scoped: bool  # bodies' rows counted within the reader's scope only


def previous_published_run(run: CalculationRun) -> CalculationRun | None:
    if run.finished_at is None:
        return None
    return (
        CalculationRun.objects.filter(
            period_id=run.period_id,
            edition_id=run.edition_id,
            status=RunStatus.FINISHED,
            finished_at__lt=run.finished_at,
        )
        .order_by("-finished_at", "-id")
        .first()
    )


def run_summary(*, run: CalculationRun, user: AnyUser) -> RunSummary | None:
    """What ``run`` changed against the previous published run (None until it has finished)."""
    if run.status != RunStatus.FINISHED:
        return None
    previous = previous_published_run(run)
    visible = organisations_visible_to(user)
    inputs = _new_inputs(run, previous, visible)
    return RunSummary(
        previous=previous,
        new_inputs=inputs.count(),
        new_inputs_listed=list(inputs[:LISTED]),
        thresholds=_threshold_moves(run, previous),
        quartiles=_quartile_moves(run, previous, visible),
        raised=_flag_changes(run, previous, visible),
        cleared=_flag_changes(previous, run, visible) if previous else Changes(0, []),
        scoped=not is_national(user),
    )


def _new_inputs(
    run: CalculationRun, previous: CalculationRun | None, visible: QuerySet[Any]
) -> QuerySet[ReturnVersion]:
    inputs = ReturnVersion.objects.filter(
        pk__in=input_set_members(run.input_set_id), return_record__organisation__in=visible
    )
    if previous is not None:
        inputs = inputs.exclude(pk__in=input_set_members(previous.input_set_id))
    return (
        inputs.defer("file_content")
        .select_related("return_record__organisation", "return_record__period")
        .order_by(
            "-return_record__period__year",
            "-return_record__period__quarter",
            "return_record__organisation__ods_code",
        )
    )


def _threshold_moves(run: CalculationRun, previous: CalculationRun | None) -> list[ThresholdMove]:
    runs = [run.pk] + ([previous.pk] if previous else [])
    rows = QuartileThreshold.objects.filter(run_id__in=runs).values_list(
        "run_id", "metric__code", "metric__name", "peer_group", "p25", "p50", "p75"
    )
    found: dict[tuple[str, str], dict[int, tuple[float, float, float]]] = {}
    names: dict[str, str] = {}
    for run_id, code, name, group, p25, p50, p75 in rows:
        found.setdefault((code, group), {})[run_id] = (p25, p50, p75)
        names[code] = name
    moves = []
    for (code, group), by_run in sorted(found.items()):
        before = by_run.get(previous.pk) if previous else None
        after = by_run.get(run.pk)
        if before != after:
            moves.append(ThresholdMove(code, names[code], group, before, after))
    return moves


def _quartile_moves(
    run: CalculationRun, previous: CalculationRun | None, visible: QuerySet[Any]
) -> Changes:
    """Results whose quartile differs from the previous run's (both quartiled)."""
    if previous is None:
        return Changes(0, [])
    before = MetricResult.objects.filter(
        run=previous,
        organisation_id=OuterRef("organisation_id"),
        metric_id=OuterRef("metric_id"),
        peer_group=OuterRef("peer_group"),
    ).values("quartile")[:1]
    moved = (
        MetricResult.objects.filter(run=run, quartile__isnull=False, organisation__in=visible)
        .annotate(was=Subquery(before))
        .filter(was__isnull=False)
        .exclude(was=F("quartile"))
        .order_by("organisation__ods_code", "metric__code")
    )
    listed = [
        BodyChange(
            result.organisation.ods_code,
            result.organisation.name,
            result.metric.code,
            f"quartile {result.was} → {result.quartile}",
        )
        for result in moved.select_related("organisation", "metric")[:LISTED]
    ]
    return Changes(moved.count(), listed)


def _flag_changes(
    run: CalculationRun, other: CalculationRun | None, visible: QuerySet[Any]
) -> Changes:
    """The flags of ``run`` that ``other`` does not have (raised by ``run`` against ``other``,
    or — swapped — cleared)."""
    flags = Flag.objects.filter(run=run, organisation__in=visible)
    if other is not None:
        same = Flag.objects.filter(
            run=other,
            organisation_id=OuterRef("organisation_id"),
            metric_id=OuterRef("metric_id"),
            kind=OuterRef("kind"),
        )
        flags = flags.exclude(Exists(same))
    flags = flags.order_by("organisation__ods_code", "metric__code", "kind")
    listed = [
        BodyChange(
            flag.organisation.ods_code,
            flag.organisation.name,
            flag.metric.code if flag.metric else "",
            FlagKind(flag.kind).label,
        )
        for flag in flags.select_related("organisation", "metric").defer("evidence", "parameters")[
            :LISTED
        ]
    ]
    return Changes(flags.count(), listed)
