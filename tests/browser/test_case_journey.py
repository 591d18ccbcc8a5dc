"""A support case in Chromium, from a plan in progress to exit: the SID updates an action with
evidence and proposes its closure; the regional lead closes it; the region accepts a new return,
the worker's run publishes and the measured exit criterion turns met; the region records the
exit and the body leaves the programme. Screenshots in test-artifacts/rsp-*.png."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from oversight.celery import app
from rsp.criteria import CriterionInput, criterion_add
from rsp.models import Case, CaseState, ExitCriterion
from rsp.plan import ActionInput, action_add, workstream_add
from rsp.programmes import programmes_ensure
from segmentation.models import SupportEntry
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.conftest import PASSWORD, Cast, Registry
from tests.metrics.results_data import Picture, build_picture
from tests.rsp.conftest import EDITION, open_case
from tests.rsp.data import accept_quarter

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def wait_until_met(criterion: ExitCriterion, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        criterion.refresh_from_db()
        if criterion.status == "met":
            return
        time.sleep(0.5)
    pytest.fail("The exit criterion was not met after the run published")


def test_a_sid_runs_a_case_to_exit(
    page: Page,
    live_server,
    registry: Registry,
    cast: Cast,
    celery_worker: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    base = live_server.url
    programmes_ensure()
    picture: Picture = build_picture(registry, cast.national, edition_code=EDITION)
    case: Case = open_case(registry.trust_a3, lead=cast.sid)
    criterion = criterion_add(
        case=case,
        given=CriterionInput(
            "A&E 4-hour performance at least 95%", picture.metrics["M01"], "gte", 95.0
        ),
        user=cast.sid,
        at_entry=True,
    )
    workstream = workstream_add(case=case, title="Urgent care flow", lead_name="COO", user=cast.sid)
    today = timezone.localdate()
    action = action_add(
        workstream=workstream,
        given=ActionInput(
            "Open the same-day emergency care unit at weekends",
            owner=cast.sid,
            due_on=today + timedelta(days=4),
            starts_on=today - timedelta(days=60),
        ),
        user=cast.sid,
    )
    # Q4: every body's return accepted but Trust A3's, signed off and waiting for the region.
    accept_quarter(picture, cast.national, {"RA3": 96.0}, signed_off=("RA3",))

    # The SID finds their case from the navigation and sees what is due.
    login(page, live_server, cast.sid.email, PASSWORD)
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.locator("#cases")).to_contain_text("Trust A3")
    screenshot(page, "rsp-case-list")
    page.get_by_role("link", name="Trust A3").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trust A3")
    expect(page.locator("#attention")).to_contain_text("Open the same-day emergency care unit")
    expect(page.locator("#case-parts")).to_contain_text("0 of 1 met")
    screenshot(page, "rsp-case-file")
    assert_accessible(page)

    # The SID updates the action: a missing note is refused in the error summary first.
    page.locator("#attention").get_by_role(
        "link", name="Open the same-day emergency care unit at weekends"
    ).click()
    expect(page.locator("#action-rag")).to_contain_text("Red – off track")
    page.get_by_role("link", name="Update progress").click()
    page.get_by_label("Progress (per cent done)").fill("80")
    page.get_by_role("button", name="Save progress").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Describe the progress made.")
    screenshot(page, "rsp-action-error-summary")
    page.get_by_label("What was done").fill("Weekend rota agreed; unit opens on Saturday.")
    page.get_by_role("button", name="Save progress").click()
    expect(page.get_by_role("alert")).to_contain_text("Progress saved.")
    expect(page.locator("#action-status")).to_contain_text("80% done")

    # Evidence: a hostile file is refused, a PDF is kept.
    hostile = tmp_path / "rota.pdf"
    hostile.write_bytes(b"<script>alert(1)</script>")
    page.get_by_label("Evidence file").set_input_files(str(hostile))
    page.get_by_role("button", name="Upload evidence").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("its contents are not a PDF")
    good = tmp_path / "weekend-rota.pdf"
    good.write_bytes(PDF)
    page.get_by_label("Evidence file").set_input_files(str(good))
    page.get_by_label("Title").fill("Weekend rota")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text("Evidence added.")
    page.goto(f"{base}/cases/{case.pk}/actions/{action.pk}/")
    expect(page.locator("#documents")).to_contain_text("Weekend rota")
    page.get_by_role("link", name="Propose closure").click()
    page.get_by_label("Note").fill("Unit open seven days a week; rota attached.")
    page.get_by_role("button", name="Propose closure").click()
    expect(page.get_by_role("alert")).to_contain_text("Closure proposed")
    expect(page.locator("#action-steps")).to_contain_text(
        "You own this action: someone else closes it."
    )
    screenshot(page, "rsp-action-closure-proposed")
    assert_accessible(page)
    log_out(page)

    # The regional lead closes it.
    login(page, live_server, cast.lead_a.email, PASSWORD)
    page.goto(f"{base}/cases/{case.pk}/actions/{action.pk}/")
    page.get_by_role("link", name="Close", exact=True).click()
    page.get_by_label("Note").fill("Seen the rota and the activity.")
    page.get_by_role("button", name="Close the action").click()
    expect(page.get_by_role("alert")).to_contain_text("Action closed.")
    expect(page.locator("#action-rag")).to_contain_text("Complete")
    screenshot(page, "rsp-action-closed")

    # The region accepts Trust A3's new return; the worker's run publishes; the criterion is met.
    page.goto(f"{base}/returns/RA3/2021-22-q4/")
    page.get_by_role("button", name="Accept version 1").click()
    expect(page.get_by_role("alert")).to_contain_text("Return accepted.")
    wait_until_met(criterion)
    page.goto(f"{base}/cases/{case.pk}/criteria/")
    expect(page.locator("#criteria")).to_contain_text("Met")
    expect(page.locator("#criteria")).to_contain_text("2021-22 Q4")
    screenshot(page, "rsp-criterion-met")
    assert_accessible(page)

    # Exit, recorded by the region; the case file says so, and so does the print.
    page.goto(f"{base}/cases/{case.pk}/")
    expect(page.locator("#case-parts")).to_contain_text("Ready to decide")
    page.get_by_role("link", name="Exit", exact=True).click()
    page.get_by_label("Exit date").fill(today.isoformat())
    page.get_by_label("New segment").select_option("3")
    page.get_by_label("Exit decision").fill(
        "All exit criteria met; the board's plan is sustainable."
    )
    screenshot(page, "rsp-exit-form")
    page.get_by_role("button", name="Record the exit").click()
    expect(page.get_by_role("alert")).to_contain_text("exited the Recovery Support Programme")
    expect(page.locator("#case-summary")).to_contain_text("Exited")
    screenshot(page, "rsp-case-exited")
    page.goto(f"{base}/cases/{case.pk}/print/")
    expect(page.locator("#print-criteria")).to_contain_text("1 of 1 exit criteria met")
    screenshot(page, "rsp-case-print")
    page.emulate_media(media="print")
    screenshot(page, "rsp-case-print-media")
    page.pdf(path=str(Path(__file__).resolve().parents[2] / "test-artifacts" / "rsp-case-file.pdf"))

    case.refresh_from_db()
    assert case.state == CaseState.EXITED
    entry = SupportEntry.objects.get(reference=case.reference)
    assert entry.exited_on == today
