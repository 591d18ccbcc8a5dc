"""Who is expected to return for a quarter, and who has: completeness and the chase list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Q,
    QuerySet,
)
from django.utils import timezone

from accounts.models import User
from accounts.roles import REVIEW_RETURN, VIEW
from accounts.scope import organisations_visible_to
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import (
    Return,
    ReturnState,
)
from oversight.models import Organisation, OrganisationKind


def returns_visible_to(user: User) -> QuerySet[Return]:
    return Return.objects.filter(organisation__in=organisations_visible_to(user))


# --- who is expected to return, and who has --------------------------------------------------

# The bodies that make a quarterly return; GP practices exist only at stress scale.
RETURNING_KINDS = (OrganisationKind.ICS, OrganisationKind.CCG, OrganisationKind.TRUST)


def bodies_expected(*, user: User, period: Period, action: str = VIEW) -> QuerySet[Organisation]:
    """The bodies within the user's scope (for `action`) expected to return for the quarter:
    ICSs, CCGs and trusts open at some time during it."""
    return (
        organisations_visible_to(user, action)
        .filter(kind__in=RETURNING_KINDS)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=period.end))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=period.start))
    )


@dataclass(frozen=True)
class CompletenessCounts:
    """Counts are cumulative: an accepted return is also submitted and signed off."""

    expected: int
    submitted: int
    signed_off: int
    accepted: int
    sent_back: int
    missing: int
    late: int


@dataclass
class Completeness:
    period: Period
    totals: CompletenessCounts
    by_region: list[tuple[str, str, CompletenessCounts]]  # (region ODS code, name, counts)
    # Nothing submitted yet, or sent back; annotated with return_state and has_version.
    chase: QuerySet[Organisation]
    past_due: bool


def _completeness_counts() -> dict[str, Count]:
    has_version = Q(this_return__current_version__isnull=False)
    return {
        "expected": Count("id"),
        "submitted": Count("id", filter=has_version),
        "signed_off": Count(
            "id",
            filter=Q(this_return__state__in=[ReturnState.SIGNED_OFF, ReturnState.ACCEPTED]),
        ),
        "accepted": Count("id", filter=Q(this_return__state=ReturnState.ACCEPTED)),
        "sent_back": Count("id", filter=has_version & Q(this_return__state=ReturnState.RETURNED)),
        "missing": Count("id", filter=~has_version),
    }


def completeness(
    *, user: User, period: Period, edition: FrameworkEdition, today: date | None = None
) -> Completeness:
    """Who has returned for a quarter, over the bodies the user reviews: three queries,
    whatever the number of bodies (a filtered LEFT JOIN to the quarter's return)."""
    today = today or timezone.localdate()
    bodies = bodies_expected(user=user, period=period, action=REVIEW_RETURN).annotate(
        this_return=FilteredRelation(
            "returns", condition=Q(returns__period=period, returns__edition=edition)
        )
    )
    counts = _completeness_counts()
    past_due = today > period.due_on

    def tally(row: dict[str, int]) -> CompletenessCounts:
        # Late: nothing submitted and the due date has passed.
        return CompletenessCounts(**row, late=row["missing"] if past_due else 0)

    totals = tally(bodies.aggregate(**counts))
    by_region = [
        (row.pop("region__ods_code"), row.pop("region__name"), tally(row))
        for row in bodies.values("region__ods_code", "region__name")
        .annotate(**counts)
        .order_by("region__name")
    ]
    chase = (
        bodies.filter(
            Q(this_return__current_version__isnull=True)
            | Q(this_return__state=ReturnState.RETURNED)
        )
        .annotate(
            return_state=F("this_return__state"),
            has_version=ExpressionWrapper(
                Q(this_return__current_version__isnull=False), output_field=BooleanField()
            ),
        )
        .select_related("region", "system")
        .order_by("region__name", "system__name", "name")
    )
    return Completeness(
        period=period, totals=totals, by_region=by_region, chase=chase, past_due=past_due
    )
