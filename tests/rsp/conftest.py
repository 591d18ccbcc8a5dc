"""Fixtures of the support-case tests: cases opened straight from the programme data (fast),
or from a confirmed decision on the results picture (the real route), and API clients."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.scope import role_grant
from oversight.models import Organisation
from rsp.cases import grant_lead
from rsp.models import Case, CaseRoute, Programme
from rsp.programmes import programmes_ensure
from segmentation.proposals import proposals_compute
from segmentation.support import support_entered
from tests.conftest import Cast, Registry
from tests.factories import UserFactory
from tests.metrics.results_data import Picture, build_picture

EDITION = "sof-2021-22"


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def open_case(
    organisation: Organisation,
    *,
    segment: int = 4,
    lead: User | None = None,
    entered_on: date | None = None,
    cqc: bool = False,
) -> Case:
    """A case as its operations leave it, without the decision that opens it."""
    programme = Programme.objects.get(edition_code=EDITION, segment=segment)
    case = Case.objects.create(
        organisation=organisation,
        programme=programme,
        segment=segment,
        route=CaseRoute.DECISION,
        entered_on=entered_on or timezone.localdate() - timedelta(days=60),
        cqc_recommended_entry=cqc,
        lead=lead,
    )
    if lead is not None:
        grant_lead(case, lead)
    support_entered(
        organisation=organisation,
        programme=programme.kind,
        entered_on=case.entered_on,
        reference=case.reference,
    )
    return case


@pytest.fixture(autouse=True)
def programmes(db: None) -> None:
    """Migration 0002 seeds them, but a transactional test's flush removes them."""
    programmes_ensure()


@pytest.fixture
def lead_a2(registry: Registry) -> User:
    """A second regional lead of region A: the four eyes of its decisions."""
    user = UserFactory(email="lead.a2@nhs.test", full_name="Second Lead")
    role_grant(user=user, role=Role.REGIONAL_LEAD, node=registry.region_a)
    return user


@pytest.fixture
def sid_b(registry: Registry) -> User:
    """Another SID, with a case in region B."""
    user = UserFactory(email="sid.b1@nhs.test", full_name="Other SID")
    role_grant(user=user, role=Role.SID, node=registry.trust_b1)
    return user


@pytest.fixture
def rsp_case(registry: Registry, cast: Cast) -> Case:
    """Trust A3 in the Recovery Support Programme, led by the cast's SID."""
    return open_case(registry.trust_a3, lead=cast.sid)


@pytest.fixture
def picture(registry: Registry, cast: Cast) -> Picture:
    built = build_picture(registry, cast.national, edition_code=EDITION)
    proposals_compute(run_id=built.latest_run.pk)
    return built
