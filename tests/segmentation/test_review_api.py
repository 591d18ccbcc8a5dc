"""The regional review through the API: decisions with their actions, four eyes, views,
requests, publication status and publishing, notifications — scoped for the fixed cast."""

from __future__ import annotations

import pytest

from segmentation.models import SegmentDecision
from tests.conftest import Cast
from tests.metrics.results_data import Picture
from tests.segmentation.conftest import api_for

pytestmark = pytest.mark.django_db

RECORD = {"organisation": "RA1", "period": "2021-22 Q3", "segment": 3}


def test_record_confirm_through_the_api_with_actions(picture: Picture, cast: Cast, lead_a2):
    created = api_for(cast.lead_a).post("/api/v1/segmentation/decisions/", RECORD, format="json")
    assert created.status_code == 201, created.json()
    decision = created.json()
    assert (decision["state"], decision["proposed_segment"]) == ("recorded", 3)
    assert decision["actions"] == [
        {
            "action": "confirm",
            "label": "Confirm",
            "allowed": False,
            "reason": "You recorded this decision: another regional lead must confirm it "
            "(four eyes).",
        },
        {"action": "send_back", "label": "Send back", "allowed": True, "reason": ""},
    ]
    url = f"/api/v1/segmentation/decisions/{decision['id']}/"
    seen_by_second = api_for(lead_a2).get(url).json()
    assert seen_by_second["actions"][0]["allowed"] is True
    refused = api_for(cast.lead_a).post(url + "confirm/")
    assert refused.status_code == 409
    assert "four eyes" in refused.json()["detail"]
    confirmed = api_for(lead_a2).post(url + "confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["confirmed_by"] == "lead.a2@nhs.test"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({**RECORD, "segment": 2}, 400, "rationale"),
        ({**RECORD, "segment": 9, "rationale": "x"}, 400, "segment"),
        ({**RECORD, "organisation": "RB1"}, 404, None),
        ({**RECORD, "period": "2019-20 Q1"}, 404, None),
        ({"organisation": "RA1"}, 400, "segment"),
    ],
)
def test_record_refusals(picture: Picture, cast: Cast, body, status, field):
    response = api_for(cast.lead_a).post("/api/v1/segmentation/decisions/", body, format="json")
    assert response.status_code == status
    if field:
        assert field in response.json()


@pytest.mark.parametrize(
    ("member", "status"),
    [("analyst_a", 403), ("ics_lead", 403), ("lead_b", 404), ("submitter", 404), ("outsider", 404)],
)
def test_only_leads_record_through_the_api(picture: Picture, cast: Cast, member, status):
    response = api_for(getattr(cast, member)).post(
        "/api/v1/segmentation/decisions/", RECORD, format="json"
    )
    assert response.status_code == status
    assert not SegmentDecision.objects.exists()


def test_send_back_needs_a_reason(picture: Picture, cast: Cast, lead_a2):
    created = api_for(cast.lead_a).post("/api/v1/segmentation/decisions/", RECORD, format="json")
    url = f"/api/v1/segmentation/decisions/{created.json()['id']}/send-back/"
    assert api_for(lead_a2).post(url, {"reason": ""}, format="json").status_code == 400
    back = api_for(lead_a2).post(url, {"reason": "Wait for Q4 data."}, format="json")
    assert back.json()["state"] == "sent_back"
    assert back.json()["actions"] == []


def _publish_region_a(picture: Picture, cast: Cast, lead_a2) -> None:
    for code in ("RA1", "RA3"):
        made = api_for(cast.lead_a).post(
            "/api/v1/segmentation/decisions/",
            {**RECORD, "organisation": code, "segment": 3 if code == "RA1" else 2},
            format="json",
        )
        api_for(lead_a2).post(f"/api/v1/segmentation/decisions/{made.json()['id']}/confirm/")


def test_publication_status_and_publishing(picture: Picture, cast: Cast, lead_a2):
    _publish_region_a(picture, cast, lead_a2)
    status = (
        api_for(cast.lead_a)
        .get("/api/v1/segmentation/publications/status/?region=Y91&period=2021-22 Q3")
        .json()
    )
    assert [b["organisation"] for b in status["ready"]] == ["RA1", "RA3"]
    assert [b["organisation"] for b in status["missing"]] == ["0A1", "QA1", "QA2", "RA2"]
    assert status["actions"][0]["allowed"] is True
    assert "4 bodies have no confirmed decision" in status["actions"][0]["reason"]
    body = {"region": "Y91", "period": "2021-22 Q3"}
    refused = api_for(cast.lead_a).post("/api/v1/segmentation/publications/", body, format="json")
    assert refused.status_code == 409
    published = api_for(cast.lead_a).post(
        "/api/v1/segmentation/publications/", {**body, "accept_missing": True}, format="json"
    )
    assert published.status_code == 201
    assert len(published.json()["decisions"]) == 2
    analyst = api_for(cast.analyst_a).post(
        "/api/v1/segmentation/publications/", {**body, "accept_missing": True}, format="json"
    )
    assert analyst.status_code == 403
    outsider = api_for(cast.lead_b).get(
        "/api/v1/segmentation/publications/status/?region=Y91&period=2021-22 Q3"
    )
    assert outsider.status_code == 404


def test_decisions_are_scoped_and_bodies_see_only_their_published(picture, cast, lead_a2):
    _publish_region_a(picture, cast, lead_a2)
    api_for(cast.lead_a).post(
        "/api/v1/segmentation/publications/",
        {"region": "Y91", "period": "2021-22 Q3", "accept_missing": True},
        format="json",
    )
    made = api_for(cast.lead_a).post(
        "/api/v1/segmentation/decisions/",
        {**RECORD, "organisation": "RA2", "segment": 2},
        format="json",
    )
    assert made.status_code == 201

    def seen(member: str) -> set[tuple[str, str]]:
        rows = api_for(getattr(cast, member)).get("/api/v1/segmentation/decisions/").json()
        return {(r["organisation"], r["state"]) for r in rows["results"]}

    everything = {("RA1", "published"), ("RA3", "published"), ("RA2", "recorded")}
    assert seen("lead_a") == everything
    assert seen("national") == everything
    assert seen("ics_lead") == {("RA1", "published"), ("RA2", "recorded")}
    assert seen("submitter") == {("RA1", "published")}  # its own, once published
    assert seen("sid") == {("RA3", "published")}
    assert seen("lead_b") == set()
    assert seen("outsider") == set()
    ra2 = SegmentDecision.objects.get(organisation__ods_code="RA2")
    assert (
        api_for(cast.submitter).get(f"/api/v1/segmentation/decisions/{ra2.pk}/").status_code == 404
    )


def test_views_and_requests_through_the_api(picture: Picture, cast: Cast):
    asked = api_for(cast.lead_a).post(
        "/api/v1/segmentation/view-requests/",
        {"system": "QA1", "period": "2021-22 Q3", "note": "By Friday please"},
        format="json",
    )
    assert asked.status_code == 201
    view = api_for(cast.ics_lead).post(
        "/api/v1/segmentation/views/",
        {"organisation": "RA1", "period": "2021-22 Q3", "text": "Agree", "suggested_segment": 3},
        format="json",
    )
    assert view.status_code == 201
    assert api_for(cast.lead_a).get("/api/v1/segmentation/views/").json()["count"] == 1
    assert api_for(cast.lead_b).get("/api/v1/segmentation/views/").json()["count"] == 0
    assert api_for(cast.submitter).get("/api/v1/segmentation/views/").json()["count"] == 0
    assert api_for(cast.ics_lead).get("/api/v1/segmentation/view-requests/").json()["count"] == 1
    assert api_for(cast.lead_b).get("/api/v1/segmentation/view-requests/").json()["count"] == 0
    wrong = api_for(cast.lead_a).post(
        "/api/v1/segmentation/views/",
        {"organisation": "RA1", "period": "2021-22 Q3", "text": "Mine"},
        format="json",
    )
    assert wrong.status_code == 403


def test_notifications_are_the_callers_own(picture: Picture, cast: Cast):
    api_for(cast.lead_a).post(
        "/api/v1/segmentation/view-requests/",
        {"system": "QA1", "period": "2021-22 Q3"},
        format="json",
    )
    mine = api_for(cast.ics_lead).get("/api/v1/segmentation/notifications/").json()["results"]
    assert [n["kind"] for n in mine] == ["views_requested"]
    assert api_for(cast.lead_a).get("/api/v1/segmentation/notifications/").json()["count"] == 0
    url = f"/api/v1/segmentation/notifications/{mine[0]['id']}/read/"
    assert api_for(cast.lead_a).post(url).status_code == 404
    assert api_for(cast.ics_lead).post(url).json()["read_at"] is not None
