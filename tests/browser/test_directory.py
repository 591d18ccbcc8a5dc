"""A regional lead in Chromium: logs in, sees their region and nothing of anyone else's."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleError, assert_accessible, login, screenshot
from tests.conftest import PASSWORD, Cast, Registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_regional_lead_sees_only_their_region(
    page: Page,
    live_server,
    registry: Registry,
    cast: Cast,
    console_errors: list[ConsoleError],
) -> None:
    page.goto(f"{live_server.url}/organisations/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/organisations/")
    assert_accessible(page)
    login(page, live_server, cast.lead_a.email, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")  # the home page: what needs them
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Organisations").click()

    expect(page).to_have_url(f"{live_server.url}/organisations/")
    header = page.get_by_role("banner")
    expect(header.get_by_role("img", name="NHS")).to_be_visible()
    expect(header).to_contain_text(cast.lead_a.email)
    expect(header).to_contain_text("Region A · Regional lead")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")

    regions = page.get_by_role("table", name="Regions you can see")
    expect(regions.get_by_role("row")).to_have_count(2)  # header + Region A
    expect(regions).to_contain_text("Region A")
    bodies = page.locator("#organisations")
    mine = [
        registry.trust_a1,
        registry.trust_a2,
        registry.trust_a3,
        registry.ccg_a1,
        registry.system_a1,
        registry.system_a2,
    ]
    expect(bodies.locator("tbody tr")).to_have_count(len(mine))
    for body in mine:
        expect(bodies.get_by_role("link", name=body.name, exact=True)).to_be_visible()
    main = page.get_by_role("main")
    for outside in ("Region B", registry.system_b1.name, registry.trust_b1.name, "RB1"):
        expect(main).not_to_contain_text(outside)
    screenshot(page, "regional-lead-directory")
    assert_accessible(page)

    bodies.get_by_role("link", name=registry.trust_a1.name, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/organisations/{registry.trust_a1.ods_code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(registry.trust_a1.name)
    expect(main).to_contain_text("System A1 (QA1)")
    screenshot(page, "regional-lead-organisation")
    assert_accessible(page)

    response = page.goto(f"{live_server.url}/organisations/{registry.trust_b1.ods_code}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("main")).not_to_contain_text(registry.trust_b1.name)
    screenshot(page, "regional-lead-outside-scope-404")
    assert_accessible(page)
    # Chromium logs the 404 status of the document itself as a console error: expected here.
    assert [e.text for e in console_errors] == [
        "Failed to load resource: the server responded with a status of 404 (Not Found)"
    ]
    console_errors.clear()
