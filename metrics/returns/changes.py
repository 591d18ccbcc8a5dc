"""What a new version changes against another: value by value, new, changed, unchanged or
removed — or refused, where the file's row for the value has a blocking problem (a preview's
refused row is not a value the body removed). The preview shows it, the "uploaded" event counts
it and the "values changed" event lists it, all from ``value_changes``; the approver and the
region see it against the last accepted version (``metrics.returns.review_changes``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from metrics.engine.cells import format_number
from metrics.models.returns import Return, Value
from metrics.returns.context import CleanValue

Cell = tuple[str, date]  # (metric code, period end)
KINDS = ("new", "changed", "unchanged", "removed", "refused")


@dataclass(frozen=True)
class ValueChange:
    metric_code: str
    period_end: date
    old: float | None
    new: float | None
    refused: bool = False  # the file's row for it was refused: neither new nor removed

    @property
    def kind(self) -> str:
        if self.refused and self.new is None:
            return "refused"
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


def value_changes(
    before: Mapping[Cell, float],
    values: Iterable[CleanValue],
    refused: Collection[Cell] = (),
) -> list[ValueChange]:
    """Every cell of either version, in (metric, period end) order, old → new; ``refused``
    cells (rows with a blocking problem) are "refused" unless another row gave their value."""
    after = {(v.metric_code, v.period_end): v.value for v in values}
    return cell_changes(before, after, refused)


def cell_changes(
    before: Mapping[Cell, float], after: Mapping[Cell, float], refused: Collection[Cell] = ()
) -> list[ValueChange]:
    refused = set(refused)
    return [
        ValueChange(
            code, end, before.get((code, end)), after.get((code, end)), (code, end) in refused
        )
        for code, end in sorted(before.keys() | after.keys() | refused)
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


# --- what the approver and the region review -------------------------------------------------


@dataclass(frozen=True)
class AcceptedComparison:
    """The current version against the return's last accepted version, as reviewers read it:
    each value that is new, changed or removed, with the comment the body gave with it."""

    current_number: int
    accepted_number: int | None  # None: no version of this return was accepted yet
    changes: list[ValueChange]  # only new, changed and removed: unchanged ones are counted
    counts: dict[str, int]
    comments: dict[Cell, str]  # the current version's comment on each value that has one

    def comment_on(self, change: ValueChange) -> str:
        return self.comments.get((change.metric_code, change.period_end), "")

    @property
    def rows(self) -> list[tuple[ValueChange, str]]:
        return [(change, self.comment_on(change)) for change in self.changes]

    @property
    def shown(self) -> list[tuple[ValueChange, str, str, str]]:
        """(change, old, new, comment) with the numbers as messages write them ("–": none)."""
        return [
            (change, _shown(change.old), _shown(change.new), comment)
            for change, comment in self.rows
        ]


def _shown(number: float | None) -> str:
    return "–" if number is None else format_number(number)


def changes_since_accepted(return_record: Return) -> AcceptedComparison | None:
    """What the current version changes since the last accepted one, in one query (None: no
    version yet). With nothing accepted yet every value is new."""
    current = return_record.current_version
    if current is None:
        return None
    accepted_id = return_record.accepted_version_id
    cells: dict[int, dict[Cell, float]] = defaultdict(dict)
    comments: dict[Cell, str] = {}
    rows = Value.objects.filter(version_id__in=[current.pk, accepted_id or current.pk])
    for version_id, code, end, value, comment in rows.values_list(
        "version_id", "metric__code", "period_end", "value", "comment"
    ):
        cells[version_id][(code, end)] = value
        if version_id == current.pk and comment:
            comments[(code, end)] = comment
    before = cells.get(accepted_id, {}) if accepted_id else {}
    every = cell_changes(before, cells.get(current.pk, {}))
    accepted_number = (
        return_record.accepted_version.number if return_record.accepted_version else None
    )
    return AcceptedComparison(
        current_number=current.number,
        accepted_number=accepted_number,
        changes=[change for change in every if change.kind != "unchanged"],
        counts=change_counts(every),
        comments=comments,
    )
