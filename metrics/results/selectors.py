"""Reads of calculation results for pages and the API, always scoped and through `CurrentRun`.

"Current" results are the rows of the run a quarter's `CurrentRun` points at (DESIGN.md: no
reader ever sees a half-written quarter); a specific run's rows can be asked for by id, to
explain an earlier answer. Rows about bodies are filtered by the user's scope in the query.

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db.models import Count, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.scope import AnyUser, normalise_ods_code, organisations_visible_to
from metrics.catalogue.periods import PeriodLabelError, parse_label, period_q
from metrics.engine.flag_words import flag_sentences
from metrics.models.calculation import CalculationRun, CurrentRun
from metrics.models.catalogue import Period
from metrics.models.results import Flag, MetricResult, QuartileThreshold, SpcSeries
from oversight.errors import NotFound

M = TypeVar("M", bound=Model)

PEER_GROUP_NAMES = {
    "ics": "integrated care systems",
    "ccg": "clinical commissioning groups",
    "practice": "GP practices",
    "trust:acute": "acute trusts",
    "trust:mental_health": "mental health trusts",
    "trust:community": "community trusts",
    "trust:ambulance": "ambulance trusts",
    "trust:specialist": "specialist trusts",
}


def peer_group_name(peer_group: str) -> str:
    return PEER_GROUP_NAMES.get(peer_group, peer_group)


def _in_scope(queryset: QuerySet[M], user: AnyUser) -> QuerySet[M]:
    return queryset.filter(organisation__in=organisations_visible_to(user))


def _of_run(queryset: QuerySet[M], run_id: int | None) -> QuerySet[M]:
    """The rows of one run by id, else the rows of every quarter's current run."""
    if run_id is not None:
        return queryset.filter(run_id=run_id)
    return queryset.filter(run__current_for__isnull=False)


# --- results -----------------------------------------------------------------------------------


def _threshold(field: str) -> Subquery:
    return Subquery(
        QuartileThreshold.objects.filter(
            run_id=OuterRef("run_id"),
            metric_id=OuterRef("metric_id"),
            peer_group=OuterRef("peer_group"),
        ).values(field)[:1]
    )


def with_thresholds(queryset: QuerySet[MetricResult]) -> QuerySet[MetricResult]:
    """Each row with its peer group's national thresholds and size, in the same query."""
    bodies = (
        MetricResult.objects.filter(
            run_id=OuterRef("run_id"),
            metric_id=OuterRef("metric_id"),
            peer_group=OuterRef("peer_group"),
        )
        .order_by()
        .values("run_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(
        threshold_n=_threshold("n"),
        p25=_threshold("p25"),
        p50=_threshold("p50"),
        p75=_threshold("p75"),
        peer_group_size=Coalesce(Subquery(bodies), 0),
    )


@dataclass(frozen=True)
class PeerFigures:
    """What ``with_thresholds`` adds to a result: its peer group's size and, when the group
    had enough bodies, the national thresholds (n, p25, p50, p75)."""

    size: int
    thresholds: dict[str, Any] | None


def peer_figures(result: MetricResult) -> PeerFigures:
    """The annotations of ``with_thresholds``, read in this one place: the type checker sees
    the model's fields, not a queryset's annotations."""
    n = getattr(result, "threshold_n", None)
    thresholds = None
    if n is not None:
        thresholds = {"n": n} | {k: getattr(result, k) for k in ("p25", "p50", "p75")}
    return PeerFigures(size=getattr(result, "peer_group_size", 0), thresholds=thresholds)


def results_list(*, user: AnyUser, run_id: int | None = None) -> QuerySet[MetricResult]:
    """Quarter results of the bodies in scope: current runs, or one run's by id."""
    queryset = _of_run(cast(QuerySet[MetricResult], MetricResult.objects.all()), run_id)
    return with_thresholds(
        _in_scope(queryset, user).select_related(
            "organisation", "metric", "metric__edition", "period", "version"
        )
    ).order_by("period__year", "period__quarter", "metric__code", "organisation__ods_code")


def flags_list(*, user: AnyUser, run_id: int | None = None) -> QuerySet[Flag]:
    queryset = _of_run(cast(QuerySet[Flag], Flag.objects.all()), run_id)
    return (
        _in_scope(queryset, user)
        .select_related("organisation", "metric", "period")
        .order_by("period__year", "period__quarter", "organisation__ods_code", "kind", "id")
    )


# --- SPC ---------------------------------------------------------------------------------------


def spc_series_get(
    *,
    user: AnyUser,
    ods_code: str,
    metric_code: str,
    period: str | None = None,
    run_id: int | None = None,
) -> SpcSeries:
    """One body's series of one metric: the latest quarter with a current run by default.

    Outside the user's scope, unknown, or without a series: all the same 404.
    """
    queryset = _of_run(cast(QuerySet[SpcSeries], SpcSeries.objects.all()), run_id)
    queryset = _in_scope(queryset, user).filter(
        organisation__ods_code=normalise_ods_code(ods_code), metric__code=metric_code
    )
    if period:
        queryset = queryset.filter(period_q(period))
    series = (
        queryset.select_related("organisation", "metric", "metric__edition", "period", "run")
        .order_by("-period__year", "-period__quarter", "-run_id")
        .first()
    )
    if series is None:
        raise NotFound("No SPC series for this body and metric")
    return series


@dataclass(frozen=True)
class QuarterRun:
    """A quarter with a finished current run, for period selectors."""

    period: Period
    run: CalculationRun

    @property
    def slug(self) -> str:
        return self.period.slug


def quarters_with_results() -> list[QuarterRun]:
    """Every quarter's current run, latest quarter first (one query)."""
    pointers = CurrentRun.objects.select_related("period", "edition", "run").order_by(
        "-period__year", "-period__quarter", "edition__code"
    )
    seen: set[int] = set()
    quarters = []
    for pointer in pointers:
        if pointer.period_id not in seen:
            seen.add(pointer.period_id)
            quarters.append(QuarterRun(pointer.period, pointer.run))
    return quarters


def quarter_pick(
    quarters: Sequence[QuarterRun], text: str | None
) -> tuple[QuarterRun | None, QuarterRun | None]:
    """The quarter a ``?period=`` names (the latest by default) and the one before it."""
    chosen = 0
    if text:
        try:
            year, quarter = parse_label(text)
        except PeriodLabelError:
            raise NotFound(f"{text} is not a quarter") from None
        matches = [
            i
            for i, q in enumerate(quarters)
            if (q.period.year, q.period.quarter) == (year, quarter)
        ]
        if not matches:
            raise NotFound(f"No results for {text}")
        chosen = matches[0]
    if not quarters:
        return None, None
    previous = quarters[chosen + 1] if chosen + 1 < len(quarters) else None
    if previous is not None and previous.run.edition_id != quarters[chosen].run.edition_id:
        previous = None  # metrics change between editions: no like-for-like trend
    return quarters[chosen], previous


def flag_texts(flag: Flag) -> list[str]:
    """A flag's evidence in words, rendered now from the facts and parameters its run stored
    (every page, API answer and export that shows a flag's reasons asks here)."""
    return flag_sentences(flag.evidence, flag.parameters)


def evidence_in_words(flag: Flag) -> dict[str, Any]:
    """A flag's stored evidence with each reason's ``text`` rendered (the API's shape)."""
    evidence = flag.evidence if isinstance(flag.evidence, dict) else {}
    reasons = [r for r in evidence.get("reasons", []) if isinstance(r, dict)]
    texts = flag_sentences(flag.evidence, flag.parameters)
    if not reasons:
        return {**evidence, "reasons": []}
    worded = [{**r, "text": text} for r, text in zip(reasons, texts, strict=True)]
    return {**evidence, "reasons": worded}
