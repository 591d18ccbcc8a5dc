"""Every system-lens page for the fixed cast: who sees it (200), who sees but may not record
(403), and everyone else (404, as for what does not exist); internal notes never reach the
body; forms show the NHS.UK error summary and store nothing when refused."""

from __future__ import annotations

import pytest
from django.test import Client

from systemlens.concerns import concern_open
from systemlens.models import AgreementReview, Meeting, MeetingAction

SEE_A1 = ["national", "lead_a", "analyst_a", "ics_lead"]
NOT_A1 = ["lead_b", "submitter", "approver", "sid", "observer", "outsider"]
RECORD_A1 = ["national", "lead_a", "analyst_a"]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pages(lens):
    return [
        "/ics/QA1/",
        "/ics/QA1/agreement/2021/",
        f"/meetings/{lens.meeting.pk}/",
        f"/concerns/{lens.concern.pk}/",
    ]


@pytest.mark.parametrize("who", SEE_A1)
def test_those_who_see_the_ics_see_its_pages(lens, cast, who):
    client = client_for(getattr(cast, who))
    for url in _pages(lens):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get("/ics/QA1/").content.decode()
    assert "Elective recovery" in page
    assert "Some concerns" in page  # the review's rating in words
    assert "Waits rising" in page
    history = page[page.index('id="history"') :]
    for words in ("Agreement version recorded", "Quarterly review recorded", "Specific concern"):
        assert words in history
    assert cast.lead_a.email in history


@pytest.mark.parametrize("who", NOT_A1)
def test_everyone_else_gets_404_for_every_page(lens, cast, who):
    client = client_for(getattr(cast, who))
    urls = [
        *_pages(lens),
        "/ics/QA1/agreement/2021/versions/new/",
        "/ics/QA1/agreement/2021/reviews/new/",
        "/ics/QA1/meetings/new/",
        "/ics/QA1/concerns/new/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/meetings/actions/{lens.action.pk}/done/").status_code == 404


def test_an_unknown_ics_is_404_too(lens, cast):
    assert client_for(cast.national).get("/ics/NOPE/").status_code == 404


@pytest.mark.parametrize("who", RECORD_A1)
def test_the_regional_team_opens_every_form(lens, cast, who):
    client = client_for(getattr(cast, who))
    for url in (
        "/ics/QA1/agreement/2021/versions/new/",
        "/ics/QA1/agreement/2021/reviews/new/",
        "/ics/QA1/meetings/new/",
        "/ics/QA1/concerns/new/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_ics_lead_sees_but_may_not_record(lens, cast):
    client = client_for(cast.ics_lead)
    for url in (
        "/ics/QA1/agreement/2021/versions/new/",
        "/ics/QA1/agreement/2021/reviews/new/",
        "/ics/QA1/meetings/new/",
        "/ics/QA1/concerns/new/",
    ):
        assert client.get(url).status_code == 403, url
    page = client.get(f"/concerns/{lens.concern.pk}/").content.decode()
    assert "Record the assessment" not in page


def test_internal_notes_never_reach_the_ics_lead(lens, cast):
    page = client_for(cast.ics_lead).get(f"/meetings/{lens.meeting.pk}/").content.decode()
    assert "Shared: trajectory agreed." in page
    assert "INTERNAL" not in page
    lead_page = client_for(cast.lead_a).get(f"/meetings/{lens.meeting.pk}/").content.decode()
    assert "INTERNAL: consider mandated support for RA1." in lead_page


def test_the_action_shows_on_its_owners_home_page_until_done(lens, cast):
    client = client_for(cast.ics_lead)
    home = client.get("/").content.decode()
    assert "Your actions from oversight meetings" in home
    assert "Send revised trajectory" in home
    assert "Send revised trajectory" not in client_for(cast.lead_a).get("/").content.decode()
    response = client.post(f"/meetings/actions/{lens.action.pk}/done/", {"next": "/"})
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "Action done: Send revised trajectory" in home  # the message, once
    assert "Your actions from oversight meetings" not in home
    assert MeetingAction.objects.get().done_at is not None


def test_a_review_form_with_errors_shows_the_summary_and_stores_nothing(lens, cast, quarters):
    client = client_for(cast.lead_a)
    response = client.post(
        "/ics/QA1/agreement/2021/reviews/new/",
        {"period": quarters[2].pk, "held_on": "2022-01-14", "rating": "", "outcome": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert AgreementReview.objects.count() == 1
    response = client.post(
        "/ics/QA1/agreement/2021/reviews/new/",
        {
            "period": quarters[1].pk,
            "held_on": "2022-01-14",
            "rating": "on_track",
            "outcome": "x",
            "next_steps": "y",
        },
    )
    assert "recorded already" in response.content.decode()
    response = client.post(
        "/ics/QA1/agreement/2021/reviews/new/",
        {
            "period": quarters[2].pk,
            "held_on": "2022-01-14",
            "rating": "on_track",
            "outcome": "Back on plan.",
            "next_steps": "Keep going.",
        },
    )
    assert response.status_code == 302
    assert AgreementReview.objects.count() == 2


def test_a_meeting_is_recorded_through_its_form(lens, cast, registry):
    ics = registry.system_a1.organisations.get(kind="ics")
    response = client_for(cast.lead_a).post(
        "/ics/QA1/meetings/new/",
        {
            "organisation": ics.pk,
            "held_on": "2022-02-02",
            "attendees": "Regional team; ICS executive",
            "agenda_1_title": "Finance",
            "action_1_description": "Finance recovery plan",
            "action_1_owner": cast.ics_lead.pk,
            "action_1_due_on": "2022-03-01",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.latest("id")
    assert [a.description for a in meeting.actions.all()] == ["Finance recovery plan"]


def test_a_meeting_action_without_owner_names_the_field(lens, cast, registry):
    ics = registry.system_a1.organisations.get(kind="ics")
    response = client_for(cast.lead_a).post(
        "/ics/QA1/meetings/new/",
        {
            "organisation": ics.pk,
            "held_on": "2022-02-02",
            "attendees": "x",
            "action_1_description": "Finance recovery plan",
        },
    )
    page = response.content.decode()
    assert "Choose who owns action 1." in page
    assert 'href="#id_action_1_owner"' in page
    assert Meeting.objects.count() == 1


def test_a_concern_is_assessed_through_its_page(lens, cast):
    client = client_for(cast.lead_a)
    url = f"/concerns/{lens.concern.pk}/"
    response = client.post(url, {"seriousness": "", "outcome": "no_support"})
    assert "There is a problem" in response.content.decode()
    data = {
        "seriousness": "a",
        "risk_and_impact": "b",
        "body_understanding": "c",
        "maturity": "d",
        "action_taken": "e",
        "outcome": "mandated_support",
        "outcome_reason": "No grip on waits.",
    }
    assert client.post(url, data).status_code == 302
    page = client.get(url).content.decode()
    assert "Proposed for mandated support" in page


def test_the_grid_and_roll_ups_say_so_when_there_is_nothing_yet(lens, cast):
    page = client_for(cast.lead_a).get("/ics/QA1/").content.decode()
    assert "No published results" in page


def test_the_ics_page_takes_the_same_queries_with_more_records(lens, cast, registry):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from oversight.models import Organisation
    from tests.factories import OrganisationFactory

    client = client_for(cast.lead_a)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/ics/QA1/").status_code == 200
    for n in range(3):
        OrganisationFactory(ods_code=f"RX{n}", name=f"Trust X{n}", system=registry.system_a1)
        body = Organisation.objects.get(ods_code=f"RX{n}")
        concern_open(organisation=body, title=f"Concern {n}", user=cast.lead_a)
        Meeting.objects.create(
            organisation=body, held_on="2021-12-01", attendees="x", recorded_by=cast.lead_a
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/ics/QA1/")
    assert "Concern 2" in page.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
