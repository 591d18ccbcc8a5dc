"""Values to the metric's own precision and with its unit, as an analyst would write them."""

from __future__ import annotations

import pytest

from metrics.models.catalogue import Metric
from metrics.results.numbers import metric_number, metric_value


def metric(value_type: str, unit: str) -> Metric:
    return Metric(code="X", value_type=value_type, unit=unit)


@pytest.mark.parametrize(
    ("value_type", "unit", "value", "shown"),
    [
        ("percentage", "%", 71.3, "71.3%"),
        ("percentage", "%", 71.30004, "71.3%"),
        ("percentage", "%", 100.0, "100.0%"),
        ("percentage", "% of estimated prevalence", 1.6, "1.6% of estimated prevalence"),
        ("count", "count", 1234.0, "1,234"),
        ("count", "bed days", 310.0, "310 bed days"),
        ("rate", "ratio", 1.0234, "1.02"),
        ("rate", "minutes", 8.234, "8.2 minutes"),
        ("rate", "per 1,000 total births", 5.61, "5.6 per 1,000 total births"),
        ("score", "score (0-10)", 6.834, "6.83"),
        ("rating", "rating (1=Outstanding … 4=Inadequate)", 2.0, "Good (2)"),
        ("percentage", "percentage points", -0.04, "0.0 percentage points"),
    ],
)
def test_a_value_is_shown_to_its_metrics_precision(value_type, unit, value, shown) -> None:
    assert metric_value(value, metric(value_type, unit)) == shown


def test_a_missing_value_is_said_in_words() -> None:
    assert metric_value(None, metric("percentage", "%")) == "No data"


def test_thresholds_are_numbers_alone() -> None:
    assert metric_number(88.1666, metric("percentage", "%")) == "88.2"


def test_the_spc_data_table_shows_values_to_the_metrics_precision() -> None:
    from datetime import date

    from metrics.results.chart_data import ChartPoint, ChartSegment, SpcChart

    point = ChartPoint(when=date(2021, 12, 31), value=71.26666, segment=0)
    segment = ChartSegment(0, 1, 70.0, 80.0, 60.0, 76.0, 64.0, trial=True)
    chart = SpcChart("M01", "%", (point,), (segment,), "common_cause", None)
    assert chart.points[0].value_text == "71.2667"
    assert chart.to_places(1).points[0].value_text == "71.3"
