"""What the results pages say: a body's metrics by theme, and one result explained in words.

Built from the stored rows of the quarter's current run — never recomputed — so the words say
exactly what the run decided: rank and percentile from RANK(), the quartile from the stored
thresholds by the SOF 2021/22 rule, the score by the NOF 2025/26 manual's step 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from accounts.scope import AnyUser
from metrics.calculation.selectors import run_inputs
from metrics.engine.kinds import FlagKind
from metrics.engine.scoring import score_bookends
from metrics.models.catalogue import Metric, Theme
from metrics.models.results import Flag, MetricResult, SpcSeries
from metrics.models.returns import ReturnVersion
from metrics.results.chart_data import chart_from_series
from metrics.results.charts import render_figure
from metrics.results.flag_words import flag_texts
from metrics.results.mdc import assurance_icon, variation_icon
from metrics.results.numbers import metric_decimals, metric_suffix, metric_value
from metrics.results.provisional import provisional_counts
from metrics.results.selectors import (
    QuarterRun,
    peer_figures,
    peer_group_name,
    with_thresholds,
)
from oversight.models import Organisation

# Flag kinds that speak of a problem, and of a strength: tagged so in words on the pages.
CONCERN_KINDS = (
    FlagKind.BOTTOM_QUARTILE,
    FlagKind.DRAMATIC_DROP,
    FlagKind.SUSTAINED_VERY_POOR,
    FlagKind.SPC_CONCERN,
    FlagKind.FAILING_STANDARD,
    FlagKind.NEGATIVE_VARIANCE_FINANCIAL_PLAN,
    FlagKind.CQC_BELOW_GOOD,
)
STRENGTH_KINDS = (FlagKind.TOP_QUARTILE, FlagKind.SPC_IMPROVEMENT)

QUARTILE_TAGS = {
    1: ("Q1 (best)", "green"),
    2: ("Q2", "aqua-green"),
    3: ("Q3", "yellow"),
    4: ("Q4 (worst)", "red"),
}


def quartile_tag(quartile: int | None) -> SafeString:
    """The quartile as words in an NHS.UK tag: the words carry it, the colour only repeats it."""
    if quartile is None:
        return mark_safe('<span class="app-table__cell--missing">No quartile</span>')
    label, colour = QUARTILE_TAGS[quartile]
    return format_html('<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>', colour, label)


@dataclass(frozen=True)
class Trend:
    arrow: str
    words: str


def trend(metric: Metric, now: float | None, before: float | None) -> Trend:
    """Latest quarter against the previous one, in an arrow and words (better/worse by polarity)."""
    if now is None or before is None:
        return Trend("", "No previous quarter to compare")
    if now == before:
        return Trend("→", f"No change from {metric_value(before, metric)}")
    up = now > before
    verdict = ""
    if metric.polarity != "neutral":
        better = up == (metric.polarity == "higher_better")
        verdict = " (better)" if better else " (worse)"
    words = f"{'Up' if up else 'Down'} from {metric_value(before, metric)}{verdict}"
    return Trend("↑" if up else "↓", words)


@dataclass
class MetricRow:
    metric: Metric
    result: MetricResult | None
    previous: MetricResult | None
    series: SpcSeries | None
    flags: int = 0
    provisional: tuple[int, int] | None = None  # (bodies in, expected): quartile may move

    @property
    def quartile(self) -> SafeString:
        if not self.metric.scored:
            return mark_safe('<span class="app-table__cell--missing">Contextual</span>')
        return quartile_tag(self.result.quartile if self.result else None)

    @property
    def trend(self) -> Trend:
        return trend(
            self.metric,
            self.result.value if self.result else None,
            self.previous.value if self.previous else None,
        )

    @property
    def variation(self) -> SafeString:
        return variation_icon(self.series.variation if self.series else None)

    @property
    def assurance(self) -> SafeString:
        return assurance_icon(self.series.assurance if self.series else None)


@dataclass
class ThemeRows:
    theme: Theme
    rows: list[MetricRow] = field(default_factory=list)


@dataclass(frozen=True)
class FlagView:
    flag: Flag
    texts: list[str]


def quarter_choices(quarters: list[QuarterRun]) -> list[tuple[str, str]]:
    return [(q.slug, q.period.label) for q in quarters]


def profile_themes(
    organisation: Organisation, quarter: QuarterRun, previous: QuarterRun | None
) -> tuple[list[ThemeRows], list[FlagView]]:
    """Every metric of the edition that applies to the body, by theme, and the body's flags.

    Five queries: metrics, this quarter's results, last quarter's, SPC series and flags.
    """
    run = quarter.run
    metrics = Metric.objects.filter(edition_id=run.edition_id).select_related("theme")
    results = {
        r.metric_id: r
        for r in with_thresholds(MetricResult.objects.filter(run=run, organisation=organisation))
    }
    provisional = provisional_counts(results.values(), quarter.period)
    before: dict[int, MetricResult] = {}
    if previous is not None:
        before = {
            r.metric_id: r
            for r in MetricResult.objects.filter(run=previous.run, organisation=organisation)
        }
    series = {
        s.metric_id: s
        for s in SpcSeries.objects.filter(run=run, organisation=organisation).defer("result")
    }
    flags = list(
        Flag.objects.filter(run=run, organisation=organisation)
        .select_related("metric")
        .order_by("metric__code", "kind")
    )
    themes: dict[int, ThemeRows] = {}
    for metric in sorted(metrics, key=lambda m: (m.theme.order, m.theme.name, m.code)):
        if not (metric.applies_to_body(organisation) or metric.pk in results):
            continue
        rows = themes.setdefault(metric.theme_id, ThemeRows(metric.theme))
        rows.rows.append(
            MetricRow(
                metric,
                results.get(metric.pk),
                before.get(metric.pk),
                series.get(metric.pk),
                flags=sum(1 for f in flags if f.metric_id == metric.pk),
                provisional=provisional.get(metric.pk),
            )
        )
    return list(themes.values()), [FlagView(f, flag_texts(f, f.metric)) for f in flags]


# --- one metric, explained -------------------------------------------------------------------


@dataclass
class Explanation:
    result: MetricResult | None
    series: SpcSeries | None
    figure: str
    peer_group: str
    thresholds: dict[str, Any] | None
    rank_text: str
    quartile_text: str
    score_text: str
    inputs: list[ReturnVersion]
    flags: list[FlagView]


def metric_explanation(
    *, user: AnyUser, organisation: Organisation, metric: Metric, quarter: QuarterRun
) -> Explanation:
    run = quarter.run
    result = (
        with_thresholds(
            MetricResult.objects.filter(run=run, organisation=organisation, metric=metric)
        )
        .select_related("version", "version__return_record__period")
        .first()
    )
    series = SpcSeries.objects.filter(run=run, organisation=organisation, metric=metric).first()
    figure = ""
    if series is not None:
        chart = chart_from_series(
            series.result,
            title=f"{metric.code} {metric.name}",
            unit=metric.unit,
            variation=series.variation,
            assurance=series.assurance,
            neutral=metric.polarity == "neutral",
        ).to_places(metric_decimals(metric), metric_suffix(metric))
        figure = render_figure(chart, chart_id=f"spc-{slugify(metric.code)}")
    flags = Flag.objects.filter(run=run, organisation=organisation, metric=metric).order_by("kind")
    inputs = run_inputs(user=user, run=run).filter(return_record__organisation=organisation)
    thresholds = _thresholds(metric, result)
    return Explanation(
        result=result,
        series=series,
        figure=figure,
        peer_group=peer_group_name(result.peer_group if result else organisation.peer_group),
        thresholds=thresholds,
        rank_text=rank_text(metric, result),
        quartile_text=quartile_text(metric, result, thresholds),
        score_text=score_text(metric, result),
        inputs=list(inputs),
        flags=[FlagView(f, flag_texts(f, metric)) for f in flags],
    )


def _thresholds(metric: Metric, result: MetricResult | None) -> dict[str, Any] | None:
    """The peer group's quartile thresholds; none for a contextual metric (never quartiled)."""
    if result is None or not metric.scored:
        return None
    return peer_figures(result).thresholds


def rank_text(metric: Metric, result: MetricResult | None) -> str:
    if result is None:
        return "No accepted value this quarter, so no rank, quartile or score."
    if result.rank is None:
        return "A neutral metric has no better or worse, so it is not ranked."
    n = peer_figures(result).size
    group = peer_group_name(result.peer_group)
    text = f"Rank {result.rank} of {n} {group} (1 = best; tied values share the best rank)"
    if result.percentile is not None and n > 1:
        text += (
            f"; percentile rank ({result.rank} − 1)/({n} − 1) = {result.percentile:.3f}"
            " (0 = best, 1 = worst)"
        )
    return text + "."


def quartile_text(metric: Metric, result: MetricResult | None, t: dict[str, Any] | None) -> str:
    if result is None:
        return ""
    if not metric.scored:
        return "A contextual metric: shown for context, never quartiled, scored or flagged."
    if metric.polarity == "neutral":
        return "Neutral metrics get no quartile."
    if t is None or result.quartile is None:
        return "Fewer than 4 bodies of the peer group have a value: no quartile."
    p25, p50, p75 = (metric_value(t[k], metric) for k in ("p25", "p50", "p75"))
    v = metric_value(result.value, metric)
    where = {
        "higher_better": {
            1: f"at or above P75 ({p75})",
            2: f"at or above P50 ({p50}) and below P75 ({p75})",
            3: f"above P25 ({p25}) and below P50 ({p50})",
            4: f"at or below P25 ({p25})",
        },
        "lower_better": {
            1: f"at or below P25 ({p25})",
            2: f"above P25 ({p25}) and at or below P50 ({p50})",
            3: f"above P50 ({p50}) and below P75 ({p75})",
            4: f"at or above P75 ({p75})",
        },
    }[metric.polarity][result.quartile]
    label = QUARTILE_TAGS[result.quartile][0]
    return f"Value {v} is {where} → quartile {result.quartile}, {label}."


def score_text(metric: Metric, result: MetricResult | None) -> str:
    if result is None:
        return ""
    if not metric.scored:
        return "A contextual metric: shown, not scored."
    if result.score is None:
        return "No score: neutral metrics and values outside a score map are not scored."
    score = f"{result.score:.2f}"
    if metric.score_map:
        value = metric_value(result.value, metric)
        return f"Score {score} from the metric's score map ({metric.score_map}) for {value}."
    higher = metric.polarity == "higher_better"
    if metric.standard is not None and (
        result.value >= metric.standard if higher else result.value <= metric.standard
    ):
        standard = metric_value(metric.standard, metric)
        return f"Meets the standard ({standard}): score {score}, the best."
    if metric.floor is not None and (
        result.value < metric.floor if higher else result.value > metric.floor
    ):
        return f"Fails the floor ({metric_value(metric.floor, metric)}): score {score}, the worst."
    lo, hi = score_bookends(standard=metric.standard, floor=metric.floor)
    rank, n, among = _score_rank(metric, result)
    if n <= 1:
        return f"The only body ranked {among}: score {score} = {lo}."
    spread = hi - lo
    exact = lo + spread * Decimal(rank - 1) / Decimal(n - 1)
    return (
        f"Score {score} = {lo} + {spread} × ({rank} − 1)/({n} − 1) = {exact:.4f}, rounded to "
        f"2 decimal places; spread by rank between {lo} and {hi} {among}."
    )


def _score_rank(metric: Metric, result: MetricResult) -> tuple[int, int, str]:
    """Rank and count among the bodies scored by rank (neither meeting standard nor failing floor).

    Without a standard or floor that is the stored rank; otherwise one query counts them.
    """
    group = peer_group_name(result.peer_group)
    if metric.standard is None and metric.floor is None:
        return result.rank or 1, peer_figures(result).size, f"across the {group}"
    higher = metric.polarity == "higher_better"
    middle = Q()
    if metric.standard is not None:
        middle &= Q(value__lt=metric.standard) if higher else Q(value__gt=metric.standard)
    if metric.floor is not None:
        middle &= Q(value__gte=metric.floor) if higher else Q(value__lte=metric.floor)
    better = Q(value__gt=result.value) if higher else Q(value__lt=result.value)
    counts = MetricResult.objects.filter(
        run_id=result.run_id, metric_id=result.metric_id, peer_group=result.peer_group
    ).aggregate(n=Count("id", filter=middle), better=Count("id", filter=middle & better))
    return (
        counts["better"] + 1,
        counts["n"],
        f"among the {counts['n']} {group} neither meeting the standard nor failing the floor",
    )
