"""A quarterly return in Chromium: the trust submitter uploads a file with two errors, sees them,
fixes the file and submits; the approver justifies the warning and signs off; the regional
analyst accepts; the return shows Accepted.

Then a return a reviewer can trust: a correction to an accepted return, the changes since the
accepted version seen by the approver, check your answers and the declaration, a re-upload that
warns it cancels the sign-off, acceptance naming its run, and the run's summary of changes."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.scope import role_grant
from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.calculation import CalculationRun, CurrentRun
from metrics.models.returns import Return, ReturnState, ReturnVersion
from metrics.returns.bulk import returns_bulk_upload
from metrics.returns.review import return_accept, return_reopen, return_sign_off
from oversight.celery import app
from oversight.models import Organisation
from tests.browser.conftest import ARTIFACTS, assert_accessible, login, screenshot
from tests.conftest import PASSWORD, Cast, Registry
from tests.factories import OrganisationFactory, UserFactory
from tests.metrics.factories import HEADER, csv_file, full_rows, quarter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def viewport_shot(page: Page, name: str, anchor: str | None = None) -> None:
    """The visible part only: the full pages here are as tall as the values table."""
    if anchor:
        page.locator(anchor).scroll_into_view_if_needed()
    else:
        page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def upload(page: Page, path: Path) -> None:
    page.locator("#id_file").set_input_files(str(path))
    page.get_by_role("button", name="Check file").click()


def test_trust_submits_approver_signs_off_region_accepts(
    page: Page, live_server, registry: Registry, cast: Cast, tmp_path: Path
) -> None:
    load_builtin_catalogues()
    period = quarter()
    rows = full_rows(registry.trust_a1, period, edition_for(period))
    base = live_server.url
    return_url = f"{base}/returns/RA1/{period.slug}/"

    # Two errors: a value that is not a number, and a metric code the catalogue lacks. One
    # expected value is also left out, which the approver will have to justify.
    code, end, value = rows.pop()
    broken = tmp_path / "q3-return.csv"
    broken.write_bytes(
        csv_file("RA1", rows[1:], [f"RA1,{code},{end},about forty,,,", "RA1,S999,2021-12-31,12,,,"])
    )
    last = len(rows)  # header is line 1, so the first data row is line 2

    login(page, live_server, cast.submitter.email, PASSWORD)
    page.goto(f"{base}/returns/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quarterly returns")
    table = page.locator("#returns")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Not submitted")
    screenshot(page, "returns-list-submitter")
    assert_accessible(page)
    table.get_by_role("link", name=registry.trust_a1.name, exact=True).click()
    expect(page).to_have_url(return_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{period.label} return")
    screenshot(page, "return-before-upload")
    assert_accessible(page)

    upload(page, broken)
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There are problems to fix in q3-return.csv")
    expect(summary.get_by_role("listitem")).to_have_count(2)
    expect(summary).to_contain_text(f"Row {last + 1}, column value")
    expect(summary).to_contain_text(f"Row {last + 2}, column metric_code")
    expect(summary).to_contain_text("S999")
    expect(page.get_by_role("button", name="Submit this version")).to_have_count(0)
    screenshot(page, "return-preview-two-errors")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"#finding-b1$"))

    fixed = tmp_path / "q3-return-fixed.csv"
    fixed.write_bytes(csv_file("RA1", [*rows[1:], (code, end, value)]))
    page.get_by_role("link", name="Upload a corrected file").click()
    upload(page, fixed)
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check q3-return-fixed.csv")
    expect(page.locator("#changes-summary")).to_contain_text(f"New values{len(rows)}")
    expect(page.locator("#warnings")).to_be_visible()
    screenshot(page, "return-preview-clean")
    assert_accessible(page)
    page.get_by_role("button", name="Submit this version").click()
    expect(page).to_have_url(return_url)
    expect(page.get_by_role("alert")).to_contain_text("Version 1 submitted.")
    summary_list = page.locator("#summary")
    expect(summary_list).to_contain_text("Submitted")
    expect(summary_list).to_contain_text("Version 1 (q3-return-fixed.csv")
    expect(page.locator("#versions + div table")).to_contain_text("q3-return-fixed.csv")
    screenshot(page, "return-submitted")
    viewport_shot(page, "return-submitted-top")
    viewport_shot(page, "return-submitted-versions", "#versions")
    assert_accessible(page)
    log_out(page)

    login(page, live_server, cast.approver.email, PASSWORD)
    page.goto(return_url)
    expect(page.locator("#next-actions")).to_contain_text("Justify every warning first.")
    justify = page.locator("#justify")
    justify.get_by_role("textbox").fill("S001 was not inspected this quarter.")
    justify.get_by_role("button", name="Save justifications").click()
    expect(page.get_by_role("alert")).to_contain_text("1 warning(s) justified.")
    page.get_by_role("link", name="Check and sign off version 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before signing off"
    )
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Sign off version 1").click()
    expect(page.get_by_role("alert")).to_contain_text("Return signed off")
    expect(page.locator("#summary")).to_contain_text("Signed off")
    screenshot(page, "return-signed-off")
    viewport_shot(page, "return-signed-off-top")
    assert_accessible(page)
    log_out(page)

    login(page, live_server, cast.analyst_a.email, PASSWORD)
    page.goto(f"{base}/returns/completeness/{period.slug}/")
    expect(page.locator("#totals")).to_contain_text("Signed off1")
    screenshot(page, "returns-completeness")
    assert_accessible(page)
    page.goto(return_url)
    page.get_by_role("button", name="Accept version 1").click()
    expect(page.get_by_role("alert")).to_contain_text("Return accepted.")
    expect(page.locator("#summary .nhsuk-tag")).to_have_text("Accepted")
    expect(page.locator("#window")).to_contain_text("accepted and is locked")
    screenshot(page, "return-accepted")
    viewport_shot(page, "return-accepted-top")
    assert_accessible(page)

    page.get_by_role("link", name="History of this return").click()
    history = page.locator("#history")
    expect(history).to_contain_text("Uploaded version 1 (q3-return-fixed.csv)")
    expect(history).to_contain_text("Signed off version 1")
    expect(history).to_contain_text("Accepted version 1")
    screenshot(page, "return-history")
    assert_accessible(page)

    record = Return.objects.get(organisation=registry.trust_a1, period=period)
    assert record.state == ReturnState.ACCEPTED
    assert record.accepted_version is not None
    assert record.accepted_version.number == 1


# --- Returns a reviewer can trust (issue 10, item 2) ------------------------------------------

COMMENT = "Validated with the service: the new patient system counts differently."
SHIFT = 0.05  # between the trusts' values, so each metric has four distinct values
A1_SHIFT = 3 * SHIFT  # Trust A1 comes last


def wait_for_published_run(period, seconds: float = 90) -> CalculationRun:
    """The quarter's runs all done (the worker's), the last one published."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs = CalculationRun.objects.filter(period=period)
        if runs.exists() and not runs.filter(status__in=("pending", "running")).exists():
            current = CurrentRun.objects.filter(period=period).select_related("run").first()
            if current is not None:
                return current.run
        time.sleep(0.5)
    pytest.fail("The quarter's calculation runs did not finish")


def accepted_quarter(registry: Registry, cast: Cast, period, edition) -> None:
    """Version 1 of four acute trusts' returns, accepted (and calculated by the worker); then
    Trust A1's return reopened for a correction."""
    OrganisationFactory(ods_code="RA4", name="Trust A4", system=registry.system_a2)
    extra = Organisation.objects.get(ods_code="RA4")
    # Trust A1 last: the largest values, top of its peers until its correction.
    bodies = [registry.trust_a3, registry.trust_b1, extra, registry.trust_a1]
    lines = [HEADER]
    for shift, body in enumerate(bodies):
        rows = full_rows(body, period, edition, shift=shift * SHIFT)
        lines += [
            f"{body.ods_code},{code},{end.isoformat()},{value:g},,," for code, end, value in rows
        ]
    returns_bulk_upload(
        period=period,
        edition=edition,
        file_name="national.csv",
        content=("\n".join(lines) + "\n").encode(),
        user=cast.national,
    )
    reviewer = UserFactory(email="second.national@nhs.test")
    role_grant(user=reviewer, role=Role.NATIONAL_ADMIN, node=None)
    for record in Return.objects.filter(period=period):
        return_sign_off(return_record=record, user=reviewer, declaration=True)
        return_accept(return_record=record, user=reviewer)
    return_reopen(
        organisation=registry.trust_a1,
        period=period,
        edition=edition,
        user=cast.lead_a,
        reason="S005 to correct after the patient system change.",
        expires_at=timezone.now() + timedelta(days=7),
    )


def test_reviewers_see_changes_sign_off_checks_answers_and_accepting_links_to_the_run(
    page: Page,
    live_server,
    registry: Registry,
    cast: Cast,
    celery_worker: str,
    console_errors: list,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    load_builtin_catalogues()
    period = quarter()
    edition = edition_for(period)
    accepted_quarter(registry, cast, period, edition)
    first_run = wait_for_published_run(period)
    base = live_server.url
    return_url = f"{base}/returns/RA1/{period.slug}/"

    # The submitter corrects S005 (with a comment) and leaves out one value: a warning.
    rows = full_rows(registry.trust_a1, period, edition, shift=A1_SHIFT)
    s005 = [(code, end, value) for code, end, value in rows if code == "S005"]
    others = [row for row in rows if row[0] != "S005"]
    corrected = [f"RA1,S005,{end.isoformat()},40,,,{COMMENT}" for _, end, _ in s005]
    second = tmp_path / "q3-corrected.csv"
    second.write_bytes(csv_file("RA1", others[1:], corrected))
    login(page, live_server, cast.submitter.email, PASSWORD)
    page.goto(return_url)
    upload(page, second)
    expect(page.locator("#changes-summary")).to_contain_text(f"Changed values{len(s005)}")
    page.get_by_role("button", name="Submit this version").click()
    expect(page.get_by_role("alert")).to_contain_text("Version 2 submitted.")
    log_out(page)

    # The approver sees what changed since the accepted version 1, with the body's comment.
    login(page, live_server, cast.approver.email, PASSWORD)
    page.goto(return_url)
    since = page.locator("#since-accepted")
    expect(since).to_contain_text("Version 2 against version 1, the last accepted")
    expect(since).to_contain_text(f"{len(s005)} changed, 1 removed")
    expect(since.locator("tbody tr", has_text="S005").first).to_contain_text(COMMENT)
    viewport_shot(page, "trust-changes-since-accepted", "#since-accepted")
    assert_accessible(page)
    page.locator("#justify").get_by_role("textbox").fill("Not collected after the system change.")
    with page.expect_navigation():  # the save's answer, before the next link is followed
        page.get_by_role("button", name="Save justifications").click()

    # Check your answers, then the declaration.
    page.get_by_role("link", name="Check and sign off version 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before signing off"
    )
    summary = page.locator("#sign-off-summary")
    expect(summary).to_contain_text("Trust A1 (RA1)")
    expect(summary).to_contain_text(f"0 new, {len(s005)} changed, 1 removed")
    expect(page.locator("#sign-off-warnings")).to_contain_text(
        "Not collected after the system change."
    )
    screenshot(page, "trust-check-your-answers")
    assert_accessible(page)
    page.get_by_role("button", name="Sign off version 2").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Confirm the declaration to sign off the return."
    )
    screenshot(page, "trust-declaration-missing")
    assert_accessible(page)
    console_errors.clear()  # the refusal's 400, expected
    page.get_by_label(re.compile("I confirm that version 2 of this return")).check()
    page.get_by_role("button", name="Sign off version 2").click()
    expect(page.get_by_role("alert")).to_contain_text("Return signed off: version 2.")
    log_out(page)

    # A new upload over the sign-off says first that it cancels it; the submitter goes back.
    login(page, live_server, cast.submitter.email, PASSWORD)
    page.goto(return_url)
    third = tmp_path / "q3-again.csv"
    third.write_bytes(csv_file("RA1", others, corrected))
    upload(page, third)
    expect(page.locator("#cancels-sign-off")).to_contain_text(
        "Version 2 of this return was signed off by approver.a1@nhs.test"
    )
    page.get_by_role("button", name="Submit this version").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Confirm that you want to cancel it."
    )
    screenshot(page, "trust-reupload-cancels-sign-off")
    assert_accessible(page)
    console_errors.clear()  # the refusal's 400, expected
    page.get_by_role("link", name="Cancel and go back to the return").click()
    expect(page.locator("#summary")).to_contain_text("Signed off")
    log_out(page)

    # The region accepts; the message names the run and links to it; the run leads with what
    # it changed against the previous published run.
    login(page, live_server, cast.analyst_a.email, PASSWORD)
    page.goto(return_url)
    expect(page.locator("#since-accepted")).to_contain_text(COMMENT)
    page.get_by_role("button", name="Accept version 2").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Return accepted. It started Calculation run")
    screenshot(page, "trust-accepted-names-its-run")
    alert.get_by_role("link", name=re.compile(r"Calculation run \d+")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Calculation run")
    changed = page.locator("#what-changed")
    expect(changed).to_be_visible(timeout=90_000)  # the page refreshes until the run ends
    expect(changed).to_contain_text(f"Against run {first_run.pk}")
    expect(page.locator("#run-changes")).to_contain_text("Return versions new to this run1")
    expect(page.locator("#quartiles-moved + ul")).to_contain_text("Trust A1 (RA1), S005")
    screenshot(page, "trust-run-summary")
    viewport_shot(page, "trust-run-summary-top")
    assert_accessible(page)

    record = Return.objects.get(organisation=registry.trust_a1, period=period)
    assert record.state == ReturnState.ACCEPTED
    assert record.accepted_version is not None
    assert record.accepted_version.number == 2
    assert ReturnVersion.objects.filter(return_record=record).count() == 2
