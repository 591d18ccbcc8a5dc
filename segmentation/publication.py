"""Publication of a region's confirmed decisions for a quarter (issue 8 item 6).

A regional lead publishes when every body of the region has a confirmed decision — or with
the bodies still missing one listed and accepted explicitly. Published decisions are locked;
each body then sees its own published segment and reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.audit import Event, audit_log
from accounts.models import User
from accounts.roles import PUBLISH_SEGMENTATION
from accounts.scope import regions_visible_to
from metrics.models.catalogue import Period
from oversight.errors import ActionRefused, NotFound, NotPermitted
from oversight.models import Organisation, Region
from segmentation.methods import review_method
from segmentation.models import (
    DecisionState,
    NotificationKind,
    Proposal,
    Publication,
    SegmentationEvent,
    SegmentationMethod,
    SegmentDecision,
)
from segmentation.notifications import notify, region_audience
from segmentation.signals import segmentation_published


@dataclass
class PublicationStatus:
    region: Region
    period: Period
    method: SegmentationMethod | None
    ready: list[SegmentDecision] = field(default_factory=list)  # confirmed, to publish
    published: list[SegmentDecision] = field(default_factory=list)  # already published
    missing: list[tuple[Organisation, str]] = field(default_factory=list)  # and why

    @property
    def bodies(self) -> int:
        return len(self.ready) + len(self.published) + len(self.missing)


def publication_status(*, region: Region, period: Period) -> PublicationStatus:
    """Which of the region's bodies are ready to publish, published, or missing a decision
    (three queries)."""
    method = review_method(period)
    status = PublicationStatus(region, period, method)
    if method is None:
        return status
    bodies = {
        p.organisation_id: p.organisation
        for p in Proposal.objects.filter(
            period=period, method=method, organisation__region=region
        ).select_related("organisation")
    }
    decisions = SegmentDecision.objects.filter(period=period, organisation_id__in=bodies).order_by(
        "organisation_id", "-recorded_at", "-pk"
    )
    by_body: dict[int, list[SegmentDecision]] = {}
    for each in decisions.select_related("organisation"):
        by_body.setdefault(each.organisation_id, []).append(each)  # newest first
    for pk, organisation in sorted(bodies.items(), key=lambda item: item[1].name):
        mine = by_body.get(pk, [])
        published = next((d for d in mine if d.state == DecisionState.PUBLISHED), None)
        if mine and mine[0].state == DecisionState.CONFIRMED:
            status.ready.append(mine[0])
        elif published is not None:  # a change may be under way: the published one stands
            status.published.append(published)
        elif mine:
            status.missing.append((organisation, mine[0].get_state_display()))
        else:
            status.missing.append((organisation, "No decision recorded"))
    return status


@transaction.atomic
def publication_publish(
    *, region: Region, period: Period, user: User, accept_missing: bool = False, note: str = ""
) -> Publication:
    """Publish the region's confirmed decisions for the quarter; they are locked from now on."""
    if not regions_visible_to(user).filter(pk=region.pk).exists():
        raise NotFound("No such region.")
    if not regions_visible_to(user, PUBLISH_SEGMENTATION).filter(pk=region.pk).exists():
        raise NotPermitted(f"Only a regional lead of {region.name} publishes its segmentation.")
    Region.objects.select_for_update().get(pk=region.pk)  # one publication at a time
    status = publication_status(region=region, period=period)
    if not status.ready:
        raise ActionRefused(
            f"There is no confirmed decision of {region.name} for {period.label} to publish."
        )
    if status.missing and not accept_missing:
        names = ", ".join(o.ods_code for o, _ in status.missing[:10])
        more = f" and {len(status.missing) - 10} more" if len(status.missing) > 10 else ""
        raise ActionRefused(
            f"{len(status.missing)} bodies have no confirmed decision ({names}{more}): publish "
            "without them only by accepting that explicitly."
        )
    publication = Publication.objects.create(
        region=region,
        period=period,
        published_by=user,
        missing=[{"ods_code": o.ods_code, "name": o.name, "why": why} for o, why in status.missing],
        note=note.strip(),
    )
    ids = [d.pk for d in status.ready]
    SegmentDecision.objects.filter(pk__in=ids, state=DecisionState.CONFIRMED).update(
        state=DecisionState.PUBLISHED, publication=publication
    )
    audit_log(
        Event.DECISION,
        user=user,
        obj=f"publication:{publication.pk}",
        action=SegmentationEvent.Action.PUBLISHED,
        decisions=ids,
    )
    SegmentationEvent.objects.create(
        action=SegmentationEvent.Action.PUBLISHED,
        actor=user,
        at=timezone.now(),
        period=period,
        region=region,
        detail={"publication": publication.pk, "decisions": ids, "missing": publication.missing},
    )
    notify(
        kind=NotificationKind.PUBLISHED,
        event=f"publication:{publication.pk}",
        recipients=region_audience(region, [d.organisation_id for d in status.ready]) - {user.pk},
        subject=f"Segmentation published: {region.name}, {period.label}",
        body=(
            f"{user.get_full_name()} published {len(ids)} segmentation decision(s) of "
            f"{region.name} for {period.label}."
        ),
        url=f"/segmentation/{period.slug}/regions/{region.ods_code}/",
    )
    transaction.on_commit(
        partial(
            segmentation_published.send_robust,
            sender=Publication,
            publication_id=publication.pk,
            decision_ids=ids,
        )
    )
    return publication
