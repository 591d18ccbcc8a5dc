"""The cases API: scoped as the pages (404 outside), internal notes never reach the body, each
object lists the caller's actions, hostile files refused, constant queries on the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from rsp.documents import MAX_DOCUMENT_BYTES
from rsp.models import Case, CaseDocument
from rsp.notes import note_add
from rsp.plan import ActionInput, action_add, workstream_add
from tests.conftest import Cast, Registry
from tests.rsp.conftest import api_for, open_case

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _allowed(payload: dict) -> dict[str, bool]:
    return {a["action"]: a["allowed"] for a in payload["actions"]}


def test_a_sid_cannot_see_another_sids_case(rsp_case: Case, registry: Registry, cast: Cast, sid_b):
    other = open_case(registry.trust_b1, lead=sid_b)
    mine = api_for(cast.sid)
    listed = mine.get("/api/v1/cases/").json()
    assert [row["id"] for row in listed["results"]] == [rsp_case.pk]
    assert mine.get(f"/api/v1/cases/{other.pk}/").status_code == 404
    assert mine.get("/api/v1/cases/999999/").status_code == 404
    answer = mine.post(f"/api/v1/cases/{other.pk}/notes/", {"text": "x"}, format="json")
    assert answer.status_code == 404
    for user in (cast.outsider, cast.lead_b, cast.submitter):
        assert api_for(user).get(f"/api/v1/cases/{rsp_case.pk}/").status_code == 404
    assert api_for(cast.outsider).get("/api/v1/cases/").json()["results"] == []


def test_the_body_never_sees_internal_notes(registry: Registry, cast: Cast):
    case = open_case(registry.trust_a1, segment=3, lead=cast.lead_a)
    note_add(case=case, text="Board relations strained", internal=True, user=cast.lead_a)
    note_add(case=case, text="Plan agreed with the board", internal=False, user=cast.lead_a)
    lead = api_for(cast.lead_a).get(f"/api/v1/cases/{case.pk}/").json()
    body = api_for(cast.submitter).get(f"/api/v1/cases/{case.pk}/").json()
    assert {n["text"] for n in lead["notes"]} == {
        "Board relations strained",
        "Plan agreed with the board",
    }
    assert [n["text"] for n in body["notes"]] == ["Plan agreed with the board"]
    assert "Internal note added." in {e["what"] for e in lead["events"]}
    assert "Internal note added." not in {e["what"] for e in body["events"]}
    assert body["actions"] == []  # the body reads; it does not run the case
    refused = api_for(cast.submitter).post(
        f"/api/v1/cases/{case.pk}/notes/", {"text": "ours"}, format="json"
    )
    assert refused.status_code == 403


def test_each_object_lists_the_callers_actions(rsp_case: Case, cast: Cast):
    sid = api_for(cast.sid)
    answer = sid.post(
        f"/api/v1/cases/{rsp_case.pk}/workstreams/", {"title": "Finance"}, format="json"
    )
    assert answer.status_code == 201
    workstream = answer.json()["workstreams"][0]["id"]
    due = (timezone.localdate() + timedelta(days=20)).isoformat()
    added = sid.post(
        f"/api/v1/case-workstreams/{workstream}/actions/",
        {"title": "Agree the plan", "owner": cast.sid.email, "due_on": due},
        format="json",
    )
    assert added.status_code == 201, added.json()
    action = added.json()
    assert action["rag"]["label"] == "Green – on track"
    assert _allowed(action) == {
        "update": True,
        "add_evidence": True,
        "propose_closure": True,
        "close": False,
        "reject_closure": False,
        "replan": True,
        "set_rag": True,
    }
    url = f"/api/v1/case-actions/{action['id']}/"
    assert (
        sid.post(url + "progress/", {"progress": 40, "note": "Drafted"}, format="json").json()[
            "progress"
        ]
        == 40
    )
    proposed = sid.post(url + "propose-closure/", {"note": "Plan agreed"}, format="json").json()
    assert proposed["status"] == "closure_proposed"
    reason = {a["action"]: a["reason"] for a in proposed["actions"]}
    assert reason["close"] == "You own this action: someone else closes it."
    assert sid.post(url + "close/", {"note": "x"}, format="json").status_code == 409
    lead = api_for(cast.lead_a)
    assert _allowed(lead.get(url).json())["close"] is True
    closed = lead.post(url + "close/", {"note": "Seen"}, format="json").json()
    assert (closed["status"], closed["closed_by"], closed["rag"]["rag"]) == (
        "closed",
        cast.lead_a.get_full_name(),
        "complete",
    )
    case = sid.get(f"/api/v1/cases/{rsp_case.pk}/").json()
    assert _allowed(case)["exit"] is False
    exit_reason = {a["action"]: a["reason"] for a in case["actions"]}["exit"]
    assert exit_reason == "Only the region's leads (or a national admin) do this."
    assert api_for(cast.outsider).get(url).status_code == 404


def test_hostile_and_oversize_files_are_refused(rsp_case: Case, cast: Cast):
    sid = api_for(cast.sid)
    url = f"/api/v1/cases/{rsp_case.pk}/documents/"
    hostile = SimpleUploadedFile(
        "evil.pdf", PDF + b"/JavaScript (x)", content_type="application/pdf"
    )
    answer = sid.post(url, {"file": hostile}, format="multipart")
    assert answer.status_code == 400
    assert "scripts" in answer.json()["file"][0]
    big = SimpleUploadedFile(
        "big.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, content_type="application/pdf"
    )
    answer = sid.post(url, {"file": big}, format="multipart")
    assert answer.status_code == 400
    assert "largest document accepted is 10 MiB" in answer.json()["file"][0]
    assert not CaseDocument.objects.exists()
    good = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")
    answer = sid.post(
        url, {"file": good, "kind": "evidence", "title": "Report"}, format="multipart"
    )
    assert answer.status_code == 201
    assert [d["file_name"] for d in answer.json()["documents"]] == ["report.pdf"]


def test_the_case_list_makes_the_same_queries_for_more_cases(registry: Registry, cast: Cast):
    def count() -> tuple[int, int]:
        client = api_for(User.objects.get(pk=cast.national.pk))  # no permission cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/cases/")
        assert response.status_code == 200
        return len(response.json()["results"]), len(queries)

    open_case(registry.trust_a1, segment=3, lead=cast.lead_a)
    small = count()
    open_case(registry.trust_a3, lead=cast.sid)
    open_case(registry.trust_b1, segment=3, lead=cast.lead_b)
    large = count()
    assert (small[0], large[0]) == (1, 3)
    assert small[1] == large[1]


def test_the_case_file_makes_the_same_queries_for_a_bigger_plan(rsp_case: Case, cast: Cast):
    workstream = workstream_add(case=rsp_case, title="W", lead_name="", user=cast.sid)

    def add() -> None:
        action_add(
            workstream=workstream,
            given=ActionInput("A", owner=cast.sid, due_on=timezone.localdate()),
            user=cast.sid,
        )

    def count() -> int:
        client = api_for(User.objects.get(pk=cast.sid.pk))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/cases/{rsp_case.pk}/").status_code == 200
        return len(queries)

    add()
    small = count()
    add()
    add()
    assert count() == small


def test_the_schema_describes_the_cases_api(cast: Cast):
    from django.test import Client

    client = Client()
    client.force_login(cast.outsider)  # the schema is for signed-in users, whatever their role
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/cases/{id}/exit/" in paths
    assert "/api/v1/case-actions/{id}/propose-closure/" in paths
