"""A quarter's oversight relationship in Chromium: the regional lead records the quarterly
review of the ICS's agreement and an oversight meeting with an action for the ICS lead; the ICS
lead sees both (never the meeting's internal notes) and the action on their home page."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from metrics.catalogue.periods import periods_create
from systemlens.agreements import AgreementInput, PriorityInput, agreement_version_record
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.conftest import PASSWORD, Cast, Registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_region_records_review_and_meeting_ics_lead_sees_both(
    page: Page, live_server, registry: Registry, cast: Cast
) -> None:
    periods_create(year=2021)
    agreement_version_record(
        system=registry.system_a1,
        year=2021,
        terms=AgreementInput(
            delivery_arrangements="Elective recovery led by the acute collaborative.",
            governance_arrangements="Quarterly review with the region.",
            agreed_on=date(2021, 6, 30),
            agreed_by="ICS chief executive; regional director",
        ),
        priorities=[PriorityInput("Reduce 52-week waits", "ICS director of performance")],
        user=cast.lead_a,
    )
    base = live_server.url

    # The regional lead records the Q2 review, first without its outcome.
    login(page, live_server, cast.lead_a.email, PASSWORD)
    page.goto(f"{base}/ics/QA1/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oversight of System A1")
    expect(page.locator("body")).to_contain_text("No quarterly review recorded yet.")
    page.get_by_role("link", name="Record a quarterly review").first.click()
    page.get_by_label("Quarter reviewed").select_option(label="2021-22 Q2")
    page.get_by_label("Date of the review").fill("2021-10-14")
    page.get_by_label("Some concerns").check()
    page.get_by_role("button", name="Record the review").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("This field is required.")
    screenshot(page, "system-lens-review-errors")
    assert_accessible(page)
    page.get_by_label("Outcome").fill("Electives behind plan at Trust A1.")
    page.get_by_label("Next steps").fill("Revised trajectory by the next review.")
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator("body")).to_contain_text("2021-22 Q2 review recorded.")
    expect(page.locator("#reviews")).to_contain_text("Some concerns")
    screenshot(page, "system-lens-agreement")
    assert_accessible(page)

    # Then the meeting, with an action for the ICS lead and an internal-only note.
    page.goto(f"{base}/ics/QA1/meetings/new/")
    page.get_by_label("Date of the meeting").fill("2021-10-14")
    page.get_by_label("Attendees").fill("Regional director; ICS chief executive")
    page.get_by_label("Agenda item 1").fill("Quarterly review of the agreement")
    page.get_by_label("Notes", exact=True).fill("Trajectory agreed with the ICS.")
    page.get_by_label("Internal notes").fill("INTERNAL: consider mandated support for RA1.")
    page.get_by_label("Action 1", exact=True).fill("Send the revised elective trajectory")
    page.get_by_label("Owner of action 1").select_option(label=cast.ics_lead.email)
    page.get_by_label("Action 1 due on").fill("2021-11-30")
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.locator("body")).to_contain_text("Meeting recorded.")
    expect(page.locator("#internal-notes")).to_contain_text("INTERNAL")
    screenshot(page, "system-lens-meeting-region")
    assert_accessible(page)
    log_out(page)

    # The ICS lead: the action on their home page, the review and the meeting on the ICS page.
    login(page, live_server, cast.ics_lead.email, PASSWORD)
    page.goto(f"{base}/")
    expect(page.locator("body")).to_contain_text("Your actions from oversight meetings")
    action = page.get_by_role("link", name="Send the revised elective trajectory")
    expect(action).to_be_visible()
    screenshot(page, "system-lens-home-action")
    assert_accessible(page)
    page.goto(f"{base}/ics/QA1/")
    body = page.locator("body")
    expect(body).to_contain_text("Latest quarterly review: 2021-22 Q2")
    expect(body).to_contain_text("Some concerns")
    expect(page.get_by_role("link", name="Record a quarterly review")).to_have_count(0)
    screenshot(page, "system-lens-ics-page")
    assert_accessible(page)
    page.get_by_role("link", name="14 October 2021").click()
    expect(body).to_contain_text("Trajectory agreed with the ICS.")
    expect(body).not_to_contain_text("INTERNAL")
    screenshot(page, "system-lens-meeting-ics-lead")
    page.get_by_role("button", name="Mark done").click()
    expect(body).to_contain_text("Action done: Send the revised elective trajectory")


def test_region_assesses_a_concern_and_sets_the_lead_ics(
    page: Page, live_server, registry: Registry, cast: Cast
) -> None:
    from systemlens.concerns import concern_open

    concern = concern_open(organisation=registry.trust_a1, title="Waits rising", user=cast.lead_a)
    base = live_server.url
    login(page, live_server, cast.lead_a.email, PASSWORD)
    page.goto(f"{base}/bodies/RA1/oversight/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oversight of Trust A1")
    page.get_by_text("Set the lead ICS and the ICSs it serves").click()
    page.get_by_label("Lead ICS").select_option(label=str(registry.system_a1))
    page.get_by_label(str(registry.system_b1)).check()
    page.get_by_role("button", name="Save the ICSs").click()
    expect(page.locator("#lead-ics")).to_have_text("System A1")
    screenshot(page, "system-lens-body")
    assert_accessible(page)
    page.get_by_role("link", name="Waits rising").click()
    expect(page).to_have_url(f"{base}/concerns/{concern.pk}/")
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page)
    for label in (
        "Seriousness, scale and complexity of the issue",
        "Risk and potential impact",
        "The body's understanding of the issue",
        "Leadership, governance and improvement maturity",
        "Action already taken",
        "Reason for the outcome",
    ):
        page.get_by_label(label).fill(f"{label}: recorded.")
    page.get_by_label("Proposed for mandated support").check()
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.locator("body")).to_contain_text("Assessment recorded.")
    expect(page.locator("body")).to_contain_text("Proposed for mandated support")
    screenshot(page, "system-lens-concern-assessed")
