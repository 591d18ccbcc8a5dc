"""A body's flags grouped by kind for reading: concerns first, then strengths, then the rest,
each kind with its count (the order of the kinds within each is the framework's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from metrics.engine.kinds import FlagKind
from metrics.results.explain import CONCERN_KINDS, STRENGTH_KINDS, FlagView

CONCERN, STRENGTH, OTHER = "concern", "strength", "other"


@dataclass
class FlagGroup:
    kind: FlagKind
    nature: str  # concern | strength | other
    flags: list[FlagView] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def count(self) -> int:
        return len(self.flags)


def nature_of(kind: str) -> str:
    if kind in CONCERN_KINDS:
        return CONCERN
    return STRENGTH if kind in STRENGTH_KINDS else OTHER


def flag_groups(flags: Sequence[FlagView]) -> list[FlagGroup]:
    """One group per kind present, concerns first; within a group the flags keep their order."""
    groups: dict[str, FlagGroup] = {}
    for view in flags:
        kind = FlagKind(view.flag.kind)
        groups.setdefault(kind, FlagGroup(kind, nature_of(kind))).flags.append(view)
    rank = {CONCERN: 0, STRENGTH: 1, OTHER: 2}
    order = list(FlagKind)
    return sorted(groups.values(), key=lambda g: (rank[g.nature], order.index(g.kind)))
