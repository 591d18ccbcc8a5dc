"""The benchmarks' framework editions: 80 metrics (England scale) or 100 (stress scale).

The SOF 2021/22 catalogue's 66 metrics (so the codes the flags look for are there: S054 the
variance against financial plan, S001/S060 the CQC ratings with their bespoke score maps), made
to apply to every peer group, then generated metrics to reach the count: floors, a standard
with a floor, a banded bespoke map, neutral, sum/mean/latest bases, monthly and quarterly.

At stress scale GP practices report a subset (PRACTICE_MONTHLY monthly and PRACTICE_QUARTERLY
quarterly metrics): with every metric they would make ~80 M values, not the ~28 M DESIGN.md
sizes the stress scale at.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import cycle
from typing import Any

from bench.common import REPO

SOF_CSV = REPO / "metrics" / "catalogue" / "files" / "sof-2021-22.csv"
ENGLAND_GROUPS = "ics ccg acute mental_health community ambulance specialist"
PRACTICE_MONTHLY, PRACTICE_QUARTERLY = 20, 36
# Codes practices always report, whatever the subset: the flags' finance and CQC metrics.
PRACTICE_ALWAYS = ("S001", "S054", "S060")

THEMES = (
    ("quality_access_outcomes", "Quality of care, access and outcomes"),
    ("prevention_inequalities", "Preventing ill health and reducing inequalities"),
    ("people", "People"),
    ("finance_use_of_resources", "Finance and use of resources"),
    ("leadership_capability", "Leadership and capability"),
    ("local_strategic_priorities", "Local strategic priorities"),
)

# The first generated metrics, one of each feature the scores and flags must handle.
SPECIAL: tuple[dict[str, Any], ...] = (
    {
        "name": "Banded bespoke score (bench)",
        "polarity": "lower_better",
        "value_type": "rate",
        "frequency": "monthly",
        "quarter_basis": "mean",
        "valid_min": 0.0,
        "valid_max": 15.0,
        "score_map": "..5=1.00; 5..10=2.50; 10..=4.00",
    },
    {
        "name": "Higher is better with a floor (bench)",
        "polarity": "higher_better",
        "value_type": "percentage",
        "frequency": "monthly",
        "quarter_basis": "latest",
        "valid_min": 0.0,
        "valid_max": 100.0,
        "floor": 55.0,
    },
    {
        "name": "Higher is better with a standard and a floor (bench)",
        "polarity": "higher_better",
        "value_type": "percentage",
        "frequency": "quarterly",
        "valid_min": 0.0,
        "valid_max": 100.0,
        "standard": 90.0,
        "floor": 80.0,
    },
    {
        "name": "Lower is better with a floor (bench)",
        "polarity": "lower_better",
        "value_type": "rate",
        "frequency": "monthly",
        "quarter_basis": "sum",
        "valid_min": 0.0,
        "valid_max": 40.0,
        "floor": 30.0,
    },
    {
        "name": "Neutral context measure (bench)",
        "polarity": "neutral",
        "value_type": "count",
        "frequency": "monthly",
        "quarter_basis": "latest",
        "valid_min": 0.0,
        "scored": False,
    },
)

# The rest cycle through these shapes.
ROTATION: tuple[dict[str, Any], ...] = (
    {
        "polarity": "higher_better",
        "value_type": "percentage",
        "frequency": "monthly",
        "quarter_basis": "mean",
        "valid_min": 0.0,
        "valid_max": 100.0,
    },
    {
        "polarity": "lower_better",
        "value_type": "count",
        "frequency": "monthly",
        "quarter_basis": "sum",
        "valid_min": 0.0,
    },
    {
        "polarity": "higher_better",
        "value_type": "score",
        "frequency": "quarterly",
        "valid_min": 0.0,
        "valid_max": 10.0,
    },
    {
        "polarity": "lower_better",
        "value_type": "percentage",
        "frequency": "monthly",
        "quarter_basis": "latest",
        "valid_min": 0.0,
        "valid_max": 100.0,
        "standard": 5.0,
    },
    {
        "polarity": "higher_better",
        "value_type": "percentage",
        "frequency": "quarterly",
        "valid_min": 0.0,
        "valid_max": 100.0,
        "standard": 75.0,
    },
    {
        "polarity": "lower_better",
        "value_type": "rate",
        "frequency": "quarterly",
        "valid_min": 0.0,
        "valid_max": 50.0,
    },
)


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def _sof_rows() -> Iterator[dict[str, Any]]:
    with SOF_CSV.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            yield {
                "code": row["code"],
                "name": row["name"],
                "theme": row["theme"],
                "polarity": row["polarity"],
                "unit": row["unit"],
                "value_type": row["value_type"],
                "frequency": row["frequency"],
                "quarter_basis": row["quarter_basis"],
                "valid_min": _number(row["valid_min"]),
                "valid_max": _number(row["valid_max"]),
                "standard": _number(row["standard"]),
                "floor": _number(row["floor"]),
                "score_map": row["score_map"],
                "weight": row["weight"] or "1",
                "scored": row["scored"] == "yes",
            }


def _generated(first: int, count: int) -> Iterator[dict[str, Any]]:
    shapes = [*SPECIAL, *(dict(shape) for shape, _ in zip(cycle(ROTATION), range(count)))]
    for number, shape in zip(range(first, first + count), shapes, strict=False):
        yield {
            "code": f"B{number:03d}",
            "name": shape.get("name", f"Generated bench metric {number}"),
            "theme": THEMES[number % 5][0],
            "unit": shape["value_type"],
            "quarter_basis": "",
            "valid_min": None,
            "valid_max": None,
            "standard": None,
            "floor": None,
            "score_map": "",
            "weight": "1",
            "scored": True,
            **shape,
        }


def metric_specs(count: int, *, practices: bool) -> list[dict[str, Any]]:
    """``count`` metric definitions (Metric field values, theme as a slug), in code order."""
    specs = list(_sof_rows())
    specs += list(_generated(len(specs) + 1, count - len(specs)))
    monthly = quarterly = 0
    for spec in specs:
        spec["applies_to"] = ENGLAND_GROUPS
        if not practices:
            continue
        is_monthly = spec["frequency"] == "monthly"
        wanted = monthly < PRACTICE_MONTHLY if is_monthly else quarterly < PRACTICE_QUARTERLY
        if wanted or spec["code"] in PRACTICE_ALWAYS:
            spec["applies_to"] += " practice"
            monthly += is_monthly
            quarterly += not is_monthly
    return specs[:count]
