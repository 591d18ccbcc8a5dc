"""System roll-ups, derived set-based from a published run's results (DESIGN.md "Scale":
aggregates in SQL, no query per body): per ICS and metric with a roll-up method, the totals of
its organisations' accepted quarter values, which organisations they count and which are
missing; then the value by ``rollup_rules.value_from_totals``.

The organisations of an ICS are its open trusts the metric applies to — or, for a metric that
applies to no trust, its CCGs: never both, as a trust's patients are its CCGs' too and a sum
over both would count them twice. The ICS's own body is not one of them: its own submitted
value is shown beside the roll-up. A ratio reads
each body's numerator and denominator from its accepted version: the quarter's months for a
quarterly, summed or averaged metric, the latest month with data for a latest-month one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Cast

from metrics.engine.kinds import QuarterBasis
from metrics.models.calculation import CurrentRun
from metrics.models.catalogue import Metric, Period
from metrics.models.results import MetricResult
from metrics.models.returns import Value
from oversight.models import Organisation, OrganisationKind, Sector
from systemlens.models import Population, SystemRollup
from systemlens.rollup_rules import RATIO, SUM, WEIGHTED_MEAN, Totals, ratio_per, value_from_totals

Key = tuple[int, int]  # (system id, metric id)


TRUST_SECTORS = frozenset(Sector.values)


def member_kind(metric: Metric) -> str:
    """Whose values make an ICS's roll-up of the metric: its trusts', else its CCGs'."""
    if metric.applicable_groups & TRUST_SECTORS:
        return OrganisationKind.TRUST
    return OrganisationKind.CCG


def _part(period: Period, field: str, *, latest: bool) -> Subquery:
    values = Value.objects.filter(
        version_id=OuterRef("version_id"),
        metric_id=OuterRef("metric_id"),
        period_end__range=(period.start, period.end),
    )
    if latest:
        return Subquery(values.order_by("-period_end").values(field)[:1])
    return Subquery(
        values.order_by().values("version_id").annotate(total=Sum(field)).values("total")[:1]
    )


def _inputs(run_id: int, period: Period, metrics: list[Metric], method: str) -> QuerySet[Any]:
    """The run's results of the bodies in ICSs for the method's metrics, each with what the
    method needs, keeping only the bodies that have it."""
    of_method = [m for m in metrics if m.rollup == method]
    results: QuerySet[Any] = MetricResult.objects.filter(
        Q(metric__in=[m for m in of_method if member_kind(m) == OrganisationKind.TRUST])
        & Q(organisation__kind=OrganisationKind.TRUST)
        | Q(metric__in=[m for m in of_method if member_kind(m) == OrganisationKind.CCG])
        & Q(organisation__kind=OrganisationKind.CCG),
        run_id=run_id,
        organisation__system__isnull=False,
    )
    if method == RATIO:
        latest = [m.pk for m in metrics if m.quarter_basis == QuarterBasis.LATEST]
        for field in ("numerator", "denominator"):
            results = results.annotate(
                **{
                    f"{field}_latest": _part(period, field, latest=True),
                    f"{field}_quarter": _part(period, field, latest=False),
                }
            )
        results = results.annotate(
            num=_pick(latest, "numerator"), den=_pick(latest, "denominator")
        ).filter(num__isnull=False, den__isnull=False)
    if method == WEIGHTED_MEAN:
        population = Population.objects.filter(
            organisation_id=OuterRef("organisation_id"), year=period.year
        ).values("population")[:1]
        results = results.annotate(body_weight=Cast(Subquery(population), FloatField())).filter(
            body_weight__isnull=False
        )
    return results


def _pick(latest_metric_ids: list[int], field: str) -> Any:
    return Case(
        When(metric_id__in=latest_metric_ids, then=F(f"{field}_latest")),
        default=F(f"{field}_quarter"),
        output_field=FloatField(),
    )


def _totals(inputs: QuerySet[Any], method: str) -> dict[Key, Totals]:
    # Named total_* so no total shadows a field or annotation of the rows it adds up.
    sums: dict[str, Any] = {"count": Count("id"), "value": Sum("value")}
    if method == RATIO:
        sums |= {"numerator": Sum("num"), "denominator": Sum("den")}
    if method == WEIGHTED_MEAN:
        sums |= {
            "weighted_value": Sum(F("value") * F("body_weight")),
            "weight": Sum("body_weight"),
        }
    grouped = (
        inputs.order_by()
        .values("organisation__system_id", "metric_id")
        .annotate(**{f"total_{name}": total for name, total in sums.items()})
    )
    return {
        (row["organisation__system_id"], row["metric_id"]): Totals(
            **{name: row[f"total_{name}"] or 0 for name in sums}
        )
        for row in grouped
    }


def _members(inputs: QuerySet[Any]) -> dict[Key, list[str]]:
    members: dict[Key, list[str]] = defaultdict(list)
    rows = inputs.order_by("organisation__ods_code").values_list(
        "organisation__system_id", "metric_id", "organisation__ods_code"
    )
    for system_id, metric_id, code in rows:
        members[(system_id, metric_id)].append(code)
    return members


def _expected(period: Period, metrics: list[Metric]) -> dict[Key, list[str]]:
    """The bodies of each ICS each metric applies to, open at the quarter's end."""
    bodies = (
        Organisation.objects.open_on(period.end)
        .filter(system__isnull=False, kind__in=[OrganisationKind.TRUST, OrganisationKind.CCG])
        .order_by("ods_code")
        .only("ods_code", "kind", "sector", "system_id")
    )
    expected: dict[Key, list[str]] = defaultdict(list)
    for body in bodies:
        for metric in metrics:
            if body.kind == member_kind(metric) and metric.applies_to_body(body):
                expected[(body.system_id or 0, metric.pk)].append(body.ods_code)
    return expected


@transaction.atomic
def rollups_recompute(*, run_id: int) -> int:
    """Derive the quarter's roll-ups from run ``run_id`` if it is its quarter's current run
    (else a later run's publication does it); replace the quarter's rows. Safe to repeat."""
    current = CurrentRun.objects.filter(run_id=run_id).select_related("period").first()
    if current is None:
        return 0
    period = current.period
    metrics = list(
        Metric.objects.filter(edition_id=current.edition_id, local_to__isnull=True).exclude(
            rollup=""
        )
    )
    expected = _expected(period, metrics)
    rows: list[SystemRollup] = []
    by_id = {metric.pk: metric for metric in metrics}
    for method in (SUM, RATIO, WEIGHTED_MEAN):
        inputs = _inputs(run_id, period, metrics, method)
        totals, members = _totals(inputs, method), _members(inputs)
        for key in sorted({k for k in expected if by_id[k[1]].rollup == method} | set(totals)):
            metric = by_id[key[1]]
            found = totals.get(key, Totals(count=0))
            included = members.get(key, [])
            per = ratio_per(metric.value_type, metric.rollup_per)
            rows.append(
                SystemRollup(
                    period=period,
                    system_id=key[0],
                    metric=metric,
                    method=method,
                    value=value_from_totals(method, found, per),
                    numerator=found.numerator if method == RATIO and found.count else None,
                    denominator=found.denominator if method == RATIO and found.count else None,
                    included=included,
                    missing=[c for c in expected.get(key, []) if c not in set(included)],
                    run_id=run_id,
                )
            )
    SystemRollup.objects.filter(period=period, metric__edition_id=current.edition_id).delete()
    SystemRollup.objects.bulk_create(rows)
    return len(rows)
