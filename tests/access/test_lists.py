"""Every list of the API returns exactly what the reference policy lets each member see: not
only the right status, the right rows (tests/access/world.py says who sees which body)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.access.policy import sees_case, sees_meeting, sees_system
from tests.access.world import SCOPE, Body, World, oversees, region_team, sees

pytestmark = pytest.mark.django_db

# The registry of tests/conftest.py and the picture's two extra trusts, as the reference knows it.
BODIES = {
    code: Body(code, system, region)
    for code, system, region in [
        ("QA1", "QA1", "Y91"),
        ("QA2", "QA2", "Y91"),
        ("RA1", "QA1", "Y91"),
        ("RA2", "QA1", "Y91"),
        ("0A1", "QA1", "Y91"),
        ("RA3", "QA2", "Y91"),
        ("QB1", "QB1", "Y92"),
        ("RB1", "QB1", "Y92"),
        ("RB2", "QB1", "Y92"),
        ("RB3", "QB1", "Y92"),
    ]
}
SYSTEMS = {"QA1": "Y91", "QA2": "Y91", "QB1": "Y92"}


def rows(world: World, member: str, url: str) -> list[dict[str, Any]]:
    client = APIClient()
    client.force_authenticate(world.users[member])
    response = client.get(url)
    assert response.status_code == 200, (member, url, response.status_code)
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


@pytest.mark.parametrize("member", list(SCOPE))
def test_each_list_holds_exactly_the_members_scope(world: World, member: str) -> None:
    def codes(url: str, key: str = "ods_code") -> set[str]:
        return {row[key] for row in rows(world, member, url)}

    def ids(url: str) -> set[int]:
        return {row["id"] for row in rows(world, member, url)}

    def sides_where(audience: Any) -> list[Any]:
        return [side for side in (world.a, world.b) if audience(member, side)]

    seen = {code for code, body in BODIES.items() if sees(member, body)}
    assert codes("/api/v1/organisations/") == seen
    assert codes("/api/v1/regions/") == {
        region for region in ("Y91", "Y92") if region_team(member, Body("", "", region))
    }
    assert codes("/api/v1/systems/") == {
        system for system, region in SYSTEMS.items() if SCOPE[member] in {"england", region, system}
    }
    returns = {row["organisation"] for row in rows(world, member, "/api/v1/returns/?page_size=500")}
    assert returns == {code for code in ("RA1", "RA3", "RB1", "RB2", "RB3") if code in seen}
    assert ids("/api/v1/cases/") == {side.case.pk for side in sides_where(sees_case)}
    decided = {side.decision.pk for side in (world.a, world.b) if oversees(member, side.body)}
    assert ids("/api/v1/segmentation/decisions/") == decided
    overseen = {side.concern.pk for side in (world.a, world.b) if oversees(member, side.body)}
    assert ids("/api/v1/systemlens/concerns/") == overseen
    assert ids("/api/v1/systemlens/meetings/") == {s.meeting.pk for s in sides_where(sees_meeting)}
    assert ids("/api/v1/systemlens/agreements/") == {
        s.agreement.pk for s in sides_where(sees_system)
    }
