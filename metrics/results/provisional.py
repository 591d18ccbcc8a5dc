"""Quartiles computed while returns are missing are provisional: say so, and how many are in.

A quarter's run ranks the bodies whose returns were accepted when it ran; until every body of the
peer group expected to return that quarter is in, its thresholds (and so each body's quartile)
may move when the rest are accepted and the quarter is recalculated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Q

from metrics.models.catalogue import Period
from metrics.models.results import MetricResult
from metrics.results.selectors import peer_figures, peer_group_name
from oversight.models import Organisation


def peer_group_expected(peer_group: str, period: Period) -> int:
    """Bodies of a peer group ("trust:acute", "ics", …) open at some time in the quarter."""
    kind, _, sector = peer_group.partition(":")
    bodies = Organisation.objects.filter(kind=kind).filter(
        (Q(opened_on__isnull=True) | Q(opened_on__lte=period.end))
        & (Q(closed_on__isnull=True) | Q(closed_on__gt=period.start))
    )
    return (bodies.filter(sector=sector) if sector else bodies).count()


def provisional_note(
    result: MetricResult | None, thresholds: Mapping[str, Any] | None, period: Period
) -> str:
    """ "" when every expected body of the peer group is in (or there is nothing to qualify)."""
    if result is None or not thresholds:
        return ""
    n, expected = int(thresholds["n"]), peer_group_expected(result.peer_group, period)
    if n >= expected:
        return ""
    return (
        f"Provisional: {n} of the {expected} {peer_group_name(result.peer_group)} expected to "
        f"return for {period.label} have an accepted value, so these thresholds and the quartile "
        "may move as the rest are accepted and the quarter recalculated."
    )


def provisional_counts(
    results: Iterable[MetricResult], period: Period
) -> dict[int, tuple[int, int]]:
    """For the profile: metric id -> (bodies in, bodies expected) of each quartiled result
    (read ``with_thresholds``) whose peer group is not all in. One count per peer group."""
    expected: dict[str, int] = {}
    found = {}
    for result in results:
        thresholds = peer_figures(result).thresholds
        if result.quartile is None or not thresholds:
            continue
        group = result.peer_group
        if group not in expected:
            expected[group] = peer_group_expected(group, period)
        if int(thresholds["n"]) < expected[group]:
            found[result.metric_id] = (int(thresholds["n"]), expected[group])
    return found
