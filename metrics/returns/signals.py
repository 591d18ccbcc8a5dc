"""What returns tell the parts that build on them, without importing them (DESIGN.md, "Apps").

``version_accepted`` is sent inside the transaction that accepts a version, so a receiver that
writes (the calculation's request for a run) commits or rolls back with the acceptance. A
receiver that starts something the reviewer should be able to follow (a calculation run)
answers with a ``FollowUp``: the acceptance records it in its audit event and says it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

# Sent with return_record (Return) and version (ReturnVersion), by metrics.returns.review.
version_accepted = Signal()


@dataclass(frozen=True)
class FollowUp:
    """What a receiver started, e.g. ("calculation_run", 12, "Calculation run 12", "/runs/12/")."""

    kind: str
    id: int
    label: str
    url: str
    api_url: str = ""

    def as_detail(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "id": self.id,
            "label": self.label,
            "url": self.url,
            "api_url": self.api_url,
        }


def follow_ups(responses: Sequence[tuple[Any, Any]]) -> list[FollowUp]:
    """The follow-ups among a signal's receivers' answers (``Signal.send``'s list)."""
    return [answer for _, answer in responses if isinstance(answer, FollowUp)]
