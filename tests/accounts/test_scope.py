"""Who sees which bodies: the same answer from the selector, the pages and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import REVIEW_RETURN, SUBMIT_RETURN, Role
from accounts.scope import can, organisations_visible_to, role_grant, role_revoke
from tests.conftest import Cast, Registry
from tests.factories import OrganisationFactory, UserFactory
from tests.queries import Counted, assert_constant_queries, counted

REGION_A = {"QA1", "QA2", "RA1", "RA2", "RA3", "0A1"}
REGION_B = {"QB1", "RB1"}
EVERYONE = REGION_A | REGION_B
VISIBLE = {
    "national": EVERYONE,
    "lead_a": REGION_A,
    "analyst_a": REGION_A,
    "lead_b": REGION_B,
    "observer": REGION_B,
    "ics_lead": {"QA1", "RA1", "RA2", "0A1"},
    "submitter": {"RA1"},
    "approver": {"RA1"},
    "sid": {"RA3"},
    "outsider": set(),
}

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("member", VISIBLE)
def test_selector_scope(cast: Cast, member: str) -> None:
    user = getattr(cast, member)
    codes = set(organisations_visible_to(user).values_list("ods_code", flat=True))
    assert codes == VISIBLE[member]


@pytest.mark.parametrize("member", VISIBLE)
def test_api_list_scope(cast: Cast, member: str) -> None:
    client = APIClient()
    client.force_authenticate(getattr(cast, member))
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 200
    assert {o["ods_code"] for o in response.json()["results"]} == VISIBLE[member]


@pytest.mark.parametrize("member", VISIBLE)
@pytest.mark.parametrize("code", sorted(EVERYONE))
def test_api_detail_is_404_outside_scope(cast: Cast, member: str, code: str) -> None:
    client = APIClient()
    client.force_authenticate(getattr(cast, member))
    response = client.get(f"/api/v1/organisations/{code}/")
    assert response.status_code == (200 if code in VISIBLE[member] else 404)


@pytest.mark.parametrize("member", VISIBLE)
@pytest.mark.parametrize("code", sorted(EVERYONE))
def test_page_detail_is_404_outside_scope(cast: Cast, member: str, code: str) -> None:
    client = Client()
    client.force_login(getattr(cast, member))
    response = client.get(f"/organisations/{code}/")
    assert response.status_code == (200 if code in VISIBLE[member] else 404)


@pytest.mark.parametrize("member", VISIBLE)
def test_directory_page_lists_only_scope(cast: Cast, member: str) -> None:
    client = Client()
    client.force_login(getattr(cast, member))
    response = client.get("/organisations/")
    assert response.status_code == 200
    listed = {o.ods_code for o in response.context["page_obj"]}
    assert listed == VISIBLE[member]


REGIONS = {"national": {"Y91", "Y92"}, "lead_a": {"Y91"}, "lead_b": {"Y92"}}


@pytest.mark.parametrize("member", VISIBLE)
def test_region_and_system_endpoints_scope(cast: Cast, member: str) -> None:
    client = APIClient()
    client.force_authenticate(getattr(cast, member))
    regions = {r["ods_code"] for r in client.get("/api/v1/regions/").json()["results"]}
    systems = {s["ods_code"] for s in client.get("/api/v1/systems/").json()["results"]}
    assert regions == REGIONS.get(member, {"Y91"} if member == "analyst_a" else set()) | (
        {"Y92"} if member == "observer" else set()
    )
    expected_systems = {c for c in VISIBLE[member] if c.startswith("Q")}
    if member in {"submitter", "approver", "sid"}:
        expected_systems = set()  # a body's staff see their body, not its whole system
    assert systems == expected_systems
    for code in ("Y91", "Y92"):
        status = client.get(f"/api/v1/regions/{code}/").status_code
        assert status == (200 if code in regions else 404)
        page = Client()
        page.force_login(getattr(cast, member))
        assert page.get(f"/organisations/regions/{code}/").status_code == status
    for code in ("QA1", "QA2", "QB1"):
        status = client.get(f"/api/v1/systems/{code}/").status_code
        assert status == (200 if code in systems else 404)


def test_anonymous_is_sent_to_login_and_api_refuses(registry: Registry) -> None:
    assert Client().get("/organisations/").status_code == 302
    assert APIClient().get("/api/v1/organisations/").status_code in (401, 403)


def test_actions_follow_roles(cast: Cast, registry: Registry) -> None:
    assert can(cast.submitter, SUBMIT_RETURN, registry.trust_a1)
    assert not can(cast.submitter, SUBMIT_RETURN, registry.trust_a2)
    assert not can(cast.approver, SUBMIT_RETURN, registry.trust_a1)
    assert can(cast.lead_a, REVIEW_RETURN, registry.trust_a3)
    assert not can(cast.lead_a, REVIEW_RETURN, registry.trust_b1)
    assert can(cast.national, REVIEW_RETURN, registry.trust_b1)
    assert not can(cast.outsider, "view", registry.trust_a1)


def test_role_must_match_its_level(registry: Registry) -> None:
    user = UserFactory()
    with pytest.raises(ValidationError, match="held over a region, not over an organisation"):
        role_grant(user=user, role=Role.REGIONAL_LEAD, node=registry.trust_a1)
    with pytest.raises(ValidationError, match="the whole of England, not over a region"):
        role_grant(user=user, role=Role.NATIONAL_ADMIN, node=registry.region_a)


def test_revoke_removes_access_but_keeps_other_roles(registry: Registry) -> None:
    user = UserFactory()
    analyst = role_grant(user=user, role=Role.REGIONAL_ANALYST, node=registry.region_a)
    role_grant(user=user, role=Role.OBSERVER, node=registry.region_a)
    role_revoke(assignment=analyst)
    assert organisations_visible_to(user).count() == 6  # observer still sees region A
    assert not can(user, REVIEW_RETURN, registry.trust_a1)


def test_list_query_count_is_constant(cast: Cast, registry: Registry) -> None:
    page = Client()
    page.force_login(cast.lead_a)
    page.get("/organisations/")  # the session's first read

    def both() -> tuple[Counted, Counted]:
        api = APIClient()  # a newly loaded user, as each real request has: no permission cache
        api.force_authenticate(User.objects.get(pk=cast.lead_a.pk))
        return counted(lambda: api.get("/api/v1/organisations/")), counted(
            lambda: page.get("/organisations/")
        )

    small_api, small_page = both()
    assert small_api.response.json()["count"] == 6
    assert "Trust A1" in small_page.response.content.decode()
    for n in range(10):
        OrganisationFactory(ods_code=f"RZ{n}", name=f"Trust Z{n}", system=registry.system_a1)
    large_api, large_page = both()
    assert large_api.response.json()["count"] == 16
    assert "Trust Z9" in large_page.response.content.decode()
    assert_constant_queries(small_api, large_api, at_most=4)
    assert_constant_queries(small_page, large_page, at_most=12)
