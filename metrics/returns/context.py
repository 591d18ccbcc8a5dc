"""What validating a return needs and gives, as plain values: the catalogue's rules, the body's
context, findings and clean values. (The database is read by the callers that build them.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from metrics.models.catalogue import Metric


Severity = Literal["blocking", "warning"]
BLOCKING: Severity = "blocking"
WARNING: Severity = "warning"


@dataclass(frozen=True)
class MetricRule:
    """A snapshot of a catalogue ``Metric``: what validation needs to know about it."""

    code: str
    name: str
    applies_to: frozenset[str]
    frequency: str  # "monthly" | "quarterly"
    value_type: str  # "count" | "percentage" | "rate" | "score" | "rating"
    unit: str
    valid_min: float | None
    valid_max: float | None

    @classmethod
    def from_metric(cls, metric: Metric) -> MetricRule:
        return cls(
            code=metric.code,
            name=metric.name,
            applies_to=metric.applicable_groups,
            frequency=metric.frequency,
            value_type=metric.value_type,
            unit=metric.unit,
            valid_min=metric.valid_min,
            valid_max=metric.valid_max,
        )

    @property
    def is_share(self) -> bool:
        """A percentage whose value is 100 × numerator ÷ denominator.

        Not those in percentage points or of growth: a difference of two percentages, or a
        change, is not one fraction.
        """
        unit = self.unit.lower()
        return self.value_type == "percentage" and "point" not in unit and "growth" not in unit

    @property
    def is_proportion(self) -> bool:
        """A share that cannot exceed 100%: its numerator can never exceed its denominator.

        "% of 2019/20 baseline" (valid up to 300) is a share but not a proportion.
        """
        low, high = self.valid_min, self.valid_max
        return self.is_share and low is not None and low >= 0 and high is not None and high <= 100


@lru_cache(maxsize=8)
def upper_cased(codes: frozenset[str]) -> frozenset[str]:
    return frozenset(code.upper() for code in codes)


@dataclass(frozen=True)
class ValidationContext:
    organisation_code: str  # the body this return is for
    organisation_group: str  # "ics" | "ccg" | "acute" | "mental_health" | … (kind or sector)
    period_start: date  # the quarter
    period_end: date
    metrics: Mapping[str, MetricRule]  # the edition's catalogue by code
    # code -> this body's accepted past values as (period end, value), any order
    history: Mapping[str, Sequence[tuple[date, float]]]
    codes_in_scope: frozenset[str]  # organisation codes the uploader may submit for
    known_organisation_codes: frozenset[str]

    # Upper-cased lookups, computed once per validation rather than once per row (and once per
    # set of codes: a national file's bodies share the registry's and the uploader's).
    @property
    def known_codes(self) -> frozenset[str]:
        return upper_cased(self.known_organisation_codes)

    @property
    def scope_codes(self) -> frozenset[str]:
        return upper_cased(self.codes_in_scope)

    @cached_property
    def metrics_by_code(self) -> dict[str, MetricRule]:
        return {code.upper(): rule for code, rule in self.metrics.items()}

    def applicable_metrics(self) -> list[MetricRule]:
        """The catalogue's metrics for this body's group, by code."""
        rules = (
            rule for rule in self.metrics.values() if self.organisation_group in rule.applies_to
        )
        return sorted(rules, key=lambda rule: rule.code)


@dataclass(frozen=True)
class FindingData:
    row: int | None  # the file's line; None for the return as a whole
    column: str  # one of COLUMNS, or ""
    code: str  # stable, e.g. "unknown_metric"
    severity: Literal["blocking", "warning"]
    message: str  # where, what is wrong and what to do
    metric_code: str = ""  # the catalogue code, when the finding concerns a known metric


@dataclass(frozen=True)
class CleanValue:
    line: int
    metric_code: str  # as the catalogue spells it
    period_end: date
    value: float
    numerator: float | None
    denominator: float | None
    comment: str
