"""Who sees which segmentation, in the query (DESIGN.md "Tenancy and permissions").

Proposals, unpublished decisions and ICS leads' views are oversight's internal work: they are
seen by those who oversee the body — national users, its region's team, its ICS lead
(``organisations_overseen_by``). A body's own users see only what is published about it.
Outside scope and not existing look alike: both are ``NotFound``.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.scope import (
    AnyUser,
    organisations_overseen_by,
    organisations_visible_to,
    regions_visible_to,
    systems_visible_to,
)
from metrics.catalogue.periods import PeriodLabelError, parse_label
from metrics.models.catalogue import Period
from oversight.errors import NotFound
from oversight.models import Organisation
from segmentation.models import (
    DecisionState,
    Proposal,
    Publication,
    SegmentDecision,
    SystemView,
    ViewRequest,
)


def period_named(text: str) -> Period:
    """The quarter a label or slug names ("2021-22 Q3", "2021-22-q3"); NotFound otherwise."""
    try:
        year, quarter = parse_label(text)
    except PeriodLabelError:
        raise NotFound(f"{text} is not a quarter.") from None
    period = Period.objects.filter(year=year, quarter=quarter).first() if quarter else None
    if period is None:
        raise NotFound(f"There is no quarter {text}.")
    return period


def oversees(user: AnyUser, organisation: Organisation) -> bool:
    return organisations_overseen_by(user).filter(pk=organisation.pk).exists()


def proposals_visible(user: AnyUser) -> QuerySet[Proposal]:
    """Every proposal of a body the user oversees."""
    return Proposal.objects.filter(organisation__in=organisations_overseen_by(user))


def decisions_visible(user: AnyUser) -> QuerySet[SegmentDecision]:
    """Every decision on a body the user oversees, and the published ones of the bodies the
    user may see at all (a body sees its own published segment)."""
    return SegmentDecision.objects.filter(
        Q(organisation__in=organisations_overseen_by(user))
        | Q(state=DecisionState.PUBLISHED, organisation__in=organisations_visible_to(user))
    )


def system_views_visible(user: AnyUser) -> QuerySet[SystemView]:
    return SystemView.objects.filter(organisation__in=organisations_overseen_by(user))


def view_requests_visible(user: AnyUser) -> QuerySet[ViewRequest]:
    return ViewRequest.objects.filter(system__in=systems_visible_to(user))


def publications_visible(user: AnyUser) -> QuerySet[Publication]:
    regions = Q(region__in=regions_visible_to(user)) | Q(
        region__in=systems_visible_to(user).values("region_id")
    )
    return Publication.objects.filter(regions)
