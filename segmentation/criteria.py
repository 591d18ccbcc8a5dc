"""The plain values segmentation's pure steps read and return: a body's facts for a quarter
(results, flags, open support cases) and the outcome with its criteria, each met, not met or
not applicable with its evidence in words and the metric codes and flags it read.

No Django here: ``segmentation.facts`` reads a run into these, ``segmentation.proposals``
stores the outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

MET, NOT_MET, NOT_APPLICABLE = "met", "not_met", "not_applicable"

# Groups a criterion belongs to, in the order a page lists them.
SEGMENT_1, SEGMENT_3, SUPPORT, STEP = "segment_1", "segment_3", "support", "step"
GROUP_LABELS = {
    SUPPORT: "Support programme",
    SEGMENT_3: "Mandated support candidate (segment 3): any of",
    SEGMENT_1: "Segment 1 candidate: all of",
    STEP: "Steps of the average metric score",
}


# The group of criteria whose holding makes each proposed segment (2 is the default: none).
DECIDING_GROUP = {1: SEGMENT_1, 3: SEGMENT_3, 4: SUPPORT}


def deciding_labels(
    criteria: list[dict[str, Any]], met_codes: list[str], segment: int | None
) -> list[str]:
    """The criteria, in words, that made the proposed segment: those of its group among the
    codes met (a segment-3 proposal is not explained by a segment-1 criterion that held)."""
    group = DECIDING_GROUP.get(segment or 0)
    return [
        c["label"]
        for c in criteria
        if c.get("group") == group and c.get("code") in met_codes and c.get("label")
    ]


@dataclass(frozen=True)
class MetricFact:
    """One metric's result for the body this quarter (only metrics with an accepted value)."""

    code: str
    name: str
    theme: str
    theme_name: str
    scored: bool
    weight: Fraction
    value: float | None
    quartile: int | None
    score: Decimal | None


@dataclass(frozen=True)
class FlagFact:
    kind: str
    metric: str  # the metric's code ("" for a body-level flag)


@dataclass(frozen=True)
class SupportFact:
    """An open support case of the body at the quarter's end (``segmentation.support``)."""

    programme: str
    programme_label: str
    entered_on: date
    reference: str


@dataclass(frozen=True)
class BodyFacts:
    kind: str  # an OrganisationKind value: ics, ccg, trust, practice
    peer_group: str
    metrics: tuple[MetricFact, ...] = ()
    flags: tuple[FlagFact, ...] = ()
    support: tuple[SupportFact, ...] = ()

    def flags_of(self, kind: str) -> list[FlagFact]:
        return [flag for flag in self.flags if flag.kind == kind]

    def values_of(self, codes: frozenset[str]) -> list[MetricFact]:
        return [m for m in self.metrics if m.code in codes and m.value is not None]


@dataclass(frozen=True)
class Criterion:
    code: str
    group: str
    label: str
    status: str
    evidence: str
    metrics: tuple[str, ...] = ()
    flags: tuple[FlagFact, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "group": self.group,
            "label": self.label,
            "status": self.status,
            "evidence": self.evidence,
            "metrics": list(self.metrics),
            "flags": [{"metric": f.metric, "kind": f.kind} for f in self.flags],
        }


@dataclass(frozen=True)
class DomainScore:
    theme: str
    name: str
    average: Decimal | None


@dataclass(frozen=True)
class Scores:
    """A body's average metric score, how many scores it took, and its domain scores."""

    average: Decimal | None = None
    scored: int = 0
    domains: tuple[DomainScore, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """A proposed segment (None: the method cannot propose one) and everything behind it."""

    segment: int | None
    basis: str
    summary: str
    criteria: tuple[Criterion, ...]
    scores: Scores = field(default_factory=Scores)

    @property
    def average_score(self) -> Decimal | None:
        return self.scores.average

    @property
    def scored_metrics(self) -> int:
        return self.scores.scored

    @property
    def domain_scores(self) -> tuple[DomainScore, ...]:
        return self.scores.domains

    def criterion(self, code: str) -> Criterion:
        return next(c for c in self.criteria if c.code == code)


def codes_text(codes: list[str] | tuple[str, ...], limit: int = 8) -> str:
    """ "S011, S012 and S013"; long lists cut with "and N more"."""
    shown = list(codes[:limit])
    if len(codes) > limit:
        return f"{', '.join(shown)} and {len(codes) - limit} more"
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def share_text(share: Decimal) -> str:
    """0.50 → "half"; other shares as a percentage."""
    if share == Decimal("0.5"):
        return "half"
    return f"{share * 100:g}%"


def support_criterion(
    facts: BodyFacts, programme: str, segment: int | None, programme_label: str
) -> Criterion | None:
    """ "A body in RSP is proposed 4 until it exits" (DESIGN.md), for the method's programme."""
    if not programme or segment is None:
        return None
    open_cases = [s for s in facts.support if s.programme == programme]
    label = f"In the {programme_label}: proposed {segment} until it exits"
    if not open_cases:
        return Criterion(
            "support_programme", SUPPORT, label, NOT_MET, f"Not in the {programme_label}."
        )
    case = open_cases[0]
    return Criterion(
        "support_programme",
        SUPPORT,
        label,
        MET,
        f"In the {programme_label} since {case.entered_on:%-d %B %Y} ({case.reference}), "
        "not exited by the quarter's end.",
    )
