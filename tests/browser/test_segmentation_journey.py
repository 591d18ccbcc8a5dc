"""A quarter's regional review in Chromium: the regional analyst filters the review list, opens
a body and follows one reason down to the value and its upload; the ICS lead gives a view; a
regional lead records a decision with its rationale; a second lead confirms it; the region
publishes; the trust sees its segment."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.conftest import PASSWORD, Cast, Registry
from tests.metrics.results_data import Picture
from tests.segmentation.conftest import lead_a2, picture  # noqa: F401 - fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Q = "2021-22-q3"


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_regional_review_from_proposal_to_published_segment(
    page: Page,
    live_server,
    registry: Registry,
    cast: Cast,
    picture: Picture,  # noqa: F811 - the fixture imported above
    lead_a2: User,  # noqa: F811
    console_errors: list,
) -> None:
    base = live_server.url

    # The regional analyst filters the review list and opens a body.
    login(page, live_server, cast.analyst_a.email, PASSWORD)
    page.goto(f"{base}/segmentation/")
    page.get_by_role("link", name="Region A: review the proposed segments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Region A")
    table = page.locator(".app-review-table")
    expect(table).to_contain_text("Trust A3")
    page.get_by_label("ICS").select_option("QA1")
    page.get_by_label("Kind or sector").select_option("trust")
    page.get_by_label("Only where the proposal differs from the current segment").check()
    page.get_by_role("button", name="Filter").click()
    expect(table).not_to_contain_text("Trust A3")
    expect(table).to_contain_text("Trust A1")
    expect(table).to_contain_text("Segment 3")
    expect(table).to_contain_text("Not given")
    screenshot(page, "segmentation-review-list")
    assert_accessible(page)
    table.get_by_role("link", name="Trust A1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trust A1")
    expect(page.locator("#proposed-segment")).to_contain_text("Segment 3")
    screenshot(page, "segmentation-body")
    assert_accessible(page)

    # One reason, down to the value and the upload it came from.
    met = (
        page.locator(".app-criterion")
        .filter(has=page.locator(".nhsuk-tag--green", has_text="Met"))
        .filter(has=page.locator("details"))
        .first
    )
    met.locator("summary").click()
    value_link = met.locator("table a[href*='/metrics/']").first
    expect(value_link).to_be_visible()
    version_link = met.locator("table a[href*='/returns/']").first
    upload_href = version_link.get_attribute("href")
    screenshot(page, "segmentation-reason-evidence")
    value_link.click()
    expect(page).to_have_url(re.compile(r"/organisations/RA1/metrics/M0\d/"))
    expect(page.get_by_text("Where the figures come from")).to_be_visible()
    screenshot(page, "segmentation-reason-value")
    page.goto(f"{base}{upload_href}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("return")
    screenshot(page, "segmentation-reason-upload")
    log_out(page)

    # The ICS lead gives a view before the region decides.
    login(page, live_server, cast.ics_lead.email, PASSWORD)
    page.goto(f"{base}/segmentation/")
    page.get_by_role("link", name=re.compile("System A1: proposed segments")).click()
    page.get_by_role("link", name="Record your view on Trust A1").click()
    page.get_by_label("Your view").fill("New leadership since the summer; recovery plan agreed.")
    page.get_by_label("Segment you would suggest (optional)").select_option("2")
    page.get_by_role("button", name="Record your view").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your view on Trust A1")
    screenshot(page, "segmentation-ics-views")
    log_out(page)

    # A regional lead records a decision: the rationale is required when it differs.
    login(page, live_server, cast.lead_a.email, PASSWORD)
    page.goto(f"{base}/segmentation/{Q}/bodies/RA1/")
    expect(page.locator("#views")).to_be_visible()
    expect(page.get_by_text("New leadership since the summer")).to_be_visible()
    page.get_by_role("link", name="Record a decision").click()
    page.get_by_label("Segment 2").check()
    page.get_by_role("button", name="Record decision").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Give the rationale")
    screenshot(page, "segmentation-decision-error")
    assert_accessible(page)
    # The refused form answers 400 on purpose, which Chromium logs as a failed resource.
    expected = [e for e in console_errors if "/decide/" in e.url and "400" in e.text]
    assert len(expected) == 1
    console_errors.remove(expected[0])
    page.get_by_label("Rationale").fill("Recovery plan agreed with the ICS; A&E improving.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("another regional lead")
    expect(page.locator("#history")).to_be_visible()
    expect(page.get_by_text("You recorded this decision")).to_be_visible()
    log_out(page)

    # A second regional lead confirms it (four eyes).
    login(page, live_server, lead_a2.email, PASSWORD)
    page.goto(f"{base}/segmentation/{Q}/bodies/RA1/")
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("confirmed")
    screenshot(page, "segmentation-confirmed")
    log_out(page)

    # The region publishes, accepting the bodies still without a confirmed decision.
    login(page, live_server, cast.lead_a.email, PASSWORD)
    page.goto(f"{base}/segmentation/{Q}/regions/Y91/publish/")
    expect(page.get_by_role("heading", name="Missing a confirmed decision")).to_be_visible()
    page.get_by_label("Publish without the bodies listed as missing a confirmed decision").check()
    page.get_by_role("button", name=re.compile("^Publish 1 decision")).click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("published")
    screenshot(page, "segmentation-published")
    assert_accessible(page)
    log_out(page)

    # The trust sees its segment and the region's reasons.
    login(page, live_server, cast.submitter.email, PASSWORD)
    page.goto(f"{base}/")
    page.get_by_role("link", name="Trust A1: segment and reasons").click()
    card = page.locator("section[aria-labelledby='published-segment-heading']")
    expect(card).to_contain_text("Segment 2")
    expect(card).to_contain_text("Recovery plan agreed with the ICS")
    # What made the proposal, in words (not the criteria's codes, nor other groups' criteria).
    expect(card).to_contain_text(re.compile(r"Segment 3, because: [A-Z][a-z]"))
    expect(card).not_to_contain_text("_")
    screenshot(page, "segmentation-trust-sees-segment")
