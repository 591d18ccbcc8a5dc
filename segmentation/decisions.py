"""Regional decisions: record, confirm (four eyes), send back (DESIGN.md "Regional review").

Each is one transaction with its audit record; notifications and signals go out after the
commit. The rules live here, for the pages, the API and the demo alike:

- only those who may decide on the body (a regional lead of its region, or national) record,
  confirm or send back; others who oversee the body are refused (403), anyone else never
  learns it exists (404);
- a decision is made on the quarter's proposal under its review method; the rationale is
  required where the segment differs from the proposal; deciding an ICS into segment 1 needs
  both ICS judgement items; segment 5 (NOF 2025/26) only for a body proposed or standing in 4;
- one open decision (awaiting confirmation, or confirmed) per body and quarter;
- a decision is confirmed by a second person, never the one who recorded it (four eyes); the
  recorder or the second lead may send it back, with a reason, until it is published;
- published decisions are locked: a change is a new decision, with its reason, that
  supersedes the published one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import Event, audit_log
from accounts.models import User
from accounts.roles import DECIDE_SEGMENT
from accounts.scope import can
from metrics.models.catalogue import Period
from oversight.errors import ActionRefused, InputRejected, NotFound, NotPermitted
from oversight.models import Organisation, OrganisationKind
from segmentation.access import oversees
from segmentation.actions import FOUR_EYES, LOCKED
from segmentation.methods import review_method
from segmentation.models import (
    OPEN_STATES,
    DecisionState,
    NotificationKind,
    Proposal,
    SegmentationEvent,
    SegmentDecision,
    SystemView,
)
from segmentation.notifications import notify, regional_leads
from segmentation.signals import decision_confirmed, decision_sent_back
from segmentation.standing import published_before, published_in


def require_decider(user: User, organisation: Organisation) -> None:
    """NotFound outside the user's oversight; NotPermitted where they oversee but not decide."""
    if not oversees(user, organisation):
        raise NotFound("No such organisation.")
    if not can(user, DECIDE_SEGMENT, organisation):
        raise NotPermitted(
            f"Only a regional lead of {organisation.region.name} records, confirms or sends "
            "back its segmentation decisions."
        )


@dataclass(frozen=True)
class Judgement:
    """What the reviewer records beside the segment (issue 8 item 4)."""

    rationale: str = ""
    capability: str = ""
    system_context: str = ""
    tackling_variation: bool | None = None
    four_purposes: bool | None = None
    change_reason: str = ""


def decision_url(decision: SegmentDecision) -> str:
    return f"/segmentation/{decision.period.slug}/bodies/{decision.organisation.ods_code}/"


@transaction.atomic
def decision_record(
    *,
    organisation: Organisation,
    period: Period,
    segment: int,
    judgement: Judgement,
    user: User,
) -> SegmentDecision:
    """Record the region's decision on a body's segment for the quarter, awaiting confirmation."""
    require_decider(user, organisation)
    method = review_method(period)
    proposal = (
        Proposal.objects.filter(organisation=organisation, period=period, method=method).first()
        if method is not None
        else None
    )
    if method is None or proposal is None:
        raise ActionRefused(
            f"There is no proposal for {organisation.name} in {period.label} yet: the "
            "quarter's calculation run must finish first."
        )
    open_decision = SegmentDecision.objects.filter(
        organisation=organisation, period=period, state__in=OPEN_STATES
    ).first()
    if open_decision is not None:
        state = open_decision.get_state_display().lower()
        raise ActionRefused(
            f"A decision on {organisation.name} for {period.label} is {state}: send it back "
            "before recording another."
        )
    published = published_in(period).filter(organisation=organisation).first()
    _check(organisation, period, segment, judgement, proposal, published, method.segments)
    try:
        with transaction.atomic():
            decision = SegmentDecision.objects.create(
                organisation=organisation,
                period=period,
                method=method,
                proposal=proposal,
                proposed_segment=proposal.segment,
                proposal_run_id=proposal.run_id,
                proposal_criteria_met=proposal.criteria_met(),
                segment=segment,
                rationale=judgement.rationale.strip(),
                capability=judgement.capability.strip(),
                system_context=judgement.system_context.strip(),
                tackling_variation=judgement.tackling_variation,
                four_purposes=judgement.four_purposes,
                system_view=SystemView.objects.filter(
                    organisation=organisation, period=period
                ).first(),
                recorded_by=user,
                supersedes=published,
                change_reason=judgement.change_reason.strip() if published else "",
            )
    except IntegrityError:  # another lead recorded one at the same moment
        raise ActionRefused(
            f"Another decision on {organisation.name} for {period.label} was just recorded."
        ) from None
    _audit(decision, SegmentationEvent.Action.DECISION_RECORDED, user)
    notify(
        kind=NotificationKind.AWAITING_CONFIRMATION,
        event=f"decision:{decision.pk}:recorded",
        recipients=regional_leads(organisation.region) - {user.pk},
        subject=f"Decision awaiting confirmation: {organisation.name}, {period.label}",
        body=(
            f"{user.get_full_name()} recorded segment {segment} for {organisation.name} "
            f"({period.label}; proposed {proposal.segment or 'none'}). A second regional lead "
            "must confirm it or send it back."
        ),
        url=decision_url(decision),
    )
    return decision


def _check(
    organisation: Organisation,
    period: Period,
    segment: int,
    judgement: Judgement,
    proposal: Proposal,
    published: SegmentDecision | None,
    segments: range,
) -> None:
    problems: dict[str, list[str]] = {}
    if segment not in segments:
        problems["segment"] = [f"Choose a segment from 1 to {segments[-1]}."]
    elif segment == 5:
        before = published_before(period).filter(organisation=organisation).first()
        standing = {proposal.segment, before.segment if before else None}
        if not standing & {4, 5}:
            problems["segment"] = ["Segment 5 is for bodies proposed or standing in segment 4."]
    if segment != proposal.segment and not judgement.rationale.strip():
        problems["rationale"] = [
            f"Give the rationale: the decision differs from the proposed segment "
            f"({proposal.segment or 'none'})."
        ]
    if organisation.kind == OrganisationKind.ICS and segment == 1:
        for name, words in (
            ("tackling_variation", "tackles unwarranted variation"),
            ("four_purposes", "shows capability against the four purposes"),
        ):
            if getattr(judgement, name) is not True:
                problems[name] = [f"Segment 1 for an ICS needs your judgement that it {words}."]
    if published is not None and not judgement.change_reason.strip():
        problems["change_reason"] = [
            f"Segment {published.segment} is published for {period.label}: say why it changes."
        ]
    if problems:
        raise InputRejected("The decision cannot be recorded as it is.", problems)


def _locked(decision: SegmentDecision) -> SegmentDecision:
    locked = SegmentDecision.objects.select_for_update().filter(pk=decision.pk).first()
    if locked is None:
        raise NotFound("No such decision.")
    return locked


@transaction.atomic
def decision_confirm(*, decision: SegmentDecision, user: User) -> SegmentDecision:
    """Confirm a decision awaiting confirmation: by anyone who may decide but its recorder."""
    decision = _locked(decision)
    require_decider(user, decision.organisation)
    if decision.state != DecisionState.RECORDED:
        raise ActionRefused(
            f"This decision is {decision.get_state_display().lower()}: only a decision "
            "awaiting confirmation can be confirmed."
        )
    if decision.recorded_by_id == user.pk:
        raise ActionRefused(FOUR_EYES)
    decision.state = DecisionState.CONFIRMED
    decision.confirmed_by = user
    decision.confirmed_at = timezone.now()
    decision.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    _audit(decision, SegmentationEvent.Action.DECISION_CONFIRMED, user)
    before = published_before(decision.period).filter(organisation=decision.organisation).first()
    transaction.on_commit(
        partial(
            decision_confirmed.send_robust,
            sender=SegmentDecision,
            decision_id=decision.pk,
            organisation_id=decision.organisation_id,
            period_id=decision.period_id,
            segment=decision.segment,
            previous_segment=before.segment if before else None,
        )
    )
    return decision


@transaction.atomic
def decision_send_back(*, decision: SegmentDecision, reason: str, user: User) -> SegmentDecision:
    """Send back an unpublished decision with a reason (the recorder or the second lead)."""
    decision = _locked(decision)
    require_decider(user, decision.organisation)
    if decision.state == DecisionState.PUBLISHED:
        raise ActionRefused(LOCKED)
    if decision.state == DecisionState.SENT_BACK:
        raise ActionRefused("This decision has been sent back already.")
    if not reason.strip():
        raise InputRejected("Say why it is sent back.", {"reason": ["Give the reason."]})
    was_confirmed = decision.state == DecisionState.CONFIRMED
    decision.state = DecisionState.SENT_BACK
    decision.sent_back_by = user
    decision.sent_back_at = timezone.now()
    decision.sent_back_reason = reason.strip()
    decision.save(update_fields=["state", "sent_back_by", "sent_back_at", "sent_back_reason"])
    _audit(decision, SegmentationEvent.Action.DECISION_SENT_BACK, user, reason=reason.strip())
    organisation = decision.organisation
    notify(
        kind=NotificationKind.SENT_BACK,
        event=f"decision:{decision.pk}:sent_back",
        recipients={
            pk for pk in (decision.recorded_by_id, decision.confirmed_by_id) if pk is not None
        }
        - {user.pk},
        subject=f"Decision sent back: {organisation.name}, {decision.period.label}",
        body=(
            f"{user.get_full_name()} sent back the decision of segment {decision.segment} for "
            f"{organisation.name} ({decision.period.label}): {reason.strip()}"
        ),
        url=decision_url(decision),
    )
    transaction.on_commit(
        partial(
            decision_sent_back.send_robust,
            sender=SegmentDecision,
            decision_id=decision.pk,
            was_confirmed=was_confirmed,
        )
    )
    return decision


def _audit(decision: SegmentDecision, action: str, user: User, **detail: object) -> None:
    audit_log(
        Event.DECISION,
        user=user,
        obj=f"segment_decision:{decision.pk}",
        action=action,
        segment=decision.segment,
        state=decision.state,
    )
    SegmentationEvent.objects.create(
        action=action,
        actor=user,
        period_id=decision.period_id,
        organisation_id=decision.organisation_id,
        region_id=decision.organisation.region_id,
        decision=decision,
        detail={
            "segment": decision.segment,
            "proposed": decision.proposed_segment,
            "state": decision.state,
            **detail,
        },
    )
