"""`{% load metric_numbers %}{{ value|metric_value:metric }}`: a value to the metric's own
precision and with its unit (metrics/results/numbers.py)."""

from __future__ import annotations

from django import template

from metrics.models.catalogue import Metric
from metrics.results.numbers import metric_number, metric_value

register = template.Library()


@register.filter(name="metric_value")
def metric_value_filter(value: float | None, metric: Metric) -> str:
    return metric_value(value, metric)


@register.filter(name="metric_number")
def metric_number_filter(value: float | None, metric: Metric) -> str:
    return "–" if value is None else metric_number(value, metric)
