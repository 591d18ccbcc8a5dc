"""A body's average metric score and its domain scores (NOF 2025/26 manual, step 2).

The average is the weighted mean of the body's metric scores, computed exactly with the
metrics' exact weights (``Metric.exact_weight``) and rounded half up to 2 dp; domain scores
are the same average over each domain's (theme's) metrics, for context only. Metrics without
a score (missing data, neutral, contextual) are left out. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from segmentation.criteria import DomainScore, MetricFact, Scores
from segmentation.methodology import weighted_average


def scored(metrics: Sequence[MetricFact]) -> list[MetricFact]:
    return [m for m in metrics if m.scored and m.score is not None]


def average_and_domains(metrics: Sequence[MetricFact]) -> Scores:
    """The average metric score, how many scores it took, and the domain scores (in the order
    their themes first appear)."""
    with_scores = scored(metrics)
    average = weighted_average([(m.score, m.weight) for m in with_scores if m.score is not None])
    themes: dict[str, list[MetricFact]] = {}
    for metric in with_scores:
        themes.setdefault(metric.theme, []).append(metric)
    domains = tuple(
        DomainScore(
            theme,
            members[0].theme_name,
            weighted_average([(m.score, m.weight) for m in members if m.score is not None]),
        )
        for theme, members in themes.items()
    )
    return Scores(average, len(with_scores), domains)
