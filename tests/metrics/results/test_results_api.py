"""The results API: /api/v1/results/, /flags/, /runs/ and an organisation's SPC.

Every row comes from the engine (tests.metrics.results_data): two quarters calculated,
2021-22 Q2 and Q3, five acute trusts (RA1, RA3 in region A; RB1-RB3 in region B).
"""

from __future__ import annotations

from functools import partial

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from metrics.models.calculation import CalculationRun, RunStatus
from metrics.models.results import MetricResult
from tests.conftest import Cast, Registry
from tests.metrics.results_data import Picture, build_picture
from tests.queries import assert_constant_queries, counted

pytestmark = pytest.mark.django_db

REGION_A = {"RA1", "RA3"}
REGION_B = {"RB1", "RB2", "RB3"}


@pytest.fixture
def picture(registry: Registry, cast: Cast) -> Picture:
    return build_picture(registry, cast.national)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def fresh(user) -> APIClient:
    """A client for a newly loaded user, as each real request has: no permission cache."""
    return client_for(User.objects.get(pk=user.pk))


def get(user, url: str, status: int = 200) -> dict:
    response = client_for(user).get(url)
    assert response.status_code == status, response.content
    return response.json()


# --- results -----------------------------------------------------------------------------------


def test_results_are_the_current_runs_rows(cast: Cast, picture: Picture) -> None:
    body = get(cast.national, "/api/v1/results/?page_size=100")
    assert body["count"] == 2 * 5 * 4  # two quarters, five bodies, four metrics
    assert {r["run"]["id"] for r in body["results"]} == {run.pk for run in picture.runs}


def test_result_row(cast: Cast, picture: Picture) -> None:
    body = get(cast.national, "/api/v1/results/?period=2021-22 Q3&organisation=RA1&metric=M01")
    [row] = body["results"]
    run = picture.latest_run
    assert row == {
        "organisation": "RA1",
        "organisation_name": "Trust A1",
        "metric": "M01",
        "metric_name": "A&E 4-hour performance",
        "edition": "sof-test",
        "period": "2021-22 Q3",
        "peer_group": "trust:acute",
        "value": 48.0,
        "rank": 5,
        "peer_group_size": 5,
        "percentile": 1.0,
        "quartile": 4,
        "score": 4.0,  # standard 95: ranked bodies spread from 2.00 to 4.00; RA1 is last
        "thresholds": {
            "n": 5,
            "p25": 69.0,
            "p50": 74.0,
            "p75": 84.0,
            "method": "linear interpolation between closest ranks",
        },
        "months": 3,
        "version": row["version"],
        "run": {"id": run.pk, "url": f"http://testserver/api/v1/runs/{run.pk}/"},
        "computed_in": run.pk,
    }
    version = MetricResult.objects.get(run=run, organisation__ods_code="RA1", metric__code="M01")
    assert row["version"] == {"id": version.version_id, "number": 1}


def test_neutral_metric_has_no_rank_quartile_or_score(cast: Cast, picture: Picture) -> None:
    [row] = get(cast.national, "/api/v1/results/?period=2021-22-q3&organisation=RB1&metric=M03")[
        "results"
    ]
    assert (row["rank"], row["quartile"], row["score"]) == (None, None, None)


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("period=2021-22 Q3", 20),
        ("period=2021-22-q2", 20),
        ("period=2021-22", 40),  # a whole financial year
        ("period=2019-20 Q1", 0),
        ("period=not-a-quarter", 0),
        ("metric=M02", 10),
        ("organisation=ra1", 8),
        ("peer_group=trust:acute", 40),
        ("peer_group=ccg", 0),
        ("period=2021-22 Q3&metric=M04&organisation=RB2", 1),
    ],
)
def test_result_filters(cast: Cast, picture: Picture, query: str, count: int) -> None:
    assert get(cast.national, f"/api/v1/results/?{query}")["count"] == count


@pytest.mark.parametrize(
    ("member", "bodies"),
    [
        ("national", REGION_A | REGION_B),
        ("lead_a", REGION_A),
        ("analyst_a", REGION_A),
        ("lead_b", REGION_B),
        ("observer", REGION_B),
        ("ics_lead", {"RA1"}),
        ("submitter", {"RA1"}),
        ("sid", {"RA3"}),
        ("outsider", set()),
    ],
)
def test_results_and_flags_are_scoped(cast: Cast, picture: Picture, member: str, bodies) -> None:
    user = getattr(cast, member)
    results = get(user, "/api/v1/results/?page_size=100")["results"]
    assert {r["organisation"] for r in results} == bodies
    flags = get(user, "/api/v1/flags/?page_size=500")["results"]
    assert {f["organisation"] for f in flags} <= bodies


def test_region_b_lead_cannot_filter_their_way_to_region_a(cast: Cast, picture: Picture) -> None:
    assert get(cast.lead_b, "/api/v1/results/?organisation=RA1")["count"] == 0
    assert get(cast.lead_b, "/api/v1/flags/?organisation=RA1")["count"] == 0


def test_anonymous_is_refused(picture: Picture) -> None:
    assert APIClient().get("/api/v1/results/").status_code in (401, 403)


def test_a_run_not_yet_current_is_not_read(cast: Cast, picture: Picture) -> None:
    """A half-written run (not behind CurrentRun) is invisible unless asked for by id."""
    latest = picture.latest_run
    running = CalculationRun.objects.create(
        period=latest.period, edition=latest.edition, reason="test", status=RunStatus.RUNNING
    )
    row = MetricResult.objects.get(run=latest, organisation__ods_code="RA1", metric__code="M01")
    row.pk, row.run, row.value = None, running, 99.0
    row.save()
    current = get(cast.national, "/api/v1/results/?organisation=RA1&metric=M01&period=2021-22 Q3")
    assert [r["value"] for r in current["results"]] == [48.0]
    explained = get(cast.national, f"/api/v1/results/?run={running.pk}")
    assert [r["value"] for r in explained["results"]] == [99.0]


def test_results_of_an_earlier_run_by_id(cast: Cast, picture: Picture) -> None:
    earlier = picture.runs[0]
    body = get(cast.lead_a, f"/api/v1/results/?run={earlier.pk}&page_size=100")
    assert body["count"] == 2 * 4  # RA1 and RA3 only
    assert {r["period"] for r in body["results"]} == {"2021-22 Q2"}
    assert get(cast.lead_a, "/api/v1/results/?run=x", status=400)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/results/", "/api/v1/flags/", "/api/v1/organisations/RA1/spc/M01/"],
)
@pytest.mark.parametrize("run", ["9" * 25, str(2**63), "0", "-3", "x"])
def test_a_run_that_is_no_id_is_refused_naming_run(
    cast: Cast, picture: Picture, url: str, run: str
) -> None:
    """Out of the database's range (a 25-digit number gave a 500 on SQLite): 400, not 500."""
    body = get(cast.lead_a, f"{url}?run={run}", status=400)
    assert body["run"] == ["A run id is a whole number from 1 to 9223372036854775807."]
    assert "run" in body["detail"]


def test_the_largest_id_is_an_id_of_no_run(cast: Cast, picture: Picture) -> None:
    largest = str(2**63 - 1)
    assert get(cast.lead_a, f"/api/v1/results/?run={largest}")["count"] == 0
    assert get(cast.lead_a, f"/api/v1/flags/?run={largest}")["count"] == 0
    get(cast.lead_a, f"/api/v1/organisations/RA1/spc/M01/?run={largest}", status=404)


def test_results_query_count_does_not_grow_with_rows(
    cast: Cast, picture: Picture, django_assert_num_queries
) -> None:
    # Permissions (user's, groups'), then the count and the page (scope is a subquery).
    small_client, large_client = fresh(cast.lead_a), fresh(cast.lead_a)
    with django_assert_num_queries(4):
        small = small_client.get("/api/v1/results/?organisation=RA1&metric=M01")
    with django_assert_num_queries(4):
        large = large_client.get("/api/v1/results/?page_size=100")
    assert small.json()["count"] == 2
    assert large.json()["count"] == 16


# --- flags -------------------------------------------------------------------------------------


def test_flag_row_has_its_evidence_and_run(cast: Cast, picture: Picture) -> None:
    body = get(cast.lead_a, "/api/v1/flags/?organisation=RA1&kind=dramatic_drop&period=2021-22 Q3")
    [flag] = body["results"]
    assert flag["metric"] == "M01"
    assert flag["kind_label"] == "Dramatic drop"
    assert flag["run"]["id"] == picture.latest_run.pk
    texts = [reason["text"] for reason in flag["evidence"]["reasons"]]
    assert any("outside the process limits" in text for text in texts)
    assert flag["parameters"]["quartile_to"] == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=spc_concern", {("RA1", "M01")}),
        ("kind=top_quartile&metric=M02&period=2021-22 Q3", {("RA1", "M02"), ("RA3", "M02")}),
        ("metric=M04&organisation=RA3&period=2021-22-q3", {("RA3", "M04")}),
        ("kind=nonsense", None),
    ],
)
def test_flag_filters(cast: Cast, picture: Picture, query: str, expected) -> None:
    response = client_for(cast.lead_a).get(f"/api/v1/flags/?{query}&page_size=500")
    if expected is None:
        assert response.status_code == 400
        return
    assert {(f["organisation"], f["metric"]) for f in response.json()["results"]} == expected


def test_flags_query_count_does_not_grow_with_rows(
    cast: Cast, picture: Picture, django_assert_num_queries
) -> None:
    one_client, every_client = fresh(cast.national), fresh(cast.national)
    with django_assert_num_queries(4):  # permissions (2), count, page
        one = one_client.get("/api/v1/flags/?kind=spc_concern")
    with django_assert_num_queries(4):
        every = every_client.get("/api/v1/flags/?page_size=500")
    assert one.json()["count"] < every.json()["count"]


# --- SPC ---------------------------------------------------------------------------------------


def test_spc_of_a_body_and_metric(cast: Cast, picture: Picture) -> None:
    body = get(cast.lead_a, "/api/v1/organisations/RA1/spc/M01/")
    assert (body["organisation"], body["metric"], body["period"]) == ("RA1", "M01", "2021-22 Q3")
    assert len(body["points"]) == 21  # seven quarters of months
    first, last = body["points"][0], body["points"][-1]
    assert first["date"] == "2020-04-30"
    assert (last["date"], last["value"]) == ("2021-12-31", 48.0)
    assert (last["special_cause"], last["direction"], last["classification"]) == (
        "outside_limits",
        "low",
        "concern",
    )
    assert {"rule": "two_in_three", "direction": "low", "classification": "concern"} in last[
        "signals"
    ]
    assert body["variation"] == {"code": "concern_low", "label": "Special cause concern — low"}
    assert body["assurance"]["code"] == "consistently_fail"
    assert body["assurance"]["label"].startswith("Consistently fail")
    assert body["trial"] is False
    assert body["target"] == 95.0
    assert body["lcl"] < body["lower_two_sigma"] < body["mean"] < body["upper_two_sigma"]
    assert body["segments"] == [
        {
            "start": 0,
            "end": 21,
            "mean": body["mean"],
            "ucl": body["ucl"],
            "lcl": body["lcl"],
            "upper_two_sigma": body["upper_two_sigma"],
            "lower_two_sigma": body["lower_two_sigma"],
            "trial": False,
        }
    ]
    assert body["run"]["id"] == picture.latest_run.pk


def test_spc_of_an_earlier_quarter(cast: Cast, picture: Picture) -> None:
    body = get(cast.national, "/api/v1/organisations/RA1/spc/M01/?period=2021-22 Q2")
    assert len(body["points"]) == 18
    assert body["variation"]["code"] == "common_cause"
    by_run = get(cast.national, f"/api/v1/organisations/RA1/spc/M01/?run={picture.runs[0].pk}")
    assert by_run == body


@pytest.mark.parametrize(
    ("member", "url"),
    [
        ("outsider", "/api/v1/organisations/RA1/spc/M01/"),
        ("lead_b", "/api/v1/organisations/RA1/spc/M01/"),
        ("lead_a", "/api/v1/organisations/RB1/spc/M01/"),
        ("submitter", "/api/v1/organisations/RA3/spc/M01/"),
        ("lead_a", "/api/v1/organisations/RA1/spc/NOPE/"),
        ("lead_a", "/api/v1/organisations/0A1/spc/M01/"),  # in scope, no series
        ("lead_a", "/api/v1/organisations/ZZZ/spc/M01/"),
        ("lead_a", "/api/v1/organisations/RA1/spc/M01/?period=2019-20 Q1"),
    ],
)
def test_spc_404(cast: Cast, picture: Picture, member: str, url: str) -> None:
    get(getattr(cast, member), url, status=404)


def test_spc_query_count(cast: Cast, picture: Picture) -> None:
    # Permissions (2), the series with its joins: the same for a short series and a long one.
    short_client, long_client = fresh(cast.lead_a), fresh(cast.lead_a)
    short = counted(
        partial(short_client.get, "/api/v1/organisations/RA1/spc/M01/?period=2021-22 Q2")
    )
    long = counted(partial(long_client.get, "/api/v1/organisations/RA1/spc/M01/"))
    assert short.response.status_code == long.response.status_code == 200
    assert 0 < len(short.response.json()["points"]) < len(long.response.json()["points"])
    assert_constant_queries(short, long, at_most=3)


# --- runs --------------------------------------------------------------------------------------


def test_runs_list(cast: Cast, picture: Picture) -> None:
    body = get(cast.lead_b, "/api/v1/runs/")
    assert [r["id"] for r in body["results"]] == [run.pk for run in reversed(picture.runs)]
    latest = body["results"][0]
    assert latest["status"] == "finished"
    assert latest["is_current"] is True
    assert latest["progress"] == 1.0
    assert latest["period"] == "2021-22 Q3"
    assert latest["method_version"]
    assert latest["duration_seconds"] >= 0
    assert latest["reason"] == ""  # names a body's input: national users only
    assert get(cast.national, "/api/v1/runs/")["results"][0]["reason"] == "Accepted RA1 v1"


def test_runs_list_filters(cast: Cast, picture: Picture) -> None:
    assert get(cast.lead_a, "/api/v1/runs/?period=2021-22 Q2")["count"] == 1
    assert get(cast.lead_a, "/api/v1/runs/?status=failed")["count"] == 0


def test_run_detail_inputs_are_scoped(cast: Cast, picture: Picture) -> None:
    run = picture.latest_run
    national = get(cast.national, f"/api/v1/runs/{run.pk}/")
    assert national["inputs_in_scope"] == 7 * 5  # every accepted version up to the quarter
    assert national["parameters"]["quartiles"]["min_bodies"] == 4
    assert national["status_label"] == "Finished"
    lead_a = get(cast.lead_a, f"/api/v1/runs/{run.pk}/")
    assert lead_a["inputs_in_scope"] == 7 * 2
    inputs = get(cast.lead_a, lead_a["inputs"])
    assert inputs["count"] == 14
    assert {i["organisation"] for i in inputs["results"]} == REGION_A
    assert inputs["results"][0]["period"] == "2021-22 Q3"


def test_outsider_sees_no_runs(cast: Cast, picture: Picture) -> None:
    assert get(cast.outsider, "/api/v1/runs/")["count"] == 0
    get(cast.outsider, f"/api/v1/runs/{picture.latest_run.pk}/", status=404)
    get(cast.outsider, f"/api/v1/runs/{picture.latest_run.pk}/inputs/", status=404)


def test_runs_query_counts(cast: Cast, picture: Picture) -> None:
    # The list: permissions (2), role, count, page — for one run as for all of them.
    one = counted(partial(fresh(cast.lead_a).get, "/api/v1/runs/?period=2021-22 Q2"))
    every = counted(partial(fresh(cast.lead_a).get, "/api/v1/runs/?page_size=100"))
    assert one.response.json()["count"] == 1
    assert every.response.json()["count"] == len(picture.runs) > 1
    assert_constant_queries(one, every, at_most=5)
    # The detail: permissions (2), role, the run, its inputs in scope — whatever their number.
    first, latest = picture.runs[0], picture.latest_run
    early = counted(partial(fresh(cast.lead_a).get, f"/api/v1/runs/{first.pk}/"))
    late = counted(partial(fresh(cast.lead_a).get, f"/api/v1/runs/{latest.pk}/"))
    assert early.response.json()["inputs_in_scope"] < late.response.json()["inputs_in_scope"]
    assert_constant_queries(early, late, at_most=5)


def test_result_and_flag_detail_are_404_outside_scope(cast: Cast, picture: Picture) -> None:
    result = MetricResult.objects.get(
        run=picture.latest_run, organisation__ods_code="RA1", metric__code="M01"
    )
    flag = picture.latest_run.flags.filter(organisation__ods_code="RA1").first()
    assert flag is not None
    assert get(cast.lead_a, f"/api/v1/results/{result.pk}/")["value"] == 48.0
    assert get(cast.lead_a, f"/api/v1/flags/{flag.pk}/")["organisation"] == "RA1"
    for member in ("lead_b", "outsider", "sid"):
        get(getattr(cast, member), f"/api/v1/results/{result.pk}/", status=404)
        get(getattr(cast, member), f"/api/v1/flags/{flag.pk}/", status=404)
