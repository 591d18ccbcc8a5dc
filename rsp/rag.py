"""An action's RAG, computed from its dates and progress (pure: plain values in and out).

- closed: Complete;
- past its due date and not closed: Red (overdue);
- otherwise progress is compared with the share of the time from start to due that has
  passed: more than 40 points behind is Red, more than 15 behind is Amber; and an action due
  within 7 days that is less than three quarters done (and not proposed for closure) is Amber;
- else Green.
A person may override the computed RAG with a reason; the page shows both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rsp.models.plan import ActionStatus, Rag

DUE_SOON_DAYS = 7
RED_BEHIND = 40
AMBER_BEHIND = 15


@dataclass(frozen=True)
class RagReading:
    rag: str  # a Rag value
    reason: str
    computed: str  # the computed Rag value (differs from ``rag`` when overridden)
    overridden: bool = False

    @property
    def label(self) -> str:
        return Rag(self.rag).label

    @property
    def colour(self) -> str:
        return {"red": "red", "amber": "orange", "green": "green", "complete": "grey"}[self.rag]


def expected_progress(starts_on: date, due_on: date, today: date) -> int:
    span = max((due_on - starts_on).days, 1)
    elapsed = min(max((today - starts_on).days, 0), span)
    return round(100 * elapsed / span)


def computed_rag(
    *, status: str, progress: int, starts_on: date, due_on: date, today: date
) -> tuple[str, str]:
    """The RAG value and the reason, in words."""
    if status == ActionStatus.CLOSED:
        return Rag.COMPLETE, "Closed."
    if today > due_on:
        days = (today - due_on).days
        return Rag.RED, f"Overdue by {days} day{'s' if days != 1 else ''}."
    expected = expected_progress(starts_on, due_on, today)
    behind = expected - progress
    if behind > RED_BEHIND:
        return Rag.RED, f"{progress}% done; {expected}% expected by now."
    if behind > AMBER_BEHIND:
        return Rag.AMBER, f"{progress}% done; {expected}% expected by now."
    left = (due_on - today).days
    if left <= DUE_SOON_DAYS and progress < 75 and status != ActionStatus.CLOSURE_PROPOSED:
        return Rag.AMBER, f"Due in {left} day{'s' if left != 1 else ''} and {progress}% done."
    return Rag.GREEN, f"{progress}% done; {expected}% expected by now."


def action_rag(
    *,
    status: str,
    progress: int,
    starts_on: date,
    due_on: date,
    today: date,
    override: str = "",
    override_reason: str = "",
) -> RagReading:
    rag, reason = computed_rag(
        status=status, progress=progress, starts_on=starts_on, due_on=due_on, today=today
    )
    if override and status != ActionStatus.CLOSED:
        return RagReading(
            override,
            f"Set by hand: {override_reason} (computed: {Rag(rag).label} – {reason})",
            rag,
            overridden=True,
        )
    return RagReading(rag, reason, rag)
