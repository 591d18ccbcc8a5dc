"""Reads of the system lens for pages and the API, always through the user's scope
(``systemlens.access``), each a constant number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from accounts.scope import AnyUser, organisations_visible_to
from metrics.models.catalogue import Metric, Period, Theme
from metrics.models.results import MetricResult
from metrics.results.selectors import QuarterRun, quarters_with_results
from oversight.models import Organisation, OrganisationKind, System
from systemlens.access import (
    agreements_visible,
    concerns_visible,
    meetings_visible,
)
from systemlens.models import (
    Agreement,
    AgreementVersion,
    Concern,
    LensEvent,
    Meeting,
    ServedSystem,
    SystemRollup,
)


def system_bodies(system: System) -> QuerySet[Organisation]:
    """The ICS's organisations (not its own body), with those it serves across ICSs."""
    return (
        Organisation.objects.filter(Q(system=system) | Q(served_systems__system=system))
        .exclude(kind=OrganisationKind.ICS)
        .distinct()
        .order_by("kind", "name")
    )


def agreement_of(user: AnyUser, system: System, year: int | None = None) -> Agreement | None:
    """The ICS's agreement for the year (the latest year by default), versions prefetched."""
    agreements = agreements_visible(user).filter(system=system).order_by("-year")
    if year is not None:
        agreements = agreements.filter(year=year)
    return agreements.prefetch_related(
        Prefetch(
            "versions",
            queryset=AgreementVersion.objects.select_related("recorded_by").prefetch_related(
                "priorities__metric"
            ),
        ),
        Prefetch("reviews", queryset=agreement_reviews()),
    ).first()


def agreement_reviews() -> QuerySet[Any]:
    from systemlens.models import AgreementReview

    return AgreementReview.objects.select_related("period", "version", "recorded_by")


def system_meetings(user: AnyUser, system: System) -> QuerySet[Meeting]:
    bodies = Organisation.objects.filter(Q(system=system) | Q(served_systems__system=system))
    return (
        meetings_visible(user)
        .filter(organisation__in=bodies)
        .select_related("organisation", "recorded_by")
        .prefetch_related("actions__owner")
        .order_by("-held_on", "-id")
    )


def system_concerns(user: AnyUser, system: System) -> QuerySet[Concern]:
    bodies = Organisation.objects.filter(Q(system=system) | Q(served_systems__system=system))
    return (
        concerns_visible(user)
        .filter(organisation__in=bodies)
        .select_related("organisation", "metric", "period")
        .order_by("closed_at", "-opened_at")
    )


def system_events(system: System, limit: int = 20) -> list[LensEvent]:
    """The latest changes recorded about the ICS and its bodies: who did what, when."""
    return list(
        LensEvent.objects.filter(system=system).select_related("actor", "organisation")[:limit]
    )


def lead_systems(organisations: list[Organisation]) -> dict[int, System]:
    """The agreed lead ICS of each body overseen across ICSs (one query)."""
    rows = ServedSystem.objects.filter(organisation__in=organisations, is_lead=True)
    return {row.organisation_id: row.system for row in rows.select_related("system")}


# --- roll-ups and the grid ---------------------------------------------------------------------


@dataclass
class RollupRow:
    rollup: SystemRollup
    own_value: float | None


def latest_quarter() -> QuarterRun | None:
    quarters = quarters_with_results()
    return quarters[0] if quarters else None


def system_rollups(system: System, period: Period) -> list[RollupRow]:
    """The ICS's roll-ups for the quarter, each beside the ICS's own accepted value."""
    rollups = list(
        SystemRollup.objects.filter(system=system, period=period)
        .select_related("metric", "metric__theme")
        .order_by("metric__theme__order", "metric__code")
    )
    own = dict(
        MetricResult.objects.current()
        .filter(
            period=period,
            organisation__kind=OrganisationKind.ICS,
            organisation__system=system,
            metric__in=[r.metric_id for r in rollups],
        )
        .values_list("metric_id", "value")
    )
    return [RollupRow(rollup, own.get(rollup.metric_id)) for rollup in rollups]


@dataclass
class GridRow:
    organisation: Organisation
    cells: list[MetricResult | None]


@dataclass
class Grid:
    """The ICS's organisations (rows) against the quarter's metrics by theme (columns)."""

    themes: list[tuple[Theme, int]] = field(default_factory=list)  # (theme, its column count)
    metrics: list[Metric] = field(default_factory=list)
    rows: list[GridRow] = field(default_factory=list)


def system_grid(user: AnyUser, system: System, quarter: QuarterRun) -> Grid:
    """Two queries: the bodies, and their current results with metric and theme."""
    bodies = list(system_bodies(system).filter(id__in=organisations_visible_to(user).values("id")))
    results = list(
        MetricResult.objects.filter(run_id=quarter.run.pk, organisation__in=bodies)
        .select_related("metric", "metric__theme")
        .order_by("metric__theme__order", "metric__code")
    )
    metrics = list({r.metric_id: r.metric for r in results}.values())
    grid = Grid(metrics=metrics)
    for metric in metrics:
        if grid.themes and grid.themes[-1][0].pk == metric.theme_id:
            grid.themes[-1] = (metric.theme, grid.themes[-1][1] + 1)
        else:
            grid.themes.append((metric.theme, 1))
    found = {(r.organisation_id, r.metric_id): r for r in results}
    grid.rows = [
        GridRow(body, [found.get((body.pk, metric.pk)) for metric in metrics]) for body in bodies
    ]
    return grid
