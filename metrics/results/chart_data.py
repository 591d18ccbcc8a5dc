"""What an SPC chart shows, as plain values: its points and segments, built from a pure
analysis (``chart_from_result``) or from a stored series (``chart_from_series``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from metrics.engine.spc.kinds import SpcResult, SpcRule, classify
from metrics.results.mdc import CLASSIFICATION_LABELS, RULE_LABELS


@dataclass(frozen=True)
class ChartPoint:
    when: date
    value: float
    segment: int
    rule: str | None = None  # the first special cause (metrics.spc.SpcRule), if any
    direction: str | None = None  # "high" or "low"
    classification: str | None = None  # improvement, concern, high, low
    signals: tuple[tuple[str, str, str], ...] = ()  # every (rule, direction, classification)
    places: int | None = None  # decimal places of the metric's values; None: 6 significant

    @property
    def special_cause(self) -> str:
        if self.rule is None:
            return "None (common cause)"
        return f"{RULE_LABELS[SpcRule(self.rule)]} ({self.direction})"

    @property
    def value_text(self) -> str:
        if self.places is not None:
            return f"{round(self.value, self.places) or 0.0:,.{self.places}f}"
        return f"{self.value:,.6g}"

    @property
    def classification_label(self) -> str:
        return CLASSIFICATION_LABELS.get(self.classification or "", "Common cause")


@dataclass(frozen=True)
class ChartSegment:
    start: int  # index of the first point
    end: int  # index after the last point
    mean: float
    ucl: float
    lcl: float
    upper_two_sigma: float
    lower_two_sigma: float
    trial: bool
    baseline_points: int | None = None  # the points its limits come from (None: all of it)


@dataclass(frozen=True)
class SpcChart:
    title: str
    unit: str
    points: tuple[ChartPoint, ...]
    segments: tuple[ChartSegment, ...]
    variation: str
    assurance: str | None
    target: float | None = None
    neutral: bool = False  # a neutral metric: special causes are high/low, not good/bad
    places: int | None = None  # the metric's decimal places; None: at most 2
    suffix: str = ""  # written after each number: "%" for a percentage

    def to_places(self, places: int, suffix: str = "") -> SpcChart:
        """The same chart with every number it writes (data table, labels, text alternative) to
        ``places`` decimal places, followed by ``suffix`` ("%") in its sentences and labels."""
        points = tuple(replace(p, places=places) for p in self.points)
        return replace(self, points=points, places=places, suffix=suffix)

    def number(self, value: float) -> str:
        """A value as the chart's labels and sentences write it: "93.1%", "1,234"."""
        if self.places is None:
            return fmt(value) + self.suffix
        return f"{round(value, self.places) or 0.0:,.{self.places}f}{self.suffix}"

    def segment_start(self, segment: ChartSegment) -> date:
        return self.points[segment.start].when

    def limits_span(self, segment: ChartSegment | None = None) -> str:
        """The months a segment's limits come from (its baseline): "Apr 2019 to Mar 2021"."""
        segment = segment or self.segments[-1]
        end = segment.end
        if segment.baseline_points:
            end = min(end, segment.start + segment.baseline_points)
        first, last = self.points[segment.start].when, self.points[end - 1].when
        if first == last:
            return f"{first:%b %Y}"
        return f"{first:%b %Y} to {last:%b %Y}"

    @property
    def trial(self) -> bool:
        return self.segments[-1].trial

    @property
    def rebased(self) -> bool:
        return len(self.segments) > 1


def chart_from_result(
    result: SpcResult, dates: Sequence[date], *, title: str, unit: str = ""
) -> SpcChart:
    """A chart of a pure SPC result; ``dates`` gives each point's month (or quarter) end."""
    if len(dates) != len(result.points):
        raise ValueError(f"{len(dates)} dates for {len(result.points)} points")
    return SpcChart(
        title=title,
        unit=unit,
        points=tuple(
            ChartPoint(
                when=when,
                value=p.value,
                segment=p.segment,
                rule=p.rule.value if p.rule else None,
                direction=p.direction.value if p.direction else None,
                classification=p.classification.value if p.classification else None,
                signals=tuple(
                    (s.rule.value, s.direction.value, classify(s.direction, result.polarity).value)
                    for s in p.signals
                ),
            )
            for p, when in zip(result.points, dates, strict=True)
        ),
        segments=tuple(
            ChartSegment(
                s.start,
                s.end,
                s.mean,
                s.ucl,
                s.lcl,
                s.upper_two_sigma,
                s.lower_two_sigma,
                s.trial,
                s.baseline_points,
            )
            for s in result.segments
        ),
        variation=result.variation.value,
        assurance=result.assurance.value if result.assurance else None,
        target=result.target,
        neutral=result.polarity == "neutral",
    )


def chart_from_series(
    result: Mapping[str, Any],
    *,
    title: str,
    unit: str = "",
    variation: str,
    assurance: str,
    neutral: bool = False,
) -> SpcChart:
    """A chart of a stored series' ``result`` document (metrics.calculation_spc): the values
    and period ends of every point, the special causes of the points that have any
    (``[index, classification, [[rule, direction, classification], …]]``) and the segments."""
    segments = tuple(
        ChartSegment(
            start=int(s["start"]),
            end=int(s["end"]),
            mean=float(s["mean"]),
            ucl=float(s["ucl"]),
            lcl=float(s["lcl"]),
            upper_two_sigma=float(s["upper_two_sigma"]),
            lower_two_sigma=float(s["lower_two_sigma"]),
            trial=bool(s["trial"]),
            baseline_points=int(s.get("baseline_points") or 0) or None,
        )
        for s in result["segments"]
    )
    causes = {int(index): (kind, signals) for index, kind, signals in result["special_causes"]}
    points = []
    for i, (when, value) in enumerate(zip(result["period_ends"], result["values"], strict=True)):
        kind, signals = causes.get(i, (None, []))
        first = signals[0] if signals else (None, None, None)
        points.append(
            ChartPoint(
                when=date.fromisoformat(str(when)[:10]),
                value=float(value),
                segment=next(n for n, s in enumerate(segments) if s.start <= i < s.end),
                rule=first[0],
                direction=first[1],
                classification=kind,
                signals=tuple((str(r), str(d), str(c)) for r, d, c in signals),
            )
        )
    target = result.get("target")
    return SpcChart(
        title=title,
        unit=unit,
        points=tuple(points),
        segments=segments,
        variation=variation,
        assurance=assurance or None,
        target=float(target) if target is not None else None,
        neutral=neutral,
    )


def fmt(value: float) -> str:
    """A value as people read it: thousands separated, at most 2 decimal places."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
