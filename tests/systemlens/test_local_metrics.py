"""Local metrics through the page and the API: the regional team adds one for an ICS; it is
seen in the catalogue only by that ICS, its region and national users."""

from __future__ import annotations

import pytest
from django.test import Client

from metrics.models.catalogue import FrameworkEdition, Methodology, Metric, Theme
from tests.systemlens.conftest import api_for


@pytest.fixture
def edition(db):
    edition = FrameworkEdition.objects.create(
        code="sof-lens", name="SOF lens", methodology=Methodology.SOF_2021_22
    )
    Theme.objects.create(edition=edition, slug="local_strategic_priorities", name="Local")
    return edition


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_regional_team_adds_a_local_metric_through_the_page(registry, cast, edition):
    url = "/ics/QA1/local-metrics/new/"
    assert client_for(cast.ics_lead).get(url).status_code == 403
    assert client_for(cast.lead_b).get(url).status_code == 404
    client = client_for(cast.lead_a)
    response = client.post(url, {"edition": edition.pk, "code": "", "name": "SDEC use"})
    assert "There is a problem" in response.content.decode()
    data = {
        "edition": edition.pk,
        "code": "QA1-L1",
        "name": "Same-day emergency care use",
        "unit": "%",
        "polarity": "higher_better",
    }
    assert client.post(url, data).status_code == 302
    assert Metric.objects.get(code="QA1-L1").local_to == registry.system_a1
    again = client.post(url, data)
    assert "has a metric QA1-L1 already" in again.content.decode()


def test_a_local_metric_through_the_api_is_seen_only_within_its_ics(registry, cast, edition):
    body = {
        "system": "QA1",
        "edition": "sof-lens",
        "code": "QA1-L2",
        "name": "Virtual ward occupancy",
        "unit": "%",
        "polarity": "higher_better",
    }
    assert (
        api_for(cast.ics_lead)
        .post("/api/v1/systemlens/local-metrics/", body, format="json")
        .status_code
        == 403
    )
    response = api_for(cast.lead_a).post("/api/v1/systemlens/local-metrics/", body, format="json")
    assert response.status_code == 201
    assert response.json()["local_to"] == "QA1"
    for user, seen in ((cast.ics_lead, True), (cast.national, True), (cast.lead_b, False)):
        codes = [m["code"] for m in api_for(user).get("/api/v1/metrics/").json()["results"]]
        assert ("QA1-L2" in codes) is seen


def test_the_metric_page_of_a_local_metric_is_404_outside_its_ics(registry, cast, edition):
    from systemlens.agreements import local_metric_add

    local_metric_add(
        system=registry.system_a1,
        edition=edition,
        code="QA1-L3",
        name="Local",
        unit="%",
        polarity="higher_better",
        user=cast.lead_a,
    )
    url = "/catalogue/sof-lens/metrics/QA1-L3/"
    assert client_for(cast.ics_lead).get(url).status_code == 200
    assert client_for(cast.lead_b).get(url).status_code == 404
    assert "QA1-L3" not in client_for(cast.lead_b).get("/catalogue/sof-lens/").content.decode()
