"""SPC charts drawn on the server as inline, accessible SVG, and the Making Data Count icons.

No JavaScript: the chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``
summarising it, and the figure carries a data table listing every point (the text
alternative, WCAG 1.1.1). Points are coloured by classification in the Making Data Count
palette — improvement blue, concern orange, neither (neutral metrics) purple, common cause
grey — *and* drawn in a different shape for each, so colour is never the only cue (WCAG 1.4.1).

The drawing takes a plain `SpcChart` (dates, values and the segments' limits), built either
from a pure `metrics.spc.SpcResult` (`chart_from_result`) or from a stored series
(`chart_from_series`), so it never needs the database.

"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from metrics.results.assurance import assurance_sentence, process_change_note
from metrics.results.chart_data import ChartPoint, ChartSegment, SpcChart, fmt
from metrics.results.mdc import (
    BAND,
    COLOURS,
    INK,
    LIMIT,
    LINE,
    TARGET,
    assurance_icon,
    assurance_label,
    variation_icon,
    variation_label,
)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high], about ``count`` of them (1, 2, 2.5 or 5 × 10ⁿ)."""
    if high <= low:
        spread = abs(low) * 0.1 or 1.0
        low, high = low - spread, high + spread
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    tick = first
    while tick < high + step * 1e-9:
        ticks.append(round(tick, 10))
        tick += step
    if ticks[-1] < high:
        ticks.append(round(tick, 10))
    return ticks


def _label_every(n: int, most: int = 12) -> int:
    return max(1, math.ceil(n / most))


# --- drawing -----------------------------------------------------------------------------------

WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 60, 165, 24, 52


@dataclass(frozen=True)
class _Frame:
    n: int
    y_low: float
    y_high: float

    def x(self, i: float) -> float:
        return LEFT + (i + 0.5) * (WIDTH - LEFT - RIGHT) / self.n

    def y(self, value: float) -> float:
        span = self.y_high - self.y_low
        return TOP + (self.y_high - value) / span * (HEIGHT - TOP - BOTTOM)


def _frame(chart: SpcChart, ticks: Sequence[float]) -> _Frame:
    return _Frame(n=len(chart.points), y_low=ticks[0], y_high=ticks[-1])


def _extent(chart: SpcChart, two_sigma: bool) -> tuple[float, float]:
    values = [p.value for p in chart.points]
    for s in chart.segments:
        values += [s.ucl, s.lcl, s.mean]
    if chart.target is not None:
        values.append(chart.target)
    low, high = min(values), max(values)
    pad = (high - low) * 0.04  # keep markers off the axes
    return low - pad, high + pad


def _attrs(**attributes: object) -> str:
    return "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for name, value in attributes.items()
        if value is not None
    )


def _line(x1: float, y1: float, x2: float, y2: float, **attributes: object) -> str:
    ends = _attrs(x1=f"{x1:.1f}", y1=f"{y1:.1f}", x2=f"{x2:.1f}", y2=f"{y2:.1f}")
    return f"<line{ends}{_attrs(**attributes)}/>"


def _text(x: float, y: float, text: str, **attributes: object) -> str:
    return f"<text{_attrs(x=f'{x:.1f}', y=f'{y:.1f}', **attributes)}>{escape(text)}</text>"


def marker(kind: str | None, x: float, y: float) -> str:
    """A point's marker: circle (common cause), square (improvement), triangle (concern),
    diamond (neither). Shape and colour both say what the point is."""
    fill = COLOURS.get(kind, COLOURS[None])
    style = _attrs(fill=fill, stroke=INK, stroke_width="1")
    cls = f' class="app-spc-point app-spc-point--{kind or "common"}"'
    if kind == "improvement":
        return f'<rect{cls} x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10"{style}/>'
    if kind == "concern":
        pts = f"{x:.1f},{y - 6.5:.1f} {x + 6:.1f},{y + 4.5:.1f} {x - 6:.1f},{y + 4.5:.1f}"
        return f'<polygon{cls} points="{pts}"{style}/>'
    if kind in ("high", "low"):
        pts = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}"
        return f'<polygon{cls} points="{pts}"{style}/>'
    return f'<circle{cls} cx="{x:.1f}" cy="{y:.1f}" r="3.5"{style}/>'


def _y_axis(frame: _Frame, ticks: Sequence[float], unit: str) -> list[str]:
    parts = ['<g class="app-spc-axis app-spc-axis--y">']
    for tick in ticks:
        y = frame.y(tick)
        parts.append(_line(LEFT, y, WIDTH - RIGHT, y, stroke="#e8edee"))
        parts.append(_text(LEFT - 6, y + 4, fmt(tick), text_anchor="end"))
    parts.append(_line(LEFT, TOP, LEFT, HEIGHT - BOTTOM, stroke=INK))
    if unit:
        parts.append(_text(8, TOP - 10, unit, text_anchor="start"))
    parts.append("</g>")
    return parts


def _x_axis(frame: _Frame, points: Sequence[ChartPoint]) -> list[str]:
    base = HEIGHT - BOTTOM
    parts = [
        '<g class="app-spc-axis app-spc-axis--x">',
        _line(LEFT, base, WIDTH - RIGHT, base, stroke=INK),
    ]
    every = _label_every(len(points))
    last_year = None
    for i, point in enumerate(points):
        if i % every:
            continue
        x = frame.x(i)
        parts.append(_line(x, base, x, base + 4, stroke=INK))
        parts.append(_text(x, base + 17, point.when.strftime("%b"), text_anchor="middle"))
        if point.when.year != last_year:
            parts.append(_text(x, base + 31, str(point.when.year), text_anchor="middle"))
            last_year = point.when.year
    parts.append("</g>")
    return parts


def _segment_lines(frame: _Frame, segment: ChartSegment, two_sigma: bool) -> list[str]:
    x1, x2 = frame.x(segment.start - 0.4), frame.x(segment.end - 0.6)
    parts = [f'<g class="app-spc-limits{" app-spc-limits--trial" if segment.trial else ""}">']
    if two_sigma:
        top, bottom = frame.y(segment.upper_two_sigma), frame.y(segment.lower_two_sigma)
        parts.append(
            f'<rect class="app-spc-band" x="{x1:.1f}" y="{top:.1f}" width="{x2 - x1:.1f}"'
            f' height="{max(bottom - top, 0):.1f}" fill="{BAND}"/>'
        )
    for value in (segment.ucl, segment.lcl):
        y = frame.y(value)
        parts.append(_line(x1, y, x2, y, stroke=LIMIT, stroke_width="1.5", stroke_dasharray="6 3"))
    y = frame.y(segment.mean)
    parts.append(_line(x1, y, x2, y, stroke=INK, stroke_width="1.5"))
    if segment.trial:
        parts.append(_text(x1 + 2, frame.y(segment.ucl) - 5, "trial limits", font_style="italic"))
    parts.append("</g>")
    return parts


def _right_labels(frame: _Frame, chart: SpcChart) -> list[str]:
    """Labels of the latest segment's lines in the right margin, pushed apart to stay legible."""
    last = chart.segments[-1]
    trial = " (trial)" if last.trial else ""
    if last.ucl == last.lcl:  # no variation: the limits sit on the mean
        labels = [(frame.y(last.mean), f"Mean = limits{trial} {chart.number(last.mean)}")]
    else:
        labels = [
            (frame.y(last.ucl), f"Upper limit{trial} {chart.number(last.ucl)}"),
            (frame.y(last.mean), f"Mean {chart.number(last.mean)}"),
            (frame.y(last.lcl), f"Lower limit{trial} {chart.number(last.lcl)}"),
        ]
    if chart.target is not None:
        labels.append((frame.y(chart.target), f"Target {chart.number(chart.target)}"))
    labels.sort()
    placed: list[float] = []
    for y, _ in labels:
        placed.append(max(y, placed[-1] + 13) if placed else y)
    return [
        _text(WIDTH - RIGHT + 6, y + 4, text, class_="app-spc-label")
        for y, (_, text) in zip(placed, labels, strict=True)
    ]


def _rebases(frame: _Frame, chart: SpcChart) -> list[str]:
    """A visible break before each rebased segment, labelled with the month it starts."""
    parts = []
    for segment in chart.segments[1:]:
        x = frame.x(segment.start - 0.5)
        parts.append(
            _line(x, TOP, x, HEIGHT - BOTTOM, stroke=INK, stroke_width="2", stroke_dasharray="4 2")
        )
        label = f"Rebase {chart.segment_start(segment):%b %Y}"
        parts.append(_text(x + 3, TOP + 10, label, class_="app-spc-label app-spc-rebase"))
    return parts


def _series(frame: _Frame, chart: SpcChart) -> list[str]:
    parts = []
    for segment in chart.segments:
        coords = " ".join(
            f"{frame.x(i):.1f},{frame.y(chart.points[i].value):.1f}"
            for i in range(segment.start, segment.end)
        )
        parts.append(
            f'<polyline class="app-spc-line" points="{coords}" fill="none"'
            f' stroke="{LINE}" stroke-width="1.5"/>'
        )
    parts += [
        marker(p.classification, frame.x(i), frame.y(p.value)) for i, p in enumerate(chart.points)
    ]
    return parts


def describe(chart: SpcChart) -> str:
    """The chart in a few sentences: the ``<desc>`` of the SVG."""
    first, last = chart.points[0], chart.points[-1]
    segment = chart.segments[-1]
    special = [p for p in chart.points if p.rule]
    number = chart.number
    text = [
        f"{len(chart.points)} points from {first.when:%B %Y} to {last.when:%B %Y}.",
        f"Latest value {number(last.value)}.",
        f"Mean {number(segment.mean)}, process limits {number(segment.lcl)} to "
        f"{number(segment.ucl)}, from the points of {chart.limits_span()}"
        + (" (trial limits: fewer than 13 points)." if segment.trial else "."),
    ]
    if chart.rebased:
        starts = ", ".join(f"{chart.segment_start(s):%B %Y}" for s in chart.segments[1:])
        text.append(
            f"Rebased from {starts}: each segment has its own mean and limits, and no rule "
            "spans a rebase; the limits above are the latest segment's."
        )
    if chart.target is not None:
        text.append(f"Target {number(chart.target)}.")
    text.append(f"{len(special)} point(s) with a special cause; the table below lists every point.")
    text.append(f"Variation: {variation_label(chart.variation)}.")
    text.append(f"Assurance: {assurance_label(chart.assurance)}.")
    return " ".join(text)


def render_svg(chart: SpcChart, *, chart_id: str = "spc", two_sigma: bool = True) -> SafeString:
    """The chart as an inline SVG, labelled by its ``<title>`` and ``<desc>``."""
    if not chart.points:
        raise ValueError("an SPC chart needs at least one point")
    low, high = _extent(chart, two_sigma)
    ticks = nice_ticks(low, high)
    frame = _frame(chart, ticks)
    parts = [
        f'<svg class="app-spc-chart" xmlns="http://www.w3.org/2000/svg" role="img"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet"'
        f' font-family="Frutiger W01, Arial, sans-serif" font-size="13" fill="{INK}"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape("SPC chart: " + chart.title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(chart))}</desc>',
        *_y_axis(frame, ticks, chart.unit),
        *_x_axis(frame, chart.points),
    ]
    for segment in chart.segments:
        parts += _segment_lines(frame, segment, two_sigma)
    if chart.target is not None:
        y = frame.y(chart.target)
        parts.append(
            _line(
                LEFT, y, WIDTH - RIGHT, y, stroke=TARGET, stroke_width="1.5", stroke_dasharray="8 4"
            )
        )
    parts += _rebases(frame, chart)
    parts += _series(frame, chart)
    parts += _right_labels(frame, chart)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text and attribute above is escaped


def render_figure(chart: SpcChart, *, chart_id: str = "spc", two_sigma: bool = True) -> str:
    """Chart, legend and data table (the text alternative) as one ``<figure>``."""
    return render_to_string(
        "metrics/results/_spc_figure.html",
        {
            "chart": chart,
            "chart_id": chart_id,
            "svg": render_svg(chart, chart_id=chart_id, two_sigma=two_sigma),
            "segments": [
                {
                    "first": chart.points[s.start].when,
                    "mean": chart.number(s.mean),
                    "lcl": chart.number(s.lcl),
                    "ucl": chart.number(s.ucl),
                    "lower_two_sigma": chart.number(s.lower_two_sigma),
                    "upper_two_sigma": chart.number(s.upper_two_sigma),
                    "trial": s.trial,
                }
                for s in chart.segments
            ],
            "legend": legend(chart, two_sigma=two_sigma),
            "assurance_text": assurance_sentence(chart),
            "change_note": process_change_note(chart),
            "variation": variation_icon(chart.variation),
            "assurance": assurance_icon(chart.assurance),
        },
    )


def legend(chart: SpcChart, *, two_sigma: bool = True) -> list[tuple[SafeString, str]]:
    """The key: each marker and line beside its meaning."""

    def swatch(inner: str) -> SafeString:
        return mark_safe(  # noqa: S308 - built from constants
            '<svg width="22" height="16" viewBox="0 0 22 16" aria-hidden="true"'
            f' focusable="false">{inner}</svg>'
        )

    items = [(swatch(marker(None, 11, 8)), "Common cause")]
    if chart.neutral:
        items.append(
            (swatch(marker("high", 11, 8)), "Special cause: neither improvement nor concern")
        )
    else:
        items.append((swatch(marker("improvement", 11, 8)), "Special cause: improvement"))
        items.append((swatch(marker("concern", 11, 8)), "Special cause: concern"))
    items += [
        (swatch(_line(1, 8, 21, 8, stroke=INK, stroke_width="1.5")), "Mean"),
        (
            swatch(_line(1, 8, 21, 8, stroke=LIMIT, stroke_width="1.5", stroke_dasharray="6 3")),
            "Process limits",
        ),
    ]
    if two_sigma:
        band = f'<rect x="1" y="3" width="20" height="10" fill="{BAND}" stroke="{LIMIT}"/>'
        items.append((swatch(band), "2σ band"))
    if chart.target is not None:
        target = _line(1, 8, 21, 8, stroke=TARGET, stroke_width="1.5", stroke_dasharray="8 4")
        items.append((swatch(target), "Target"))
    if chart.rebased:
        items.append((swatch(_line(11, 1, 11, 15, stroke=INK, stroke_dasharray="4 2")), "Rebase"))
    return items


def special_points(points: Iterable[ChartPoint]) -> list[ChartPoint]:
    return [p for p in points if p.rule]
