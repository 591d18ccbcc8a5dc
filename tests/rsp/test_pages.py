"""The case pages: scoped as the API (404 outside), the task list of parts, forms through the
operations with the error summary, downloads only for those who may see them, the print."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from rsp.documents import Upload, document_add
from rsp.models import Action, Case
from rsp.notes import note_add
from rsp.plan import ActionInput, action_add, workstream_add
from tests.conftest import Cast, Registry
from tests.rsp.conftest import open_case

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def action(rsp_case: Case, cast: Cast) -> Action:
    workstream = workstream_add(case=rsp_case, title="Quality", lead_name="", user=cast.sid)
    return action_add(
        workstream=workstream,
        given=ActionInput(
            "Fix the rota",
            owner=cast.sid,
            due_on=timezone.localdate() - timedelta(days=1),
            starts_on=timezone.localdate() - timedelta(days=20),
        ),
        user=cast.sid,
    )


def test_a_sid_sees_their_case_and_never_another_sids(
    rsp_case: Case, registry: Registry, cast: Cast, sid_b
):
    other = open_case(registry.trust_b1, lead=sid_b)
    page = browser(cast.sid).get("/cases/")
    assert page.status_code == 200
    assert b"Trust A3" in page.content
    assert b"Trust B1" not in page.content
    for url in (
        f"/cases/{other.pk}/",
        f"/cases/{other.pk}/print/",
        f"/cases/{other.pk}/plan/",
        f"/cases/{other.pk}/exit/",
    ):
        assert browser(cast.sid).get(url).status_code == 404
    for user in (cast.outsider, cast.lead_b, cast.submitter):
        assert browser(user).get(f"/cases/{rsp_case.pk}/").status_code == 404
    assert Client().get(f"/cases/{rsp_case.pk}/").status_code == 302  # to the login page


def test_the_case_file_shows_its_parts_as_a_task_list_and_what_is_overdue(
    action: Action, rsp_case: Case, cast: Cast
):
    page = browser(cast.sid).get(f"/cases/{rsp_case.pk}/").content.decode()
    assert 'class="nhsuk-task-list"' in page
    for part in (
        "Diagnostic stocktake",
        "Exit criteria",
        "Improvement plan and milestones",
        "Reviews",
        "Documents and notes",
        "Exit",
    ):
        assert part in page
    assert "1 action overdue" in page
    assert "Red – off track" in page
    assert "Overdue by 1 day." in page  # words, not colour alone
    assert "Action added to Quality: Fix the rota" in page  # the timeline


def test_the_body_never_sees_internal_notes_or_documents(registry: Registry, cast: Cast):
    case = open_case(registry.trust_a1, segment=3, lead=cast.lead_a)
    note_add(case=case, text="Board relations strained", internal=True, user=cast.lead_a)
    secret = document_add(
        case=case, upload=Upload("secret.pdf", PDF, internal=True), user=cast.lead_a
    )
    shared = document_add(case=case, upload=Upload("plan.pdf", PDF), user=cast.lead_a)
    body = browser(cast.submitter)
    for part in ("", "documents/", "timeline/", "print/"):
        html = body.get(f"/cases/{case.pk}/{part}").content.decode()
        assert "Board relations strained" not in html
        assert "secret.pdf" not in html
        assert "Internal note added." not in html
    assert (
        "Board relations strained"
        in browser(cast.lead_a).get(f"/cases/{case.pk}/documents/").content.decode()
    )
    assert body.get(f"/cases/{case.pk}/documents/{secret.pk}/").status_code == 404
    download = body.get(f"/cases/{case.pk}/documents/{shared.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.content == PDF
    assert browser(cast.outsider).get(f"/cases/{case.pk}/documents/{shared.pk}/").status_code == 404


def test_a_form_shows_the_operations_refusal_and_writes_nothing(
    action: Action, rsp_case: Case, cast: Cast
):
    url = f"/cases/{rsp_case.pk}/actions/{action.pk}/progress/"
    page = browser(cast.sid).post(url, {"progress": "50", "note": ""})
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html
    assert "Describe the progress made." in html
    assert html.count("<title>Error: ") == 1
    action.refresh_from_db()
    assert action.progress == 0
    done = browser(cast.sid).post(url, {"progress": "50", "note": "Rota drafted"})
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.progress == 50
    # The owner cannot close their own action; the page says why instead of offering it.
    html = browser(cast.sid).get(f"/cases/{rsp_case.pk}/actions/{action.pk}/").content.decode()
    assert 'Close: <span class="nhsuk-body-s">Its owner has not proposed closure.' not in html
    assert "You own this action: someone else closes it." in html


def test_a_hostile_evidence_file_is_refused_on_the_page(action: Action, rsp_case: Case, cast: Cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = browser(cast.sid).post(
        f"/cases/{rsp_case.pk}/actions/{action.pk}/",
        {"file": SimpleUploadedFile("x.pdf", b"<script>alert(1)</script>"), "title": ""},
    )
    assert page.status_code == 200
    assert "its contents are not a PDF" in page.content.decode()
    assert not action.documents.exists()


def test_the_print_has_what_a_board_needs(action: Action, rsp_case: Case, cast: Cast):
    html = browser(cast.sid).get(f"/cases/{rsp_case.pk}/print/").content.decode()
    for section in (
        "print-summary",
        "print-attention",
        "print-criteria",
        "print-plan",
        "print-reviews",
        "print-stocktake",
        "print-documents",
        "print-timeline",
    ):
        assert f'id="{section}"' in html
    assert "/static/rsp/print." in html
    assert "Exit readiness:" in html
    assert "0 of 0 exit criteria met" in html
    assert "Internal-only notes are not included" in html


def test_the_case_list_makes_the_same_queries_for_more_cases(registry: Registry, cast: Cast):
    def count() -> tuple[int, int]:
        client = browser(User.objects.get(pk=cast.national.pk))
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/cases/")
        assert page.status_code == 200
        return page.content.count(b'href="/cases/'), len(queries)

    open_case(registry.trust_a1, segment=3, lead=cast.lead_a)
    small = count()
    open_case(registry.trust_a3, lead=cast.sid)
    open_case(registry.trust_b1, segment=3, lead=cast.lead_b)
    large = count()
    assert large[0] == small[0] + 2
    assert small[1] == large[1]


def test_the_home_page_and_navigation_lead_a_sid_to_their_case(
    rsp_case: Case, action: Action, cast: Cast
):
    html = browser(cast.sid).get("/").content.decode()
    assert "Support cases" in html
    assert "Cases you lead" in html
    assert 'href="/cases/"' in html
    assert "1 overdue" in html


def test_each_part_page_opens_for_the_sid(action: Action, rsp_case: Case, cast: Cast):
    client = browser(cast.sid)
    for part in ("stocktake", "criteria", "plan", "reviews", "documents", "timeline"):
        assert client.get(f"/cases/{rsp_case.pk}/{part}/").status_code == 200, part
    for form in (
        "stocktake/edit/",
        "criteria/new/",
        "workstreams/new/",
        "milestones/new/",
        "reviews/new/",
        "notes/new/",
        "documents/new/",
        f"workstreams/{action.workstream_id}/actions/new/",
        "details/",
    ):
        page = client.get(f"/cases/{rsp_case.pk}/{form}")
        assert page.status_code == 200, form
    for step in ("progress", "propose", "rag", "replan"):
        page = client.get(f"/cases/{rsp_case.pk}/actions/{action.pk}/{step}/")
        assert page.status_code == 200, step
    assert client.get(f"/cases/{rsp_case.pk}/actions/{action.pk}/nonsense/").status_code == 404
    assert client.get(f"/cases/{rsp_case.pk}/nonsense/").status_code == 404
    assert client.get(f"/cases/{rsp_case.pk}/appoint/").status_code == 403  # the region appoints


def test_a_national_admin_opens_a_case_for_a_whole_system_on_its_page(
    registry: Registry, cast: Cast
):
    from rsp.models import Programme

    assert browser(cast.lead_a).get("/cases/system/new/").status_code == 404
    client = browser(cast.national)
    assert "Open a case for a whole system" in client.get("/cases/").content.decode()
    programme = Programme.objects.get(edition_code="sof-2021-22", segment=4)
    form = {"system": "QA1", "programme": str(programme.pk), "entered_on": "2026-12-01"}
    refused = client.post("/cases/system/new/", {**form, "reason": ""})
    assert "Give the reason for the decision." in refused.content.decode()
    assert not Case.objects.exists()
    opened = client.post("/cases/system/new/", {**form, "reason": "System-wide recovery"})
    case = Case.objects.get()
    assert opened["Location"] == case.get_absolute_url()
    assert (case.system, case.route) == (registry.system_a1, "national")
