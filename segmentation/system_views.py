"""ICS leads' views on their organisations' proposals, asked for by the region and recorded
before its decision (issue 8 item 5; the framework: decisions "have regard to the views of
system leaders")."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.roles import DECIDE_SEGMENT, RECORD_SYSTEM_VIEW
from accounts.scope import can, systems_visible_to
from metrics.models.catalogue import Period
from oversight.errors import ActionRefused, InputRejected, NotFound, NotPermitted
from oversight.models import Organisation, OrganisationKind, System
from segmentation.access import oversees
from segmentation.methods import review_method
from segmentation.models import (
    DecisionState,
    NotificationKind,
    SegmentationEvent,
    SegmentDecision,
    SystemView,
    ViewRequest,
)
from segmentation.notifications import ics_leads, notify


@transaction.atomic
def system_view_record(
    *,
    organisation: Organisation,
    period: Period,
    text: str,
    suggested_segment: int | None,
    user: User,
) -> SystemView:
    """Record the ICS lead's view on one organisation's segmentation for the quarter."""
    if not oversees(user, organisation):
        raise NotFound("No such organisation.")
    if not can(user, RECORD_SYSTEM_VIEW, organisation) or organisation.system is None:
        raise NotPermitted("Only the ICS lead of its system records views on this organisation.")
    if organisation.kind == OrganisationKind.ICS:
        raise ActionRefused(
            "An ICS lead's views are on the system's organisations, not on the ICS itself."
        )
    decided = SegmentDecision.objects.filter(
        organisation=organisation,
        period=period,
        state__in=[DecisionState.CONFIRMED, DecisionState.PUBLISHED],
    ).exists()
    if decided:
        raise ActionRefused(
            f"The decision on {organisation.name} for {period.label} is confirmed: views are "
            "recorded before the regional decision."
        )
    method = review_method(period)
    highest = method.highest_segment if method else 4
    problems: dict[str, list[str]] = {}
    if not text.strip():
        problems["text"] = ["Write your view."]
    if suggested_segment is not None and not 1 <= suggested_segment <= highest:
        problems["suggested_segment"] = [f"Choose a segment from 1 to {highest}, or none."]
    if problems:
        raise InputRejected("The view cannot be recorded as it is.", problems)
    view = SystemView.objects.create(
        organisation=organisation,
        period=period,
        author=user,
        text=text.strip(),
        suggested_segment=suggested_segment,
    )
    SegmentationEvent.objects.create(
        action=SegmentationEvent.Action.VIEW_RECORDED,
        actor=user,
        period=period,
        organisation=organisation,
        region_id=organisation.region_id,
        detail={"view": view.pk, "suggested_segment": suggested_segment},
    )
    return view


@transaction.atomic
def views_request(*, system: System, period: Period, user: User, note: str = "") -> ViewRequest:
    """Ask the system's ICS lead(s) for their views on its organisations' proposals; asking
    again returns the first request and tells nobody twice."""
    if not systems_visible_to(user).filter(pk=system.pk).exists():
        raise NotFound("No such system.")
    if not systems_visible_to(user, DECIDE_SEGMENT).filter(pk=system.pk).exists():
        raise NotPermitted(f"Only a regional lead of {system.region.name} asks for views.")
    if review_method(period) is None:
        raise ActionRefused(f"There are no proposals for {period.label} to ask views on yet.")
    existing = ViewRequest.objects.filter(system=system, period=period).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            request = ViewRequest.objects.create(
                system=system, period=period, requested_by=user, note=note.strip()
            )
    except IntegrityError:  # asked at the same moment by another lead
        return ViewRequest.objects.get(system=system, period=period)
    SegmentationEvent.objects.create(
        action=SegmentationEvent.Action.VIEWS_REQUESTED,
        actor=user,
        period=period,
        region_id=system.region_id,
        detail={"system": system.ods_code, "note": request.note},
    )
    notify(
        kind=NotificationKind.VIEWS_REQUESTED,
        event=f"views:{system.pk}:{period.pk}",
        recipients=ics_leads([system]),
        subject=f"Your views are asked: segmentation of {system.name}, {period.label}",
        body=(
            f"{user.get_full_name()} asks for your views on the proposed segments of "
            f"{system.name}'s organisations for {period.label}, before the region decides."
            + (f"\n\n{request.note}" if request.note else "")
        ),
        url=f"/segmentation/{period.slug}/systems/{system.ods_code}/",
    )
    return request
