"""Each role's home page in Chromium: what needs them this quarter, as an NHS.UK task list whose
counts lead to the filtered list; accessible; a screenshot each (test-artifacts/home-<role>.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.returns import Return
from metrics.returns.review import return_sign_off
from metrics.returns.upload import return_upload
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.conftest import PASSWORD, Cast, Registry
from tests.metrics.factories import csv_file, full_rows, quarter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# role: (cast member, a section heading, a task the role is led to, the words of its status)
HOMES = {
    "submitter": ("submitter", "Your 2021-22 Q3 return", "Trust A1: 2021-22 Q3 return", None),
    "approver": ("approver", "Your 2021-22 Q3 return", "Trust A1: 2021-22 Q3 return", None),
    "regional-lead": (
        "lead_a",
        "2021-22 Q3 returns to review",
        "Returns to accept or send back",
        "1 to do",
    ),
    "regional-analyst": (
        "analyst_a",
        "2021-22 Q3 returns to review",
        "Bodies to chase",
        "4 to chase",
    ),
    "ics-lead": ("ics_lead", "System A1 at a glance", "Returns not submitted", "3 not submitted"),
    "national": (
        "national",
        "2021-22 Q3 completeness by region",
        "Returns not submitted in England",
        "6 not submitted",
    ),
    "sid": ("sid", None, None, None),
    "observer": ("observer", None, None, None),
}


@pytest.fixture
def quarter_under_way(registry: Registry, cast: Cast) -> None:
    """2021-22 Q3 open: Trust A1's return signed off, Trust A3's submitted, the rest missing."""
    load_builtin_catalogues()
    period = quarter()
    edition = edition_for(period)
    for body, user in ((registry.trust_a1, cast.submitter), (registry.trust_a3, cast.national)):
        return_upload(
            organisation=body,
            period=period,
            edition=edition,
            file_name="return.csv",
            content=csv_file(body.ods_code, full_rows(body, period, edition)),
            user=user,
        )
    return_sign_off(
        return_record=Return.objects.get(organisation=registry.trust_a1),
        user=cast.approver,
        declaration=True,
    )


@pytest.mark.parametrize("role", HOMES)
def test_each_role_lands_on_what_needs_them(
    page: Page, live_server, cast: Cast, quarter_under_way: None, role: str
) -> None:
    member, heading, task, status = HOMES[role]
    login(page, live_server, getattr(cast, member).email, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("what needs you")
    expect(
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Runs")
    ).to_be_visible()
    if heading is None:
        expect(page.get_by_text("Nothing needs you this quarter.")).to_be_visible()
    else:
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
        link = page.get_by_role("link", name=task)
        expect(link).to_be_visible()
        if status is not None:
            expect(link).to_have_accessible_description(re_containing(status))
    assert_accessible(page)
    screenshot(page, f"home-{role}")
    if heading is not None:
        page.get_by_role("link", name=task).first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("2021-22 Q3")


def re_containing(words: str):
    import re

    return re.compile(re.escape(words))


def test_the_regional_lead_follows_returns_to_accept_to_the_filtered_list(
    page: Page, live_server, cast: Cast, quarter_under_way: None
) -> None:
    login(page, live_server, cast.lead_a.email, PASSWORD)
    page.get_by_role("link", name="Returns to accept or send back").click()
    table = page.locator("#returns")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Trust A1")
    expect(page.get_by_label("State")).to_have_value("signed_off")
