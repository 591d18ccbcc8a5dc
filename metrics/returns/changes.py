"""What a new version changes against the one before it: value by value, new, changed,
unchanged or removed. The preview shows it, the "uploaded" event counts it and the "values
changed" event lists it, all from ``value_changes``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from metrics.models.returns import Value
from metrics.returns.context import CleanValue

Cell = tuple[str, date]  # (metric code, period end)
KINDS = ("new", "changed", "unchanged", "removed")


@dataclass(frozen=True)
class ValueChange:
    metric_code: str
    period_end: date
    old: float | None
    new: float | None

    @property
    def kind(self) -> str:
        if self.old is None:
            return "new"
        if self.new is None:
            return "removed"
        return "unchanged" if self.old == self.new else "changed"

    def as_detail(self) -> dict[str, object]:
        """How a "values changed" event records it."""
        return {
            "metric": self.metric_code,
            "period_end": self.period_end.isoformat(),
            "old": self.old,
            "new": self.new,
        }


def value_changes(before: Mapping[Cell, float], values: Iterable[CleanValue]) -> list[ValueChange]:
    """Every cell of either version, in (metric, period end) order, old → new."""
    after = {(v.metric_code, v.period_end): v.value for v in values}
    return [
        ValueChange(code, end, before.get((code, end)), after.get((code, end)))
        for code, end in sorted(before.keys() | after.keys())
    ]


def change_counts(changes: Iterable[ValueChange]) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
    for change in changes:
        counts[change.kind] += 1
    return counts


def values_of(version_ids: Collection[int]) -> dict[int, dict[Cell, float]]:
    """The values of these versions by version id, in one query."""
    cells: dict[int, dict[Cell, float]] = defaultdict(dict)
    rows = Value.objects.filter(version_id__in=list(version_ids)).values_list(
        "version_id", "metric__code", "period_end", "value"
    )
    for version_id, code, end, value in rows:
        cells[version_id][(code, end)] = value
    return cells
