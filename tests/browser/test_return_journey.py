"""A quarterly return in Chromium: the trust submitter uploads a file with two errors, sees them,
fixes the file and submits; the approver justifies the warning and signs off; the regional
analyst accepts; the return shows Accepted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.returns import Return, ReturnState
from tests.browser.conftest import ARTIFACTS, assert_accessible, login, screenshot
from tests.conftest import PASSWORD, Cast, Registry
from tests.metrics.factories import csv_file, full_rows, quarter

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
