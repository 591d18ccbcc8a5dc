"""Reads of the registry for pages and the API, always through the user's scope."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.scope import (
    AnyUser,
    organisations_visible_to,
    regions_visible_to,
    systems_visible_to,
)
from oversight.models import Organisation, Region, System


def region_list(*, user: AnyUser) -> QuerySet[Region]:
    visible = organisations_visible_to(user)
    return regions_visible_to(user).annotate(
        system_count=Count("systems", distinct=True),
        organisation_count=Count(
            "organisations", filter=Q(organisations__in=visible), distinct=True
        ),
    )


def system_list(*, user: AnyUser) -> QuerySet[System]:
    return (
        systems_visible_to(user)
        .select_related("region")
        .annotate(organisation_count=Count("organisations", distinct=True))
    )


def organisation_list(*, user: AnyUser) -> QuerySet[Organisation]:
    return organisations_visible_to(user).select_related("region", "system", "successor")
