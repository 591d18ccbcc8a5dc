"""What the system lens gives the segmentation review as evidence about a body: its specific
concerns (open ones, and the outcomes of assessed ones) and, for a body overseen across ICSs,
its agreed lead ICS and the other ICSs it serves.

Segmentation sits below this app, so its pages cannot import this module; the review links to
the body's oversight page (``body_oversight_url``, a plain URL) — or, composed at the root,
calls ``evidence_for`` for a page of bodies in a constant number of queries (two)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from accounts.scope import AnyUser
from oversight.models import System
from systemlens.access import concerns_visible
from systemlens.models import Concern, ServedSystem


@dataclass
class BodyEvidence:
    concerns: list[Concern] = field(default_factory=list)  # open first, then closed, newest first
    lead_system: System | None = None
    served_systems: list[System] = field(default_factory=list)  # besides the lead

    @property
    def open_concerns(self) -> list[Concern]:
        return [c for c in self.concerns if c.is_open]


def body_oversight_url(ods_code: str) -> str:
    return f"/bodies/{ods_code}/oversight/"


def evidence_for(*, user: AnyUser, organisation_ids: Iterable[int]) -> dict[int, BodyEvidence]:
    """Each body's evidence, for the bodies the user oversees (others get an empty one)."""
    ids = list(organisation_ids)
    found: dict[int, BodyEvidence] = defaultdict(BodyEvidence)
    concerns = (
        concerns_visible(user)
        .filter(organisation_id__in=ids)
        .select_related("metric", "period")
        .order_by("closed_at", "-opened_at", "-id")
    )
    for concern in concerns:
        found[concern.organisation_id].concerns.append(concern)
    served = ServedSystem.objects.filter(organisation_id__in=ids).select_related("system")
    for row in served.order_by("-is_lead", "system__name"):
        evidence = found[row.organisation_id]
        if row.is_lead:
            evidence.lead_system = row.system
        else:
            evidence.served_systems.append(row.system)
    return {pk: found.get(pk, BodyEvidence()) for pk in ids}
