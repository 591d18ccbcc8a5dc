"""Fixtures of the segmentation tests: the results picture (tests.metrics.results_data), its
latest quarter's proposals computed, and API clients for the fixed cast."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from segmentation.proposals import proposals_compute
from tests.conftest import Cast, Registry
from tests.metrics.results_data import Picture, build_picture

EDITION = "sof-2021-22"  # the code the return pages look for, so the uploads open too


@pytest.fixture
def picture(registry: Registry, cast: Cast) -> Picture:
    """2021-22 Q2 and Q3 calculated; the Q3 run's proposals computed (as its task would)."""
    built = build_picture(registry, cast.national, edition_code=EDITION)
    proposals_compute(run_id=built.latest_run.pk)
    return built


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def lead_a2(registry: Registry) -> User:
    """A second regional lead of region A: the four eyes of its decisions."""
    from accounts.roles import Role
    from accounts.scope import role_grant
    from tests.factories import UserFactory

    user = UserFactory(email="lead.a2@nhs.test", full_name="Second Lead")
    role_grant(user=user, role=Role.REGIONAL_LEAD, node=registry.region_a)
    return user
