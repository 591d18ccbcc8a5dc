"""Small builders of the pure steps' plain values, for hand-worked tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from segmentation.criteria import BodyFacts, FlagFact, MetricFact, SupportFact


def metric(
    code: str,
    quartile: int | None = None,
    *,
    score: str | None = None,
    value: float | None = 1.0,
    theme: str = "quality",
    scored: bool = True,
    weight: Fraction = Fraction(1),
) -> MetricFact:
    return MetricFact(
        code=code,
        name=f"Metric {code}",
        theme=theme,
        theme_name=theme.capitalize(),
        scored=scored,
        weight=weight,
        value=value,
        quartile=quartile,
        score=Decimal(score) if score is not None else None,
    )


def flag(kind: str, code: str = "M1") -> FlagFact:
    return FlagFact(kind=kind, metric=code)


def rsp(entered: date = date(2021, 5, 1)) -> SupportFact:
    return SupportFact("rsp", "Recovery Support Programme", entered, "rsp-case:1")


def pip() -> SupportFact:
    return SupportFact("pip", "Provider Improvement Programme", date(2025, 5, 1), "pip-case:1")


def body(
    *metrics: MetricFact,
    kind: str = "trust",
    group: str = "trust:acute",
    flags: tuple[FlagFact, ...] = (),
    support: tuple[SupportFact, ...] = (),
) -> BodyFacts:
    return BodyFacts(kind=kind, peer_group=group, metrics=metrics, flags=flags, support=support)


def cqc(overall: float | None, well_led: float | None) -> tuple[MetricFact, ...]:
    """The two CQC rating metrics (coded 1 Outstanding … 4 Inadequate), contextual here so they
    never count among the quartiled metrics of the tests that use them."""
    found = []
    if overall is not None:
        found.append(metric("S001", value=overall, theme="quality", scored=False))
    if well_led is not None:
        found.append(metric("S060", value=well_led, theme="leadership", scored=False))
    return tuple(found)
