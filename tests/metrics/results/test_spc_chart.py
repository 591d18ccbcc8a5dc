"""SPC charts as inline SVG: long, short, constant and rebased series; markers; text alternative.

No database: the charts are drawn from metrics.spc results (or a stored result document).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from metrics.engine.spc.analysis import spc_analyse
from metrics.results.chart_data import chart_from_result, chart_from_series
from metrics.results.charts import describe, fmt, nice_ticks, render_figure, render_svg
from metrics.results.mdc import assurance_icon, variation_icon

SVG = "{http://www.w3.org/2000/svg}"


def months(n: int, year: int = 2019, month: int = 4) -> list[date]:
    return [date(year + (month - 1 + i) // 12, (month - 1 + i) % 12 + 1, 28) for i in range(n)]


def chart(values, *, polarity="higher_better", target=None, rebase_at=(), title="Metric"):
    result = spc_analyse(values, polarity=polarity, target=target, rebase_at=rebase_at)
    return chart_from_result(result, months(len(values)), title=title, unit="%")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well formed


def one(root: ET.Element, path: str) -> ET.Element:
    found = root.find(path)
    assert found is not None, path
    return found


def words_of(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def markers(root: ET.Element) -> list[str]:
    """Each point's marker class, in drawing order (one per point)."""
    return [
        el.get("class", "").split("--")[1]
        for el in root.iter()
        if "app-spc-point" in el.get("class", "")
    ]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# A long series: 24 points around 80, then a fall to 50 (outside the lower limit).
LONG = [80.0, 81.5, 79.0, 82.0, 79.5, 81.0] * 4 + [50.0]


def test_long_series_is_valid_svg_with_title_desc_and_role() -> None:
    c = chart(LONG, title="A&E <4h>")
    root = parse(render_svg(c, chart_id="ae"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "ae-title ae-desc"
    assert one(root, f"{SVG}title").text == "SPC chart: A&E <4h>"  # escaped in the markup
    desc = one(root, f"{SVG}desc").text or ""
    assert "25 points from April 2019 to April 2021." in desc
    assert "Latest value 50." in desc
    assert "Variation: Special cause concern — low." in desc


def test_one_polyline_and_one_marker_per_point() -> None:
    root = parse(render_svg(chart(LONG)))
    assert len(root.findall(f".//{SVG}polyline")) == 1
    assert len(markers(root)) == len(LONG)


def test_markers_differ_in_shape_not_only_colour() -> None:
    improving = chart([8.0, 12.0] * 10 + [40.0])  # the last point above the upper limit
    falling = chart([8.0, 12.0] * 10 + [-20.0])  # ... below the lower limit
    up = parse(render_svg(improving))
    down = parse(render_svg(falling))
    assert markers(up)[-1] == "improvement"
    assert markers(down)[-1] == "concern"
    assert markers(down)[0] == "common"
    shapes = {
        el.get("class", "").split("--")[1]: el.tag
        for el in [*up.iter(), *down.iter()]
        if "app-spc-point" in el.get("class", "")
    }
    assert shapes == {
        "common": f"{SVG}circle",
        "improvement": f"{SVG}rect",
        "concern": f"{SVG}polygon",
    }


def test_neutral_metric_points_are_diamonds_and_the_key_says_neither() -> None:
    c = chart([10.0] * 13 + [30.0], polarity="neutral")
    assert markers(parse(render_svg(c)))[-1] == "high"
    html = render_figure(c)
    assert "Special cause: neither improvement nor concern" in html
    assert "Special cause: improvement" not in html


def test_limits_mean_and_band_are_drawn_and_labelled() -> None:
    c = chart(LONG, target=95)
    svg = str(render_svg(c))
    segment = c.segments[-1]
    assert f"Upper limit {fmt(segment.ucl)}" in svg
    assert f"Mean {fmt(segment.mean)}" in svg
    assert f"Lower limit {fmt(segment.lcl)}" in svg
    assert "Target 95" in svg
    assert 'stroke-dasharray="6 3"' in svg  # dashed process limits
    assert 'class="app-spc-band"' in svg
    assert 'class="app-spc-band"' not in str(render_svg(c, two_sigma=False))


def test_x_axis_month_labels_and_y_ticks() -> None:
    root = parse(render_svg(chart(LONG)))
    labels = words_of(one(root, f".//{SVG}g[@class='app-spc-axis app-spc-axis--x']"))
    assert labels[:2] == ["Apr", "2019"]
    assert "2020" in labels
    assert "2021" in labels
    assert len([label for label in labels if not label.isdigit()]) <= 13
    y_axis = one(root, f".//{SVG}g[@class='app-spc-axis app-spc-axis--y']")
    ticks = words_of(y_axis)[:-1]  # the last is the unit
    assert ticks == ["40", "50", "60", "70", "80", "90"]


def test_short_series_has_trial_limits_labelled() -> None:
    c = chart([5.0, 7.0, 6.0, 8.0])
    assert c.trial
    svg = str(render_svg(c))
    assert "trial limits" in svg
    assert "Upper limit (trial)" in svg
    assert "(trial limits: fewer than 13 points)" in describe(c)
    assert "Trial limits" in render_figure(c)


def test_single_point() -> None:
    c = chart([3.0])
    root = parse(render_svg(c))
    assert len(markers(root)) == 1
    assert "Mean = limits (trial) 3" in str(render_svg(c))


def test_constant_series_draws_without_signals() -> None:
    c = chart([5.0] * 20)
    root = parse(render_svg(c))
    assert set(markers(root)) == {"common"}
    svg = str(render_svg(c))
    assert "Mean = limits 5" in svg  # one label, not three on top of each other
    assert "nan" not in svg.lower()
    assert "inf" not in svg.lower()


def test_rebased_series_draws_separate_segments() -> None:
    values = [10.0, 11.0] * 8 + [20.0, 21.0] * 8
    c = chart(values, rebase_at=[16])
    assert c.rebased
    root = parse(render_svg(c))
    assert len(root.findall(f".//{SVG}polyline")) == 2
    assert len(root.findall(f".//{SVG}g[@class='app-spc-limits']")) == 2
    assert "Rebase" in str(render_svg(c))
    assert "Rebased from August 2020: each segment has its own mean and limits" in describe(c)
    html = text(render_figure(c))
    assert "Segment" in html
    assert "January 2021 20" not in html  # the 17th point is August 2020
    assert "August 2020 20 2" in html  # month, value, segment


def test_figure_is_the_text_alternative() -> None:
    c = chart(LONG, target=95, title="A&E")
    html = render_figure(c, chart_id="ae")
    assert 'id="ae-data"' in html
    words = text(html)
    assert "A&amp;E: 25 points (%)" in words
    assert "April 2019 80 None (common cause) Common cause" in words
    assert "April 2021 50 Outside the process limits (low) Concern" in words
    assert "Special cause concern — low" in words
    assert "Hit and miss" in words or "Consistently fail" in words
    assert "Centre line and limits" in words


def test_chart_from_a_stored_result_matches_the_pure_one() -> None:
    result = spc_analyse(LONG, polarity="higher_better", target=95)
    ends = months(len(LONG))
    document = {
        "polarity": "higher_better",
        "target": 95,
        "period_ends": [d.isoformat() for d in ends],
        "values": LONG,
        "special_causes": [
            [
                p.index,
                p.classification and p.classification.value,
                [[s.rule.value, s.direction.value, "x"] for s in p.signals],
            ]
            for p in result.points
            if p.signals
        ],
        "segments": [vars(s) for s in result.segments],
    }
    stored = chart_from_series(
        document, title="A&E", unit="%", variation="concern_low", assurance="consistently_fail"
    )
    pure = chart_from_result(result, ends, title="A&E", unit="%")
    assert [(p.when, p.value, p.rule, p.classification) for p in stored.points] == [
        (p.when, p.value, p.rule, p.classification) for p in pure.points
    ]
    assert render_svg(stored) == render_svg(
        pure.__class__(**{**vars(pure), "assurance": "consistently_fail"})
    )


@pytest.mark.parametrize(
    ("icon", "words"),
    [
        ("common_cause", "Common cause variation"),
        ("improvement_high", "Special cause improvement — high"),
        ("concern_low", "Special cause concern — low"),
        ("neither_high", "Special cause variation — high"),
    ],
)
def test_variation_icons_carry_words(icon: str, words: str) -> None:
    html = str(variation_icon(icon))
    assert words in html
    assert 'aria-hidden="true"' in html  # the drawing is decoration; the words are the meaning


@pytest.mark.parametrize(
    ("icon", "words"),
    [
        ("consistently_pass", "Consistently pass"),
        ("consistently_fail", "Consistently fail"),
        ("hit_and_miss", "Hit and miss"),
        (None, "No assurance — no target"),
        ("", "No assurance — no target"),
    ],
)
def test_assurance_icons_carry_words(icon, words: str) -> None:
    assert words in str(assurance_icon(icon))


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 10, [0, 2, 4, 6, 8, 10]),
        (47.2, 98.1, [40, 60, 80, 100]),
        (62.1, 91.7, [60, 70, 80, 90, 100]),
        (0.12, 0.31, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]),
        (5, 5, [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]),
        (0, 0, [-1, -0.5, 0, 0.5, 1]),
        (-1.25, 1.0, [-1.5, -1, -0.5, 0, 0.5, 1]),
    ],
)
def test_nice_ticks(low, high, ticks) -> None:
    assert nice_ticks(low, high) == pytest.approx(ticks)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(48.0, "48"), (66.956, "66.96"), (1234.5, "1,234"), (-0.001, "0"), (0.5, "0.5")],
)
def test_fmt(value: float, shown: str) -> None:
    assert fmt(value) == shown
