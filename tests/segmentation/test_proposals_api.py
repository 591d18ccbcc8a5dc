"""The proposals API and provenance both ways, scoped for the fixed cast."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from segmentation.models import Proposal
from tests.conftest import Cast
from tests.factories import OrganisationFactory
from tests.metrics.results_data import Picture
from tests.segmentation.conftest import api_for

pytestmark = pytest.mark.django_db

SEEN = {
    "national": {"0A1", "QA1", "QA2", "QB1", "RA1", "RA2", "RA3", "RB1", "RB2", "RB3"},
    "lead_a": {"0A1", "QA1", "QA2", "RA1", "RA2", "RA3"},
    "analyst_a": {"0A1", "QA1", "QA2", "RA1", "RA2", "RA3"},
    "lead_b": {"QB1", "RB1", "RB2", "RB3"},
    "observer": {"QB1", "RB1", "RB2", "RB3"},
    "ics_lead": {"0A1", "QA1", "RA1", "RA2"},
    # A body's own users see no proposal: only what is published to them.
    "submitter": set(),
    "approver": set(),
    "sid": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("member", sorted(SEEN))
def test_proposals_are_scoped(cast: Cast, picture: Picture, member: str):
    response = api_for(getattr(cast, member)).get("/api/v1/segmentation/proposals/?page_size=100")
    assert response.status_code == 200
    assert {row["organisation"] for row in response.json()["results"]} == SEEN[member]


@pytest.mark.parametrize(
    ("member", "status"), [("lead_a", 200), ("lead_b", 404), ("outsider", 404), ("submitter", 404)]
)
def test_one_proposal_and_its_trace_are_scoped(cast: Cast, picture: Picture, member, status):
    ra1 = Proposal.objects.get(organisation__ods_code="RA1")
    client = api_for(getattr(cast, member))
    assert client.get(f"/api/v1/segmentation/proposals/{ra1.pk}/").status_code == status
    assert client.get(f"/api/v1/segmentation/proposals/{ra1.pk}/trace/").status_code == status


def test_a_proposal_links_each_criterion_down(cast: Cast, picture: Picture):
    response = api_for(cast.lead_a).get("/api/v1/segmentation/proposals/?organisation=RA1")
    (ra1,) = response.json()["results"]
    assert ra1["segment"] == 3
    assert ra1["method"] == {
        "code": "sof-2021-22",
        "version": 1,
        "name": ra1["method"]["name"],
        "rules": "sof_2021_22",
        "illustrative": False,
    }
    assert ra1["run"]["id"] == picture.latest_run.pk
    drop = next(c for c in ra1["criteria"] if c["code"] == "dramatic_drop")
    assert drop["status"] == "met"
    (m01,) = drop["metrics"]
    assert m01["code"] == "M01"
    assert m01["result"].endswith(
        f"/api/v1/results/?organisation=RA1&metric=M01&period=2021-22+Q3&run={picture.latest_run.pk}"
    )
    assert m01["trace"].endswith(
        "/api/v1/segmentation/trace/?organisation=RA1&metric=M01&period=2021-22+Q3"
    )
    # Following the result link gives the value the criterion read.
    result = api_for(cast.lead_a).get(m01["result"]).json()["results"][0]
    assert (result["value"], result["quartile"]) == (48.0, 4)


def test_the_trace_goes_down_to_the_version_and_its_upload(cast: Cast, picture: Picture):
    ra1 = Proposal.objects.get(organisation__ods_code="RA1")
    trace = api_for(cast.lead_a).get(f"/api/v1/segmentation/proposals/{ra1.pk}/trace/").json()
    drop = next(c for c in trace["criteria"] if c["code"] == "dramatic_drop")
    (result,) = drop["results"]
    assert result["metric"] == "M01"
    assert (result["value"], result["quartile"], result["score"]) == (48.0, 4, "4.00")
    assert result["thresholds"]["n"] == 5
    version = result["version"]
    assert version["number"] == 1
    assert version["file_name"] == "RA1-2021-22-q3.csv"
    assert version["file_url"].endswith("/returns/RA1/2021-22-q3/versions/1/file")
    (flag,) = drop["flags"]
    assert flag["kind"] == "dramatic_drop"
    assert any("outside the process limits" in text for text in flag["evidence"])
    assert trace["run"]["id"] == picture.latest_run.pk
    # The upload itself answers to the lead, as the file it was.
    client = api_for(cast.lead_a)
    client.force_login(cast.lead_a)
    download = client.get("/returns/RA1/2021-22-q3/versions/1/file")
    assert download.status_code == 200
    assert b"M01," in download.content


def test_a_value_traces_up_to_its_flags_and_proposals(cast: Cast, picture: Picture):
    url = "/api/v1/segmentation/trace/?organisation=RA1&metric=M01&period=2021-22 Q3"
    body = api_for(cast.lead_a).get(url).json()
    assert body["result"]["value"] == 48.0
    assert [v["value"] for v in body["values"]] == [50.0, 49.0, 48.0]  # the three months
    assert {f["kind"] for f in body["flags"]} >= {"dramatic_drop", "bottom_quartile"}
    (use,) = body["proposals"]
    assert use["segment"] == 3
    assert {c["code"] for c in use["criteria"]} >= {"dramatic_drop", "top_quartile"}
    # The body's own submitter sees its value and flags, not the internal proposal.
    own = api_for(cast.submitter).get(url).json()
    assert own["result"]["value"] == 48.0
    assert own["proposals"] == []


@pytest.mark.parametrize(
    ("member", "query", "status"),
    [
        ("lead_b", "organisation=RA1&metric=M01&period=2021-22 Q3", 404),
        ("outsider", "organisation=RA1&metric=M01&period=2021-22 Q3", 404),
        ("lead_a", "organisation=RA1&metric=NOPE&period=2021-22 Q3", 404),
        ("lead_a", "organisation=RA1&metric=M01&period=2019-20 Q1", 404),
        ("lead_a", "organisation=RA1&metric=M01", 400),
    ],
)
def test_value_trace_refusals(cast: Cast, picture: Picture, member, query, status):
    response = api_for(getattr(cast, member)).get(f"/api/v1/segmentation/trace/?{query}")
    assert response.status_code == status


def test_methods_list_every_parameter(cast: Cast, picture: Picture):
    (method,) = api_for(cast.observer).get("/api/v1/segmentation/methods/").json()["results"]
    assert method["label"] == "sof-2021-22 v1"
    assert method["parameters"]["top_quartile_share"] == "0.50"
    assert method["parameters"]["support_segment"] == 4


def test_the_proposals_list_takes_the_same_queries_at_two_sizes(cast: Cast, picture: Picture):
    client = api_for(cast.national)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/segmentation/proposals/?page_size=100")
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    count()  # the user's permissions are cached after the first request
    small = count()
    for n in range(8):
        OrganisationFactory(
            ods_code=f"RX{n}", name=f"Trust X{n}", system=picture.bodies["RB1"].system
        )
    from segmentation.proposals import proposals_compute

    proposals_compute(run_id=picture.latest_run.pk)
    large = count()
    assert (small[1], large[1]) == (10, 18)
    assert small[0] == large[0]
