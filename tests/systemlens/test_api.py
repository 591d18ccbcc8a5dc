"""The system lens's API for the fixed cast: scoped lists, 404 outside, 403 for those who see
but do not record, internal notes only for the oversight team, writes with their events."""

from __future__ import annotations

import pytest

from systemlens.models import LensEvent, Meeting, ServedSystem
from tests.systemlens.conftest import api_for

SEE_A1 = ["national", "lead_a", "analyst_a", "ics_lead"]
NOT_A1 = ["lead_b", "submitter", "approver", "sid", "observer", "outsider"]


def _details(lens):
    return [
        f"/api/v1/systemlens/agreements/{lens.version.agreement_id}/",
        f"/api/v1/systemlens/meetings/{lens.meeting.pk}/",
        f"/api/v1/systemlens/concerns/{lens.concern.pk}/",
    ]


@pytest.mark.parametrize("who", SEE_A1)
def test_those_who_see_the_ics_read_its_records(lens, cast, who):
    client = api_for(getattr(cast, who))
    for url in _details(lens):
        assert client.get(url).status_code == 200, url
    agreements = client.get("/api/v1/systemlens/agreements/?system=QA1").json()["results"]
    assert [a["versions"][0]["priorities"][0]["title"] for a in agreements] == ["Elective recovery"]
    assert agreements[0]["reviews"][0]["rating"] == "some_concerns"


@pytest.mark.parametrize("who", NOT_A1)
def test_outside_the_ics_every_record_is_404_and_lists_are_empty(lens, cast, who):
    client = api_for(getattr(cast, who))
    for url in _details(lens):
        assert client.get(url).status_code == 404, url
    for name in ("agreements", "concerns", "rollups"):
        assert client.get(f"/api/v1/systemlens/{name}/").json()["results"] == [], name
    if who != "outsider":
        return
    assert client.get("/api/v1/systemlens/meetings/").json()["results"] == []
    review = {
        "period": "2021-22 Q3",
        "held_on": "2022-01-10",
        "rating": "on_track",
        "outcome": "x",
        "next_steps": "y",
    }
    url = f"/api/v1/systemlens/agreements/{lens.version.agreement_id}/reviews/"
    assert client.post(url, review, format="json").status_code == 404


def test_internal_notes_are_in_the_api_only_for_the_oversight_team(lens, cast):
    for who, sees in (("ics_lead", False), ("lead_a", True), ("national", True)):
        client = api_for(getattr(cast, who))
        listed = client.get("/api/v1/systemlens/meetings/").json()["results"][0]
        single = client.get(f"/api/v1/systemlens/meetings/{lens.meeting.pk}/").json()
        assert ("internal_notes" in listed) is sees, who
        assert ("internal_notes" in single) is sees, who


def test_a_review_through_the_api(lens, cast):
    url = f"/api/v1/systemlens/agreements/{lens.version.agreement_id}/reviews/"
    review = {
        "period": "2021-22 Q3",
        "held_on": "2022-01-10",
        "rating": "on_track",
        "outcome": "Back on plan.",
        "next_steps": "Keep going.",
    }
    assert api_for(cast.ics_lead).post(url, review, format="json").status_code == 403
    assert api_for(cast.lead_b).post(url, review, format="json").status_code == 404
    response = api_for(cast.lead_a).post(url, {**review, "outcome": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["outcome"] == ["Give the review's outcome."]
    response = api_for(cast.lead_a).post(url, review, format="json")
    assert response.status_code == 201
    assert response.json()["period"] == "2021-22 Q3"
    again = api_for(cast.lead_a).post(url, review, format="json")
    assert again.status_code == 409


def test_an_agreement_version_through_the_api(lens, cast):
    body = {
        "system": "QA1",
        "year": 2021,
        "delivery_arrangements": "d",
        "governance_arrangements": "g",
        "agreed_on": "2021-12-01",
        "agreed_by": "ICS CEO; regional director",
        "priorities": [{"title": "Cancer", "owner": "Medical director"}],
    }
    response = api_for(cast.lead_a).post(
        "/api/v1/systemlens/agreements/versions/", body, format="json"
    )
    assert response.status_code == 201
    assert [v["number"] for v in response.json()["versions"]] == [2, 1]
    assert (
        api_for(cast.lead_b)
        .post("/api/v1/systemlens/agreements/versions/", body, format="json")
        .status_code
        == 404
    )


def test_a_meeting_and_its_action_through_the_api(lens, cast):
    body = {
        "organisation": "RA1",
        "held_on": "2022-01-20",
        "attendees": "Regional team; trust board",
        "internal_notes": "INTERNAL",
        "agenda": [{"title": "Waits"}],
        "actions": [
            {"description": "Board paper", "owner": cast.submitter.email, "due_on": "2022-02-20"}
        ],
    }
    response = api_for(cast.analyst_a).post("/api/v1/systemlens/meetings/", body, format="json")
    assert response.status_code == 201, response.json()
    own = api_for(cast.submitter)
    seen = own.get(f"/api/v1/systemlens/meetings/{response.json()['id']}/").json()
    assert "internal_notes" not in seen
    actions = own.get("/api/v1/systemlens/actions/").json()["results"]
    assert [a["description"] for a in actions] == ["Board paper"]
    done = own.post(f"/api/v1/systemlens/actions/{actions[0]['id']}/done/")
    assert done.status_code == 200
    assert done.json()["done_at"] is not None
    unknown = {
        **body,
        "actions": [{"description": "x", "owner": "nobody@nhs.test", "due_on": "2022-02-20"}],
    }
    response = api_for(cast.analyst_a).post("/api/v1/systemlens/meetings/", unknown, format="json")
    assert response.status_code == 400
    assert Meeting.objects.count() == 2


def test_a_concern_assessed_and_closed_through_the_api(lens, cast):
    url = f"/api/v1/systemlens/concerns/{lens.concern.pk}/"
    assessment = {
        "seriousness": "a",
        "risk_and_impact": "b",
        "body_understanding": "c",
        "maturity": "d",
        "action_taken": "e",
        "outcome": "no_support",
        "outcome_reason": "In hand.",
    }
    assert (
        api_for(cast.ics_lead).post(url + "assess/", assessment, format="json").status_code == 403
    )
    response = api_for(cast.lead_a).post(url + "assess/", assessment, format="json")
    assert response.json()["outcome"] == "no_support"
    closed = api_for(cast.lead_a).post(url + "close/")
    assert closed.json()["status"] == "Closed"
    opened = api_for(cast.lead_a).post(
        "/api/v1/systemlens/concerns/", {"organisation": "RA2", "title": "Staffing"}, format="json"
    )
    assert opened.status_code == 201
    assert (
        api_for(cast.lead_b)
        .post("/api/v1/systemlens/concerns/", {"organisation": "RA2", "title": "x"}, format="json")
        .status_code
        == 404
    )


def test_oversight_across_icss_through_the_api(lens, cast):
    body = {"organisation": "RA1", "lead": "QA1", "served": ["QA2"]}
    assert (
        api_for(cast.ics_lead).post("/api/v1/systemlens/across/", body, format="json").status_code
        == 403
    )
    response = api_for(cast.lead_a).post("/api/v1/systemlens/across/", body, format="json")
    assert response.status_code == 201
    assert [(r["system"], r["is_lead"]) for r in response.json()] == [
        ("QA1", True),
        ("QA2", False),
    ]
    assert ServedSystem.objects.count() == 2
    assert LensEvent.objects.filter(action="across_systems").count() == 1


def _more_records(registry, cast, n):
    from datetime import date

    from systemlens.agreements import agreement_version_record
    from systemlens.concerns import concern_open
    from systemlens.meetings import ActionInput, AgendaInput, MeetingInput, meeting_record
    from tests.systemlens.conftest import TERMS, priorities

    for i in range(n):
        agreement_version_record(
            system=registry.system_a2,
            year=2015 + i,
            terms=TERMS,
            priorities=priorities("One", "Two"),
            user=cast.lead_a,
        )
        concern_open(organisation=registry.trust_a2, title=f"More {i}", user=cast.lead_a)
        meeting_record(
            organisation=registry.trust_a2,
            details=MeetingInput(held_on=date(2021, 12, 1), attendees="x", internal_notes="i"),
            agenda=[AgendaInput(title="a"), AgendaInput(title="b")],
            actions=[ActionInput("Do it", cast.ics_lead, date(2022, 1, 1))],
            user=cast.lead_a,
        )


@pytest.mark.parametrize("name", ["agreements", "concerns", "meetings", "actions"])
def test_each_list_takes_the_same_queries_for_more_records(lens, cast, registry, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_for(cast.ics_lead if name == "actions" else cast.lead_a)
    url = f"/api/v1/systemlens/{name}/"
    with CaptureQueriesContext(connection) as few:
        before = client.get(url).json()["count"]
    _more_records(registry, cast, 3)
    with CaptureQueriesContext(connection) as many:
        after = client.get(url).json()["count"]
    assert after == before + 3
    assert len(many.captured_queries) == len(few.captured_queries)
