"""What the assurance icon compares, in words, and when the limits no longer describe the latest
point (DESIGN.md "SPC": assurance from the target against the limits; "rebasing is a recorded
decision with a reason, never automatic").

The icon alone says "consistently pass" for a target below a higher-is-better process's lower
limit — even when the latest point has fallen far below that limit. So the page says which
limits the target is compared with (their values and the months they come from), and where the
latest point lies outside them, that the process may have changed and a rebase may be due.
"""

from __future__ import annotations

from metrics.results.chart_data import SpcChart

VERDICT = {
    "consistently_pass": "so the process, as it runs, meets it every time (consistently pass)",
    "consistently_fail": "so the process, as it runs, never meets it (consistently fail)",
    "hit_and_miss": "so the process meets it some of the time and misses it at others "
    "(hit and miss)",
}


def assurance_sentence(chart: SpcChart) -> str:
    """E.g. "Target 92.0% lies below the lower process limit 93.1% (limits from the points of
    Apr 2019 to Mar 2021), so the process, as it runs, meets it every time (consistently pass)."""
    if chart.neutral:
        return "No assurance icon: a neutral metric has no better side, so no target to meet."
    if chart.target is None:
        return "No assurance icon: the metric has no standard to compare the process limits with."
    segment, number = chart.segments[-1], chart.number
    target = f"Target {number(chart.target)}"
    if chart.target > segment.ucl:
        where = f"{target} lies above the upper process limit {number(segment.ucl)}"
    elif chart.target < segment.lcl:
        where = f"{target} lies below the lower process limit {number(segment.lcl)}"
    else:
        where = (
            f"{target} lies between the process limits {number(segment.lcl)} and "
            f"{number(segment.ucl)}"
        )
    basis = f"limits from the points of {chart.limits_span()}"
    if chart.rebased:
        basis += ", since the latest rebase"
    if segment.trial:
        basis += "; trial limits, from fewer than 13 points"
    verdict = VERDICT.get(chart.assurance or "", "")
    return f"{where} ({basis}){', ' + verdict if verdict else ''}."


def process_change_note(chart: SpcChart) -> str:
    """ "" unless the latest point lies outside the latest segment's limits: then the limits
    (and the assurance read from them) may no longer describe the process."""
    segment, latest = chart.segments[-1], chart.points[-1]
    if segment.lcl <= latest.value <= segment.ucl:
        return ""
    side = (
        f"above the upper process limit {chart.number(segment.ucl)}"
        if latest.value > segment.ucl
        else f"below the lower process limit {chart.number(segment.lcl)}"
    )
    return (
        f"The latest point ({chart.number(latest.value)}, {latest.when:%B %Y}) lies {side}: "
        "the process may have changed since the limits were set, so the assurance read from "
        "them may no longer hold. If the change is real and lasting, a rebase may be due — "
        "recorded as a decision with its reason, never made automatically."
    )
