"""The words of the catalogue and of flags, as enums the rules compare and the models offer.

Each member is its stored text (a ``StrEnum``: ``Polarity.NEUTRAL == "neutral"``) and carries
the label a page shows; ``choices`` turns an enum into a model field's choices, so the model
and the rules can never name a polarity or a flag kind differently.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Labelled(StrEnum):
    """A StrEnum whose members also carry the words a page shows (``member.label``)."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member


def choices(enum: type[Labelled]) -> list[tuple[str, str]]:
    """A model or form field's choices: (stored text, label) of each member, in order."""
    return [(member.value, member.label) for member in enum]


def stored_values(enum: type[Labelled]) -> list[str]:
    """Every member's stored text, in order (what a catalogue cell may say)."""
    return [member.value for member in enum]


class Polarity(Labelled):
    HIGHER_BETTER = "higher_better", "Higher is better"
    LOWER_BETTER = "lower_better", "Lower is better"
    NEUTRAL = "neutral", "Neutral"


class ValueType(Labelled):
    COUNT = "count", "Count"
    PERCENTAGE = "percentage", "Percentage"
    RATE = "rate", "Rate"
    SCORE = "score", "Score"
    RATING = "rating", "Rating"


class Frequency(Labelled):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class QuarterBasis(Labelled):
    LATEST = "latest", "Latest month in the quarter"
    MEAN = "mean", "Mean of the months"
    SUM = "sum", "Sum of the months"


class RollupMethod(Labelled):
    """How a metric's system (ICS) value is derived from its organisations' values."""

    SUM = "sum", "Sum of the organisations' counts"
    RATIO = "ratio", "Total numerator over total denominator"
    WEIGHTED_MEAN = "weighted_mean", "Population-weighted mean"


class FlagKind(Labelled):
    TOP_QUARTILE = "top_quartile", "Top quartile"
    BOTTOM_QUARTILE = "bottom_quartile", "Bottom quartile"
    DRAMATIC_DROP = "dramatic_drop", "Dramatic drop"
    SUSTAINED_VERY_POOR = "sustained_very_poor", "Sustained very poor performance"
    SPC_IMPROVEMENT = "spc_improvement", "SPC improvement"
    SPC_CONCERN = "spc_concern", "SPC concern"
    FAILING_STANDARD = "failing_standard", "Failing standard"
    NEGATIVE_VARIANCE_FINANCIAL_PLAN = (
        "negative_variance_financial_plan",
        "Negative variance against financial plan",
    )
    CQC_BELOW_GOOD = "cqc_below_good", "CQC rating below Good"


# The API schema names each shared choice set once (settings ENUM_NAME_OVERRIDES).
FLAG_KIND_CHOICES = choices(FlagKind)
ROLLUP_METHOD_CHOICES = choices(RollupMethod)
