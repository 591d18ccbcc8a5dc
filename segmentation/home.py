"""What needs each user in segmentation, as home page sections (accounts/home.py):

- the regional team: its region's review this quarter — decisions to make, decisions awaiting
  a second lead's confirmation, and publishing;
- the ICS lead: views to give on their organisations' proposals;
- national users: national segmentation, league tables and how regions decide.

The quarter is the latest with a finished run (the one the review is about). Each section takes
a fixed number of queries whatever the number of bodies.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse

from accounts.home import HomeContext, HomeSection, Status, Task, home_section
from accounts.roles import DECIDE_SEGMENT, RUN_OVERSIGHT, Role, roles_with
from metrics.models.catalogue import Period
from metrics.results.selectors import quarters_with_results
from oversight.models import OrganisationKind
from segmentation.methods import review_method
from segmentation.models import (
    OPEN_STATES,
    DecisionState,
    Notification,
    Proposal,
    SegmentationMethod,
    SegmentDecision,
    SystemView,
)

# The regional team (who run oversight of a region) and its deciders, from the role policy.
REGIONAL = roles_with(RUN_OVERSIGHT)
DECIDERS = roles_with(DECIDE_SEGMENT)


def review_quarter() -> tuple[Period, SegmentationMethod] | None:
    quarters = quarters_with_results()
    if not quarters:
        return None
    method = review_method(quarters[0].period)
    return (quarters[0].period, method) if method is not None else None


def _url(name: str, *args: str) -> str:
    return reverse(name, args=args)


@home_section(order=50)
def regional_review(context: HomeContext) -> HomeSection | None:
    regions = {a.region.pk: a.region for a in context.held(*REGIONAL) if a.region is not None}
    if not regions:
        return None
    found = review_quarter()
    if found is None:
        return None
    period, method = found
    decided = SegmentDecision.objects.filter(
        period=period,
        organisation_id=OuterRef("organisation_id"),
        state__in=[*OPEN_STATES, DecisionState.PUBLISHED],
    )
    undecided = dict(
        Proposal.objects.filter(period=period, method=method, organisation__region__in=regions)
        .exclude(Exists(decided))
        .values_list("organisation__region")
        .annotate(n=Count("*"))
    )
    awaiting = dict(
        SegmentDecision.objects.filter(
            period=period, state=DecisionState.RECORDED, organisation__region__in=regions
        )
        .exclude(recorded_by=context.user)
        .values_list("organisation__region")
        .annotate(n=Count("*"))
    )
    leads = {a.region.pk for a in context.held(*DECIDERS) if a.region is not None}
    tasks = []
    for pk, region in sorted(regions.items(), key=lambda item: item[1].name):
        review = _url("segmentation-region", period.slug, region.ods_code)
        tasks.append(
            Task(
                f"{region.name}: decisions to make",
                Status.count(undecided.get(pk, 0)),
                review,
                hint="Bodies of the region with a proposal and no decision yet.",
            )
        )
        if pk in leads:
            tasks.append(
                Task(
                    f"{region.name}: decisions awaiting your confirmation",
                    Status.count(awaiting.get(pk, 0)),
                    review,
                    hint="Recorded by another regional lead: confirm or send back (four eyes).",
                )
            )
            tasks.append(
                Task(
                    f"{region.name}: publish the segmentation",
                    Status.to_do("Open", "grey"),
                    _url("segmentation-publish", period.slug, region.ods_code),
                )
            )
    return HomeSection(f"Segmentation review, {period.label}", tasks)


@home_section(order=51)
def views_to_give(context: HomeContext) -> HomeSection | None:
    systems = {a.system.pk: a.system for a in context.held(Role.ICS_LEAD) if a.system is not None}
    if not systems:
        return None
    found = review_quarter()
    if found is None:
        return None
    period, method = found
    given = SystemView.objects.filter(period=period, organisation_id=OuterRef("organisation_id"))
    waiting = dict(
        Proposal.objects.filter(period=period, method=method, organisation__system__in=systems)
        .exclude(organisation__kind=OrganisationKind.ICS)
        .filter(~Exists(given))
        .values_list("organisation__system")
        .annotate(n=Count("*"))
    )
    return HomeSection(
        f"Segmentation: your views, {period.label}",
        [
            Task(
                f"{system.name}: views to give",
                Status.count(waiting.get(pk, 0)),
                _url("segmentation-system", period.slug, system.ods_code),
                hint="The region reads your views on your organisations' proposals before it "
                "decides.",
            )
            for pk, system in sorted(systems.items(), key=lambda item: item[1].name)
        ],
    )


@home_section(order=52)
def national_segmentation(context: HomeContext) -> HomeSection | None:
    if not context.national:
        return None
    found = review_quarter()
    if found is None:
        return None
    period, _ = found
    published = (
        SegmentDecision.objects.filter(period=period, state=DecisionState.PUBLISHED)
        .values("organisation")
        .distinct()
        .count()
    )
    return HomeSection(
        f"National segmentation, {period.label}",
        [
            Task(
                "Segmentation and league tables",
                Status.done(f"{published} bodies published"),
                _url("segmentation-national", period.slug),
            ),
            Task(
                "How often regions' decisions differ from the proposals",
                Status.to_do("Open", "grey"),
                _url("segmentation-differences", period.slug),
            ),
        ],
    )


@home_section(order=12)
def own_segment(context: HomeContext) -> HomeSection | None:
    held = context.held(Role.ORGANISATION_SUBMITTER, Role.ORGANISATION_APPROVER)
    bodies = {a.organisation.pk: a.organisation for a in held if a.organisation is not None}
    if not bodies:
        return None
    found = review_quarter()
    if found is None:
        return None
    period, _ = found
    published = dict(
        SegmentDecision.objects.filter(
            period=period, state=DecisionState.PUBLISHED, organisation__in=bodies
        )
        .order_by("organisation", "publication__published_at")  # the latest wins in dict()
        .values_list("organisation", "segment")
    )
    return HomeSection(
        f"Your segment, {period.label}",
        [
            Task(
                f"{body.name}: segment and reasons",
                Status.done(f"Segment {published[pk]} published")
                if pk in published
                else Status.to_do("Not published yet", "grey"),
                _url("organisation-profile", body.ods_code) + f"?period={period.slug}",
            )
            for pk, body in sorted(bodies.items(), key=lambda item: item[1].name)
        ],
    )


@home_section(order=5)
def notifications(context: HomeContext) -> HomeSection | None:
    """Unread segmentation notifications, for anyone who has any (one query)."""
    unread = Notification.objects.filter(recipient=context.user, read_at__isnull=True).count()
    if not unread:
        return None
    return HomeSection(
        "Notifications",
        [
            Task(
                "Segmentation notifications",
                Status.count(unread, "unread"),
                _url("segmentation-notifications"),
            )
        ],
    )
