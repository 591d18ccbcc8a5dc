"""A metric's values as an analyst reads them: to the metric's own precision, with its unit.

Precision follows what the metric's publisher uses: percentages to one decimal place (71.3%),
counts whole with thousands separated (1,234), ratios such as SHMI and scores out of 10 to two
places (1.02, 6.83), times and rates per population to one (8.2 minutes), CQC ratings as their
word (Good). The unit follows the number: "71.3%", "1.6% of estimated prevalence",
"8.2 minutes"; a bare "count" or "ratio" unit is not repeated.
"""

from __future__ import annotations

from metrics.engine.kinds import ValueType
from metrics.models.catalogue import Metric

DECIMALS = {
    ValueType.PERCENTAGE: 1,
    ValueType.COUNT: 0,
    ValueType.RATE: 1,
    ValueType.SCORE: 2,
    ValueType.RATING: 0,
}
# Units named by the number alone.
SILENT_UNITS = {"count", "ratio", ""}
RATINGS = {1: "Outstanding", 2: "Good", 3: "Requires improvement", 4: "Inadequate"}


def metric_decimals(metric: Metric) -> int:
    if metric.value_type == ValueType.RATE and metric.unit.startswith(("ratio", "items")):
        return 2
    return DECIMALS.get(ValueType(metric.value_type), 2)


def metric_suffix(metric: Metric) -> str:
    """What follows a bare number of the metric in a sentence or chart label: "%" or nothing
    (a chart's axis names any other unit once)."""
    return "%" if metric.unit.strip().startswith("%") else ""


def metric_number(value: float, metric: Metric) -> str:
    """The number alone, to the metric's precision (no unit)."""
    places = metric_decimals(metric)
    rounded = round(value, places) or 0.0  # never "-0.0"
    return f"{rounded:,.{places}f}"


def metric_value(value: float | None, metric: Metric) -> str:
    """The number with its unit, e.g. "71.3%", "1,234 bed days", "Good (2)"."""
    if value is None:
        return "No data"
    if metric.value_type == ValueType.RATING and round(value) in RATINGS:
        return f"{RATINGS[round(value)]} ({round(value)})"
    number = metric_number(value, metric)
    unit = metric.unit.strip()
    if unit.startswith("%"):
        return f"{number}{unit}"
    if unit.split(" ")[0] in SILENT_UNITS or unit.startswith("score"):
        return number
    return f"{number} {unit}"
