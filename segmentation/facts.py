"""A quarter's facts for the pure steps: each body's results, flags and open support cases, as
one calculation run published them. Four queries, whatever the number of bodies."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import Metric
from metrics.models.results import Flag, MetricResult
from oversight.models import Organisation
from segmentation.criteria import BodyFacts, FlagFact, MetricFact
from segmentation.support import support_open


def metric_facts_of(edition_id: int) -> dict[int, MetricFact]:
    """Each metric of the edition as a fact with no result yet (filled per body below)."""
    metrics = Metric.objects.filter(edition_id=edition_id).select_related("theme")
    return {
        metric.pk: MetricFact(
            code=metric.code,
            name=metric.name,
            theme=metric.theme.slug,
            theme_name=metric.theme.name,
            scored=metric.scored,
            weight=metric.exact_weight,
            value=None,
            quartile=None,
            score=None,
        )
        for metric in metrics
    }


def quarter_facts(run: CalculationRun, kinds: frozenset[str]) -> dict[int, BodyFacts]:
    """The facts of every body of these kinds open at the quarter's end, by organisation id."""
    open_bodies = Organisation.objects.open_on(run.period.end).filter(kind__in=kinds)
    bodies = {
        pk: (kind, peer_group)
        for pk, kind, peer_group in open_bodies.values_list("pk", "kind", "peer_group")
    }
    metrics = metric_facts_of(run.edition_id)
    results: dict[int, list[MetricFact]] = defaultdict(list)
    rows = (
        MetricResult.objects.filter(run_id=run.pk, organisation__kind__in=kinds)
        .values_list("organisation_id", "metric_id", "value", "quartile", "score")
        .order_by("organisation_id", "metric_id")
    )
    for body, metric_id, value, quartile, score in rows:
        base = metrics[metric_id]
        results[body].append(
            MetricFact(
                **{**vars(base), "value": value, "quartile": quartile, "score": _decimal(score)}
            )
        )
    flags: dict[int, list[FlagFact]] = defaultdict(list)
    flag_rows = (
        Flag.objects.filter(run_id=run.pk, organisation__kind__in=kinds)
        .values_list("organisation_id", "metric_id", "kind")
        .order_by("organisation_id", "metric_id", "kind")
    )
    for body, metric_id, kind in flag_rows:
        code = metrics[metric_id].code if metric_id in metrics else ""
        flags[body].append(FlagFact(kind=kind, metric=code))
    support = support_open(bodies, run.period.end)
    return {
        pk: BodyFacts(
            kind=kind,
            peer_group=peer_group,
            metrics=tuple(results.get(pk, ())),
            flags=tuple(flags.get(pk, ())),
            support=tuple(support.get(pk, ())),
        )
        for pk, (kind, peer_group) in bodies.items()
    }


def _decimal(score: object) -> Decimal | None:
    if score is None:
        return None
    return score if isinstance(score, Decimal) else Decimal(str(score))
