"""How a metric's system (ICS) value is derived from its organisations' values: pure functions
over plain numbers, no Django (the set-based derivation in ``rollups`` ends in
``value_from_totals``, so both give the same answer).

- sum of counts: Σ value;
- ratio (a rate or percentage from its parts): Σ numerator / Σ denominator × per (per = 100
  for a percentage) — never the mean of the organisations' rates, which weighs a small trust
  like a large one;
- population-weighted mean: Σ (value × population) / Σ population.

Nothing to derive from (no values, a zero total denominator or population) gives None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SUM = "sum"
RATIO = "ratio"
WEIGHTED_MEAN = "weighted_mean"


@dataclass(frozen=True)
class Totals:
    """What a roll-up adds up over the organisations it counts."""

    count: int
    value: float = 0.0
    numerator: float = 0.0
    denominator: float = 0.0
    weighted_value: float = 0.0
    weight: float = 0.0


def value_from_totals(method: str, totals: Totals, per: float = 1.0) -> float | None:
    """The system value a method gives from its totals."""
    if totals.count == 0:
        return None
    if method == SUM:
        return totals.value
    if method == RATIO:
        return totals.numerator / totals.denominator * per if totals.denominator else None
    if method == WEIGHTED_MEAN:
        return totals.weighted_value / totals.weight if totals.weight else None
    raise ValueError(f"Unknown roll-up method {method!r}")


def sum_of_counts(values: Sequence[float]) -> float | None:
    return value_from_totals(SUM, Totals(count=len(values), value=math.fsum(values)))


def rate_from_totals(parts: Sequence[tuple[float, float]], per: float = 1.0) -> float | None:
    """``parts`` are (numerator, denominator) of each organisation."""
    totals = Totals(
        count=len(parts),
        numerator=math.fsum(n for n, _ in parts),
        denominator=math.fsum(d for _, d in parts),
    )
    return value_from_totals(RATIO, totals, per)


def population_weighted_mean(values: Sequence[tuple[float, float]]) -> float | None:
    """``values`` are (value, population) of each organisation."""
    totals = Totals(
        count=len(values),
        weighted_value=math.fsum(v * w for v, w in values),
        weight=math.fsum(w for _, w in values),
    )
    return value_from_totals(WEIGHTED_MEAN, totals)


def ratio_per(value_type: str, rollup_per: float | None) -> float:
    """A ratio roll-up's multiplier: the catalogue's, else 100 for a percentage, else 1."""
    if rollup_per is not None:
        return rollup_per
    return 100.0 if value_type == "percentage" else 1.0
