"""Demo step: the latest quarter half-reviewed in the demo users' regions, so each state of the
regional review shows (issue 8 item 10).

- an illustrative "defined thresholds" method beside the edition's primary one (its cut points
  are ours, not NHS England's), so the national comparison has two methods to compare;
- first region (the regional lead's): the quarter before published in full (the "current
  segment" of the review), then in the latest quarter: some decisions confirmed, some awaiting
  confirmation (by either lead, so each has one to confirm), two sent back, the ICS lead's
  views on half of their organisations, the rest proposed only;
- second region: the latest quarter decided, confirmed and published, a few decisions differing
  from the proposal with their rationale.

Every write goes through the operations the pages call (decisions, views, publication), so the
demo's audit trail and notifications are real. Safe to re-run: a quarter that already has
decisions is left alone. Emails go to memory here, not the console the demo serves on.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TextIO

from django.db import transaction
from django.test.utils import override_settings

from accounts.demo import demo_scopes
from accounts.models import User
from metrics.models.calculation import CurrentRun
from metrics.models.catalogue import Methodology, Period
from oversight.models import OrganisationKind, Region
from segmentation.criteria import MET, SEGMENT_3
from segmentation.decisions import Judgement, decision_confirm, decision_record, decision_send_back
from segmentation.methods import review_method
from segmentation.models import Proposal, SegmentationMethod, SegmentDecision
from segmentation.proposals import proposals_compute
from segmentation.publication import publication_publish
from segmentation.system_views import system_view_record

LEAD, DEPUTY = "region.lead@oversight.example", "region.deputy@oversight.example"
LEAD2, DEPUTY2 = "region2.lead@oversight.example", "region2.deputy@oversight.example"
ICS_LEAD = "ics.lead@oversight.example"
ILLUSTRATIVE_NOTE = (
    "Illustrative only: defined thresholds as the NOF 2026/27 manual describes the approach, "
    "with cut points of our own (1.75, 2.50, 3.25), not NHS England's."
)


def review_quarter(*, ods_folder: Path | None, stdout: TextIO) -> None:
    """Demo step (see the module docstring)."""
    pointers = list(CurrentRun.objects.select_related("period", "run").order_by("-period__end")[:2])
    if not pointers:
        stdout.write("No calculation run: no segmentation to review.\n")
        return
    latest = pointers[0]
    _illustrative_method(latest.run.edition_id, latest.run.pk, stdout)
    users = {
        u.email: u for u in User.objects.filter(email__in=[LEAD, DEPUTY, LEAD2, DEPUTY2, ICS_LEAD])
    }
    scopes = demo_scopes()
    region, region2 = scopes["region"], scopes["region2"]
    assert isinstance(region, Region)
    assert isinstance(region2, Region)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        if len(pointers) > 1:
            _publish_all(region, pointers[1].period, users[LEAD], users[DEPUTY], stdout)
        _half_review(region, latest.period, users, stdout)
        _publish_all(region2, latest.period, users[LEAD2], users[DEPUTY2], stdout, differ=3)


def _illustrative_method(edition_id: int, run_id: int, stdout: TextIO) -> None:
    code = "defined-thresholds-illustrative"
    if SegmentationMethod.objects.filter(code=code).exists():
        return
    SegmentationMethod.objects.create(
        edition_id=edition_id,
        code=code,
        name="Defined thresholds (illustrative)",
        rules=Methodology.NOF_2025_26,
        primary=False,
        illustrative=True,
        note=ILLUSTRATIVE_NOTE,
        segmented_kinds="trust",
        highest_segment=4,
        cut_point_1=Decimal("1.75"),
        cut_point_2=Decimal("2.50"),
        cut_point_3=Decimal("3.25"),
    )
    stored = proposals_compute(run_id=run_id)
    stdout.write(f"  Illustrative defined-thresholds method: {stored.get(code, 0)} proposals\n")


def _proposals(region: Region, period: Period) -> list[Proposal]:
    method = review_method(period)
    return list(
        Proposal.objects.filter(period=period, method=method, organisation__region=region)
        .select_related("organisation__system", "organisation__region")
        .order_by("organisation__ods_code")
    )


def _weight_of_concern(proposal: Proposal) -> int:
    """How much of the mandated-support evidence holds: the flags its met criteria cite."""
    return sum(
        len(c.get("flags", ())) + 1
        for c in proposal.criteria or ()
        if c.get("group") == SEGMENT_3 and c.get("status") == MET
    )


def mandated_by_judgement(proposals: list[Proposal]) -> set[int]:
    """The candidates a regional team would put into mandated support: the quarter of the
    region's bodies with the most evidence among those proposed 3 (the demo's synthetic data
    makes most bodies candidates; the team's judgement does not put most into segment 3)."""
    candidates = sorted(
        (p for p in proposals if p.segment == 3), key=_weight_of_concern, reverse=True
    )
    return {p.pk for p in candidates[: max(1, len(proposals) // 4)]}


def _decide(
    proposal: Proposal,
    user: User,
    *,
    mandated: set[int],
    differ: bool = False,
    reason: str = "",
) -> SegmentDecision:
    proposed = proposal.segment or 2
    if proposed == 3 and proposal.pk not in mandated:
        segment = 2
        rationale = reason or (
            "The criteria met rest on a few metrics the ICS is already addressing; support "
            "through the ICS for now, and review next quarter."
        )
    else:
        segment = min(proposed + 1, 4) if differ else proposed
        rationale = reason or (
            "Recent improvement is not yet sustained; the ICS lead's view and the latest SPC "
            "signals suggest more support for now."
            if segment != proposal.segment
            else ""
        )
    ics = proposal.organisation.kind == OrganisationKind.ICS
    return decision_record(
        organisation=proposal.organisation,
        period=proposal.period,
        segment=segment,
        judgement=Judgement(
            rationale=rationale,
            capability="Leadership team stable; improvement capability developing.",
            system_context="Part of a system under financial pressure.",
            tackling_variation=True if ics else None,
            four_purposes=True if ics else None,
        ),
        user=user,
    )


@transaction.atomic
def _publish_all(
    region: Region, period: Period, lead: User, deputy: User, stdout: TextIO, differ: int = 0
) -> None:
    proposals = _proposals(region, period)
    if (
        not proposals
        or SegmentDecision.objects.filter(period=period, organisation__region=region).exists()
    ):
        return
    mandated = mandated_by_judgement(proposals)
    for n, proposal in enumerate(proposals):
        decision = _decide(proposal, deputy, mandated=mandated, differ=n < differ)
        decision_confirm(decision=decision, user=lead)
    publication_publish(region=region, period=period, user=lead, accept_missing=True)
    stdout.write(f"  {region.name}, {period.label}: {len(proposals)} decisions published\n")


@transaction.atomic
def _half_review(region: Region, period: Period, users: dict[str, User], stdout: TextIO) -> None:
    proposals = _proposals(region, period)
    if (
        not proposals
        or SegmentDecision.objects.filter(period=period, organisation__region=region).exists()
    ):
        return
    lead, deputy, ics_lead = users[LEAD], users[DEPUTY], users[ICS_LEAD]
    system_id = demo_scopes()["system"].pk  # type: ignore[union-attr]
    own = [p for p in proposals if p.organisation.system_id == system_id]
    others = [p for p in proposals if p.organisation.system_id != system_id]
    for proposal in own[::2]:  # views on half the ICS lead's organisations
        if proposal.organisation.kind != OrganisationKind.ICS:
            system_view_record(
                organisation=proposal.organisation,
                period=period,
                text="Leadership has changed this year; the system supports the proposal and "
                "asks that recovery plans be taken into account.",
                suggested_segment=proposal.segment,
                user=ics_lead,
            )
    mandated = mandated_by_judgement(proposals)
    quarter = len(others) // 4
    counts = {"confirmed": 0, "awaiting": 0, "sent back": 0}
    for n, proposal in enumerate(others[: 2 * quarter]):
        if n < quarter:
            decision = _decide(proposal, deputy, mandated=mandated, differ=n % 5 == 0)
            decision_confirm(decision=decision, user=lead)
            counts["confirmed"] += 1
        elif n < quarter + 2:
            decision = _decide(proposal, lead, mandated=mandated)
            decision_send_back(
                decision=decision,
                reason="Wait for the corrected A&E return before deciding.",
                user=deputy,
            )
            counts["sent back"] += 1
        else:  # awaiting confirmation: by the other lead
            _decide(proposal, lead if n % 2 else deputy, mandated=mandated, differ=n % 3 == 0)
            counts["awaiting"] += 1
    stdout.write(
        f"  {region.name}, {period.label}: "
        + ", ".join(f"{n} {what}" for what, n in counts.items())
        + f", {len(proposals) - sum(counts.values())} proposed only\n"
    )
