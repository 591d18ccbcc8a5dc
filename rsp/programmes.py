"""The programmes each framework edition brings (migration 0002 seeds them; the admin edits)."""

from __future__ import annotations

from rsp.models import LeadKind, Programme
from segmentation.models import SupportProgramme

DEFAULT_PROGRAMMES = (
    (
        "sof-2021-22",
        3,
        SupportProgramme.MANDATED_SUPPORT,
        "Mandated support",
        LeadKind.REGIONAL_LEAD,
    ),
    ("sof-2021-22", 4, SupportProgramme.RSP, "Recovery Support Programme", LeadKind.SID),
    ("nof-2025-26", 5, SupportProgramme.PIP, "Provider Improvement Programme", LeadKind.SID),
)


def programmes_ensure() -> list[Programme]:
    """The default programmes, created where missing (a flushed test database, a new demo)."""
    return [
        Programme.objects.get_or_create(
            edition_code=edition_code,
            segment=segment,
            defaults={"kind": kind, "name": name, "lead_kind": lead_kind},
        )[0]
        for edition_code, segment, kind, name, lead_kind in DEFAULT_PROGRAMMES
    ]
