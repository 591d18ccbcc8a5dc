"""REST API of returns: each endpoint, each error status with its message, scope (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import (
    Finding,
    Reopening,
    Return,
    ReturnEvent,
    ReturnState,
    ReturnVersion,
    Value,
)
from metrics.returns.review import return_sign_off
from metrics.returns.upload import return_upload
from oversight.models import Organisation
from tests.conftest import Cast, Registry
from tests.factories import OrganisationFactory
from tests.metrics.factories import csv_file, full_rows, quarter, window
from tests.queries import assert_constant_queries, counted

UPLOAD = "/api/v1/returns/upload/"


@dataclass
class World:
    registry: Registry
    cast: Cast
    period: Period
    edition: FrameworkEdition

    def rows(self, organisation: Organisation | None = None):
        return full_rows(organisation or self.registry.trust_a1, self.period, self.edition)

    def file(self, organisation: Organisation | None = None) -> bytes:
        body = organisation or self.registry.trust_a1
        return csv_file(body.ods_code, self.rows(body))

    def upload(self, content: bytes | None = None, organisation=None, user=None) -> Return:
        version, _ = return_upload(
            organisation=organisation or self.registry.trust_a1,
            period=self.period,
            edition=self.edition,
            file_name="return.csv",
            content=content or self.file(organisation),
            user=user or self.cast.submitter,
        )
        return version.return_record

    def signed_off(self) -> Return:
        return return_sign_off(
            return_record=self.upload(), user=self.cast.approver, declaration=True
        )


@pytest.fixture
def world(registry: Registry, cast: Cast) -> World:
    load_builtin_catalogues()
    period = quarter()
    return World(registry, cast, period, edition_for(period))


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_file(user, content: bytes, name: str = "return.csv", **fields: str):
    data: dict[str, object] = {"organisation": "RA1", "period": "2021-22 Q3", **fields}
    data["file"] = SimpleUploadedFile(name, content, content_type="text/csv")
    return api(user).post(UPLOAD, data, format="multipart")


def stored() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Return, ReturnVersion, Value, Finding, ReturnEvent))


# --- upload ------------------------------------------------------------------------------------


def test_upload_stores_a_version(world: World) -> None:
    response = post_file(world.cast.submitter, world.file())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["duplicate"] is False
    assert body["version"]["number"] == 1
    assert body["version"]["uploaded_by"] == "submitter.a1@nhs.test"
    assert body["version"]["value_count"] == len(world.rows())
    assert len(body["version"]["file_sha256"]) == 64
    assert body["return_id"] == Return.objects.get().pk


def test_upload_takes_the_period_slug_too(world: World) -> None:
    response = post_file(world.cast.submitter, world.file(), period="2021-22-q3")
    assert response.status_code == 201


def test_an_identical_file_is_recognised(world: World) -> None:
    post_file(world.cast.submitter, world.file())
    before = stored()
    response = post_file(world.cast.submitter, world.file())
    assert response.status_code == 200
    assert response.json()["duplicate"] is True
    assert response.json()["version"]["number"] == 1
    assert stored() == before


def test_dry_run_reports_findings_and_changes_and_saves_nothing(world: World) -> None:
    world.upload()
    before = stored()
    rows = world.rows()
    code, end, value = rows[0]
    rows[0] = (code, end, value + 1)
    response = post_file(world.cast.submitter, csv_file("RA1", rows[:-1]), dry_run="true")
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert body["blocking"] is False
    assert body["changes"] == {
        "new": 0,
        "changed": 1,
        "unchanged": len(rows) - 2,
        "removed": 1,
        "refused": 0,
    }
    assert {c["kind"] for c in body["changed_values"]} == {"changed", "removed"}
    assert [f["code"] for f in body["findings"]] == ["missing_metric"]
    assert stored() == before


def test_blocking_findings_are_a_400_saying_what_and_where(world: World) -> None:
    rows = world.rows()
    code, end, _ = rows.pop()
    bad = csv_file("RA1", rows, [f"RA1,{code},{end},n/a x,,,", "RA1,QQ1,2021-12-31,1,,,"])
    response = post_file(world.cast.submitter, bad)
    assert response.status_code == 400
    body = response.json()
    assert "2 problem(s) to fix" in body["detail"]
    blocking = [f for f in body["findings"] if f["severity"] == "blocking"]
    last = len(rows) + 1
    assert [(f["row"], f["column"]) for f in blocking] == [
        (last + 1, "value"),
        (last + 2, "metric_code"),
    ]
    assert all(f["message"].startswith(f"Row {f['row']}, column") for f in blocking)
    assert stored() == (0, 0, 0, 0, 0)


def test_a_rejected_file_is_a_400_with_its_message(world: World) -> None:
    response = post_file(world.cast.submitter, b"\x00\x01binary", name="return.csv")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert body["findings"][0]["code"] == "file_rejected"
    assert body["findings"][0]["message"] == body["detail"]
    assert stored() == (0, 0, 0, 0, 0)


def test_missing_fields_and_a_bad_period_are_400(world: World) -> None:
    response = api(world.cast.submitter).post(UPLOAD, {"organisation": "RA1"}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()) >= {"period", "file"}
    response = post_file(world.cast.submitter, world.file(), period="Q3 2021")
    assert response.status_code == 400
    assert "write it like 2021-22 or 2021-22 Q3" in response.json()["period"][0]
    response = post_file(world.cast.submitter, world.file(), period="2019-20 Q1")
    assert response.status_code == 400
    assert "There is no 2019-20 Q1 period yet" in response.json()["period"][0]


def test_upload_for_a_body_outside_scope_is_404(world: World) -> None:
    for who in ("outsider", "lead_a", "submitter"):
        response = post_file(getattr(world.cast, who), world.file(), organisation="RB1")
        assert response.status_code == 404, who
        # The same answer as for a code that does not exist at all.
        assert response.json()["detail"] == "No such organisation."
    response = post_file(world.cast.national, world.file(), organisation="ZZ9")
    assert (response.status_code, response.json()["detail"]) == (404, "No such organisation.")
    for who in ("outsider", "lead_b"):
        assert post_file(getattr(world.cast, who), world.file()).status_code == 404


@pytest.mark.parametrize("who", ["approver", "lead_a", "analyst_a", "ics_lead"])
def test_upload_by_a_role_that_may_see_but_not_submit_is_403(world: World, who: str) -> None:
    response = post_file(getattr(world.cast, who), world.file())
    assert response.status_code == 403
    assert response.json()["detail"] == "You can see Trust A1 but may not submit its returns."


def test_upload_to_a_locked_quarter_is_409_with_the_reason(world: World) -> None:
    window(world.period, opens=-60, due=-40, closes=-1)
    response = post_file(world.cast.submitter, world.file())
    assert response.status_code == 409
    assert "closed on" in response.json()["detail"]
    window(world.period, opens=5, due=20, closes=40)
    response = post_file(world.cast.submitter, world.file())
    assert response.status_code == 409
    assert "opens on" in response.json()["detail"]


# --- list and detail ---------------------------------------------------------------------------


def test_the_list_is_scoped_filtered_and_says_what_is_next(world: World) -> None:
    world.signed_off()
    response = api(world.cast.analyst_a).get("/api/v1/returns/")
    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert item["organisation"] == "RA1"
    assert item["period"] == "2021-22 Q3"
    assert item["state"] == "signed_off"
    assert [(a["action"], a["allowed"]) for a in item["next_actions"]] == [
        ("accept", True),
        ("send_back", True),
    ]
    assert api(world.cast.lead_b).get("/api/v1/returns/").json()["results"] == []
    assert api(world.cast.outsider).get("/api/v1/returns/").json()["results"] == []
    national = api(world.cast.national)
    assert len(national.get("/api/v1/returns/", {"period": "2021-22 Q3"}).json()["results"]) == 1
    assert national.get("/api/v1/returns/", {"period": "2021-22-q2"}).json()["results"] == []
    assert national.get("/api/v1/returns/", {"state": "accepted"}).json()["results"] == []
    assert len(national.get("/api/v1/returns/", {"organisation": "ra1"}).json()["results"]) == 1
    bad = national.get("/api/v1/returns/", {"period": "next quarter"})
    assert bad.status_code == 400
    assert "period" in bad.json()


def test_the_list_takes_the_same_queries_for_many_returns(world: World) -> None:
    world.signed_off()

    def client() -> APIClient:  # a newly loaded user, as each real request has: no cache
        return api(User.objects.get(pk=world.cast.national.pk))

    small = counted(partial(client().get, "/api/v1/returns/"))
    assert len(small.response.json()["results"]) == 1
    for n in range(12):
        body = OrganisationFactory(ods_code=f"RW{n:02d}", system=world.registry.system_a1)
        world.upload(world.file(body), organisation=body, user=world.cast.national)
    large = counted(partial(client().get, "/api/v1/returns/"))
    assert len(large.response.json()["results"]) == 13
    assert_constant_queries(small, large, at_most=12)


def test_detail_has_versions_findings_window_and_next_actions(world: World) -> None:
    record = world.upload(csv_file("RA1", world.rows()[1:]))
    response = api(world.cast.approver).get(f"/api/v1/returns/{record.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert [v["number"] for v in body["versions"]] == [1]
    (finding,) = body["findings"]
    assert finding["severity"] == "warning"
    assert finding["justification"] == ""
    assert body["window"]["accepts_returns"] is True
    actions = {a["action"]: a for a in body["next_actions"]}
    assert actions["justify"]["allowed"] is True
    assert actions["sign_off"] == {
        "action": "sign_off",
        "label": "Sign off",
        "allowed": False,
        "reason": "Justify every warning first.",
    }


# --- review steps ------------------------------------------------------------------------------


def test_justify_then_sign_off(world: World) -> None:
    record = world.upload(csv_file("RA1", world.rows()[1:]))
    warning = Finding.objects.get()
    approver = api(world.cast.approver)
    url = f"/api/v1/returns/{record.pk}/"
    refused = approver.post(url + "sign-off/")
    assert refused.status_code == 409
    assert "1 warning(s) need a justification" in refused.json()["detail"]
    bad = approver.post(url + "justify/", {"justifications": {"999999": "x"}}, format="json")
    assert bad.status_code == 400
    assert "999999" in bad.json()["justifications"][0]
    empty = approver.post(
        url + "justify/", {"justifications": {str(warning.pk): ""}}, format="json"
    )
    assert empty.status_code == 400
    done = approver.post(
        url + "justify/", {"justifications": {str(warning.pk): "Not collected"}}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["findings"][0]["justification"] == "Not collected"
    undeclared = approver.post(url + "sign-off/")
    assert undeclared.status_code == 400
    assert undeclared.json() == {
        "detail": "Confirm the declaration to sign off the return.",
        "declaration": ["Confirm the declaration to sign off the return."],
    }
    signed = approver.post(url + "sign-off/", {"declaration": True}, format="json")
    assert signed.status_code == 200
    assert signed.json()["state"] == "signed_off"
    assert signed.json()["current_version"]["signed_off_by"] == "approver.a1@nhs.test"


def test_sign_off_by_the_uploader_or_a_role_without_it(world: World) -> None:
    record = world.upload()
    url = f"/api/v1/returns/{record.pk}/sign-off/"
    response = api(world.cast.submitter).post(url)
    assert response.status_code == 403
    assert response.json()["detail"] == "You can see Trust A1 but may not sign off its returns."
    # may sign off, and is not the uploader: allowed
    response = api(world.cast.national).post(url, {"declaration": True}, format="json")
    assert response.status_code == 200


def test_accept_freezes_and_accepting_again_is_409(world: World) -> None:
    record = world.signed_off()
    url = f"/api/v1/returns/{record.pk}/accept/"
    for who in ("submitter", "approver", "ics_lead"):
        response = api(getattr(world.cast, who)).post(url)
        assert response.status_code == 403, who
        assert "may not review its returns" in response.json()["detail"]
    response = api(world.cast.analyst_a).post(url)
    assert response.status_code == 200
    assert response.json()["state"] == "accepted"
    assert response.json()["current_version"]["accepted"] is True
    again = api(world.cast.analyst_a).post(url)
    assert again.status_code == 409
    assert "Only a signed-off return" in again.json()["detail"]
    assert ReturnVersion.objects.get().accepted


def test_send_back_needs_a_reason(world: World) -> None:
    record = world.signed_off()
    url = f"/api/v1/returns/{record.pk}/send-back/"
    lead = api(world.cast.lead_a)
    missing = lead.post(url, {}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()
    blank = lead.post(url, {"reason": "   "}, format="json")
    assert blank.status_code == 400
    done = lead.post(url, {"reason": "S004 doubled"}, format="json")
    assert done.status_code == 200
    assert done.json()["state"] == "returned"
    assert done.json()["current_version"]["review_reason"] == "S004 doubled"


def test_reopen(world: World) -> None:
    record = world.signed_off()
    window(world.period, opens=-60, due=-40, closes=-1)
    url = f"/api/v1/returns/{record.pk}/reopen/"
    until = (timezone.now() + timedelta(days=3)).isoformat()
    refused = api(world.cast.analyst_a).post(
        url, {"reason": "x", "expires_at": until}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "You can see Trust A1 but may not reopen its returns."
    lead = api(world.cast.lead_a)
    assert lead.post(url, {"expires_at": until}, format="json").status_code == 400
    past = (timezone.now() - timedelta(days=1)).isoformat()
    expired = lead.post(url, {"reason": "x", "expires_at": past}, format="json")
    assert expired.status_code == 400
    assert "expire in the future" in expired.json()["detail"]
    done = lead.post(url, {"reason": "Outage", "expires_at": until}, format="json")
    assert done.status_code == 200
    assert done.json()["window"]["state"] == "reopened"
    assert Reopening.objects.get().reason == "Outage"


def test_history(world: World) -> None:
    record = world.signed_off()
    response = api(world.cast.ics_lead).get(f"/api/v1/returns/{record.pk}/history/")
    assert response.status_code == 200
    events = response.json()
    assert [e["action"] for e in events] == ["uploaded", "signed_off"]
    assert events[0]["description"].startswith("Uploaded version 1 (return.csv): ")
    assert events[0]["actor"] == "submitter.a1@nhs.test"
    assert events[1]["version"] == 1


# --- template and completeness -----------------------------------------------------------------


def test_template_csv_and_xlsx(world: World) -> None:
    client = api(world.cast.submitter)
    query = {"organisation": "RA1", "period": "2021-22 Q3"}
    csv = client.get("/api/v1/returns/template/", {**query, "format": "csv"})
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().startswith("organisation_code,metric_code,period_end")
    assert "RA1-2021-22-q3-return.csv" in csv["Content-Disposition"]
    xlsx = client.get("/api/v1/returns/template/", {**query, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    assert client.get("/api/v1/returns/template/", query).status_code == 200  # csv by default
    outside = client.get(
        "/api/v1/returns/template/", {"organisation": "RB1", "period": "2021-22 Q3"}
    )
    assert outside.status_code == 404


def test_completeness(world: World) -> None:
    world.signed_off()
    response = api(world.cast.lead_a).get("/api/v1/returns/completeness/", {"period": "2021-22 Q3"})
    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["expected"] == 6
    assert body["totals"]["signed_off"] == 1
    assert body["by_region"][0]["region"] == "Y91"
    assert {c["ods_code"] for c in body["chase"]} == {"QA1", "QA2", "RA2", "RA3", "0A1"}
    assert all(c["state"] is None for c in body["chase"])
    for who in ("submitter", "ics_lead", "outsider"):
        denied = api(getattr(world.cast, who)).get(
            "/api/v1/returns/completeness/", {"period": "2021-22 Q3"}
        )
        assert denied.status_code == 404, who
    bad = api(world.cast.lead_a).get("/api/v1/returns/completeness/", {"period": "soon"})
    assert bad.status_code == 400


# --- scope -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "lead_b", "observer"])
def test_every_endpoint_of_a_return_outside_scope_is_404(world: World, who: str) -> None:
    record = world.signed_off()
    client = api(getattr(world.cast, who))
    base = f"/api/v1/returns/{record.pk}/"
    until = (timezone.now() + timedelta(days=1)).isoformat()
    calls = [
        ("get", base, None),
        ("get", base + "history/", None),
        ("post", base + "justify/", {"justifications": {"1": "x"}}),
        ("post", base + "sign-off/", None),
        ("post", base + "accept/", None),
        ("post", base + "send-back/", {"reason": "x"}),
        ("post", base + "reopen/", {"reason": "x", "expires_at": until}),
    ]
    for method, url, data in calls:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 404, (method, url)
    assert post_file(getattr(world.cast, who), world.file()).status_code == 404
    template = client.get(
        "/api/v1/returns/template/", {"organisation": "RA1", "period": "2021-22 Q3"}
    )
    assert template.status_code == 404
    assert Return.objects.get().state == ReturnState.SIGNED_OFF
    assert not Reopening.objects.exists()


def test_anonymous_callers_are_refused(world: World) -> None:
    assert APIClient().get("/api/v1/returns/").status_code in (401, 403)
