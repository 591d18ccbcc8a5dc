"""The demo's synthetic values look like England's published ones: each metric in its typical
range, with noise, a winter swing, step changes in a few series and a slide for the few
deteriorating bodies; sized counts grow with the body; rare events are whole numbers."""

from __future__ import annotations

import random
import statistics
from datetime import date

import pytest

from metrics.catalogue.loading import load_builtin_catalogues
from metrics.catalogue.periods import quarter_dates
from metrics.models.catalogue import Metric, Period
from metrics.synthetic import metric_shape, series
from metrics.typical import SOF_2021_22

pytestmark = pytest.mark.django_db

FIVE_YEARS = [
    Period(year=y, quarter=q, start=quarter_dates(y, q)[0], end=quarter_dates(y, q)[1])
    for y in range(2017, 2022)
    for q in (1, 2, 3, 4)
]


@pytest.fixture
def catalogue() -> dict[str, Metric]:
    load_builtin_catalogues()
    return {m.code: m for m in Metric.objects.filter(edition__code="sof-2021-22")}


def values_of(metric: Metric, bodies: int = 120, **kwargs) -> list[list[tuple[date, float]]]:
    shape = metric_shape(metric)
    points = [p for q in FIVE_YEARS for p in (q.month_ends() if shape.monthly else [q.end])]
    return [
        list(series(shape, points, rng=random.Random(f"t:{b}:{metric.code}"), **kwargs))
        for b in range(bodies)
    ]


def test_every_metric_but_ratings_has_typical_values(catalogue: dict[str, Metric]) -> None:
    untyped = {c for c, m in catalogue.items() if c not in SOF_2021_22 and m.value_type != "rating"}
    assert untyped == set()


def test_ae_four_hours_lives_between_60_and_95_percent_not_at_100(catalogue) -> None:
    everything = [v for body in values_of(catalogue["S011"]) for _, v in body]
    deciles = statistics.quantiles(everything, n=10)
    assert 60 <= deciles[0] < deciles[-1] <= 95
    assert sum(v >= 100 for v in everything) == 0
    assert len(set(everything)) > len(everything) / 4  # noise, not a constant


def test_every_typical_metric_stays_inside_its_valid_and_plausible_range(catalogue) -> None:
    for code, known in SOF_2021_22.items():
        metric = catalogue[code]
        for body in values_of(metric, bodies=10, size=3.0):
            for _, value in body:
                assert known.low <= value <= known.high, code
                assert metric.valid_min is None or value >= metric.valid_min, code
                assert metric.valid_max is None or value <= metric.valid_max, code


def test_ae_dips_in_winter(catalogue) -> None:
    bodies = values_of(catalogue["S011"])
    january = statistics.mean(v for body in bodies for d, v in body if d.month == 1)
    july = statistics.mean(v for body in bodies for d, v in body if d.month == 7)
    assert january < july - 4


def test_a_deteriorating_body_ends_worse_than_it_was(catalogue) -> None:
    def last_year_minus_first(**kwargs) -> float:
        bodies = values_of(catalogue["S011"], **kwargs)
        return statistics.mean(
            statistics.mean(v for _, v in body[-12:]) - statistics.mean(v for _, v in body[:12])
            for body in bodies
        )

    assert last_year_minus_first(deteriorating=True) < last_year_minus_first() - 8


def test_a_few_series_have_a_step_change(catalogue) -> None:
    bodies = values_of(catalogue["S042"], bodies=400)  # quarterly, small noise
    stepped = sum(
        abs(statistics.mean(v for _, v in b[-4:]) - statistics.mean(v for _, v in b[:8])) > 0.15
        for b in bodies
    )
    assert 0 < stepped < len(bodies) * 0.15


def test_counts_grow_with_the_body_and_rare_events_are_whole(catalogue) -> None:
    small = statistics.mean(v for b in values_of(catalogue["S003"], size=0.5) for _, v in b)
    big = statistics.mean(v for b in values_of(catalogue["S003"], size=4.0) for _, v in b)
    assert big > 6 * small
    never_events = [v for b in values_of(catalogue["S025"]) for _, v in b]
    assert all(v == int(v) for v in never_events)
    assert 0 < sum(never_events) < len(never_events) * 0.3
