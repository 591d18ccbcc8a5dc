"""The assurance icon in words, the process-change note and the chart's numbers at the
metric's precision, on hand-worked series (pure: no database)."""

from __future__ import annotations

from datetime import date

from metrics.engine.spc.analysis import spc_analyse
from metrics.engine.spc.kinds import SpcSettings
from metrics.results.assurance import assurance_sentence, process_change_note
from metrics.results.chart_data import chart_from_result
from metrics.results.charts import describe, render_figure, render_svg


def month_ends(first_year: int, first_month: int, count: int) -> list[date]:
    ends = []
    for i in range(count):
        month = (first_month - 1 + i) % 12 + 1
        year = first_year + (first_month - 1 + i) // 12
        following = date(year + month // 12, month % 12 + 1, 1)
        ends.append(date.fromordinal(following.toordinal() - 1))
    return ends


def chart(values, *, target=92.0, settings=None, rebase_at=()):
    result = spc_analyse(
        values, polarity="higher_better", target=target, settings=settings, rebase_at=rebase_at
    )
    dates = month_ends(2019, 4, len(values))
    return chart_from_result(result, dates, title="S005 RTT within 18 weeks", unit="%").to_places(
        1, "%"
    )


# 24 months alternating 95 and 96 (Apr 2019 to Mar 2021) are the baseline: mean 95.5, every
# moving range 1, so AMR 1 and limits 95.5 ± 2.66 = 92.84 to 98.16. Then April 2021: 71.3.
FALLEN = [95.0, 96.0] * 12 + [71.3]
BASELINE_24 = SpcSettings(baseline_points=24)


def test_the_assurance_icon_says_which_limits_it_compares_the_target_with():
    c = chart(FALLEN, settings=BASELINE_24)
    assert c.assurance == "consistently_pass"
    assert assurance_sentence(c) == (
        "Target 92.0% lies below the lower process limit 92.8% (limits from the points of "
        "Apr 2019 to Mar 2021), so the process, as it runs, meets it every time "
        "(consistently pass)."
    )


def test_a_latest_point_outside_the_limits_says_the_process_may_have_changed():
    c = chart(FALLEN, settings=BASELINE_24)
    note = process_change_note(c)
    assert note.startswith(
        "The latest point (71.3%, April 2021) lies below the lower process limit 92.8%: the "
        "process may have changed since the limits were set"
    )
    assert "a rebase may be due" in note
    html = render_figure(c, chart_id="s005")
    assert 'id="s005-change"' in html
    assert "The process may have changed" in html
    # Within the limits: no such note.
    assert process_change_note(chart([95.0, 96.0] * 12, settings=BASELINE_24)) == ""


def test_hit_and_miss_and_no_target_in_words():
    between = chart([91.0, 93.0] * 10)  # mean 92, AMR 2: limits 86.68 to 97.32
    assert assurance_sentence(between) == (
        "Target 92.0% lies between the process limits 86.7% and 97.3% (limits from the points "
        "of Apr 2019 to Nov 2020), so the process meets it some of the time and misses it at "
        "others (hit and miss)."
    )
    none = chart([91.0, 93.0] * 10, target=None)
    assert "no standard" in assurance_sentence(none)


def test_chart_labels_and_text_alternative_at_the_metrics_precision():
    c = chart(FALLEN, settings=BASELINE_24)
    svg = str(render_svg(c))
    assert "Lower limit 92.8%" in svg
    assert "Upper limit 98.2%" in svg
    assert "Mean 95.5%" in svg
    assert "Target 92.0%" in svg
    assert "92.84" not in svg
    words = describe(c)
    assert "Latest value 71.3%." in words
    assert "process limits 92.8% to 98.2%, from the points of Apr 2019 to Mar 2021." in words


def test_a_rebase_is_a_labelled_break_with_a_text_alternative():
    c = chart([95.0, 96.0] * 8 + [80.0, 81.0] * 8, rebase_at=[16])
    svg = str(render_svg(c))
    assert "Rebase Aug 2020" in svg
    words = describe(c)
    assert "Rebased from August 2020: each segment has its own mean and limits" in words
    assert "from the points of Aug 2020 to Nov 2021" in words
    assert "since the latest rebase" in assurance_sentence(c)
