"""Keyboard-only journeys in Chromium (issue 12 item 8, WCAG 2.1.1 and 2.4.7): an upload with
the file chosen from the keyboard, its sign-off, and a segment decision recorded and confirmed.

No clicks and no programmatic focus: each step Tabs (or Shift+Tabs) to its control, checks the
focus is visible there (NHS.UK's yellow focus style: an outline or box-shadow, and the control
matches :focus-visible), then presses Enter or Space, or types into the field. Pages are
opened by address, as a bookmark would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from accounts.models import User
from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.returns import Return, ReturnState
from segmentation.models import DecisionState, SegmentDecision
from tests.conftest import PASSWORD, Cast, Registry
from tests.metrics.factories import csv_file, full_rows, quarter
from tests.metrics.results_data import Picture
from tests.segmentation.conftest import lead_a2, picture  # noqa: F401 - fixtures used below

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The most Tab presses any control here may need (the header, navigation and breadcrumbs come
# first); more means the control is out of the tab order.
MAX_TABS = 120
FOCUS_SHOWN = """el => el === document.activeElement && el.matches(':focus-visible') && (() => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        && style.outlineColor !== 'rgba(0, 0, 0, 0)';
    return outline || style.boxShadow !== 'none';
})()"""


def tab_to(page: Page, control: Locator, *, backwards: bool = False) -> None:
    """Tab until `control` has the focus, and check that the focus shows there."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if control.evaluate("el => el === document.activeElement"):
            assert control.evaluate(FOCUS_SHOWN), f"no visible focus on {control}"
            return
    pytest.fail(f"{control} was not reached in {MAX_TABS} presses of {key}")


def keyboard_login(page: Page, live_server: Any, user: User) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(user.email)
    tab_to(page, page.get_by_label("Password", exact=True))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_upload_by_keyboard_then_sign_off_by_keyboard(
    page: Page, live_server: Any, registry: Registry, cast: Cast, tmp_path: Path
) -> None:
    load_builtin_catalogues()
    period = quarter()
    rows = full_rows(registry.trust_a1, period, edition_for(period))
    upload = tmp_path / "q3-return.csv"
    upload.write_bytes(csv_file("RA1", rows))
    return_url = f"{live_server.url}/returns/RA1/{period.slug}/"

    keyboard_login(page, live_server, cast.submitter)
    page.goto(return_url)
    # The file chooser opens from the keyboard: Space on the focused file control.
    tab_to(page, page.get_by_label("Return file"))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(upload))
    tab_to(page, page.get_by_role("button", name="Check file"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check q3-return.csv")
    tab_to(page, page.get_by_role("button", name="Submit this version"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Version 1 submitted.")
    tab_to(page, page.get_by_role("button", name="Log out"), backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    keyboard_login(page, live_server, cast.approver)
    page.goto(return_url)
    # Check your answers, then the declaration ticked with Space and the button pressed.
    tab_to(page, page.get_by_role("link", name="Check and sign off version 1"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before signing off"
    )
    tab_to(page, page.get_by_role("checkbox"))
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Sign off version 1"))
    page.keyboard.press("Space")
    expect(page.get_by_role("alert")).to_contain_text("Return signed off")

    record = Return.objects.get(organisation=registry.trust_a1, period=period)
    assert record.state == ReturnState.SIGNED_OFF
    assert record.versions.count() == 1


def test_a_segment_decision_recorded_and_confirmed_by_keyboard(
    page: Page,
    live_server: Any,
    registry: Registry,
    cast: Cast,
    picture: Picture,  # noqa: F811 - the fixture imported above
    lead_a2: User,  # noqa: F811
) -> None:
    body_url = f"{live_server.url}/segmentation/{picture.latest.slug}/bodies/RA1/"
    keyboard_login(page, live_server, cast.lead_a)
    page.goto(body_url)
    # A link styled as a button: Enter follows it, as any link.
    tab_to(page, page.get_by_role("link", name="Record a decision"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the region's decision")
    # The proposed segment comes checked: the lead agrees, and gives the rationale anyway.
    tab_to(page, page.get_by_label("Rationale"))
    page.keyboard.type("As proposed: A&E in the bottom quartile for two quarters.")
    tab_to(page, page.get_by_role("button", name="Record decision"))
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("another regional lead")
    tab_to(page, page.get_by_role("button", name="Log out"), backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    keyboard_login(page, live_server, lead_a2)
    page.goto(body_url)
    tab_to(page, page.get_by_role("button", name="Confirm", exact=False).first)
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("confirmed")

    decision = SegmentDecision.objects.get(organisation=registry.trust_a1, period=picture.latest)
    assert decision.state == DecisionState.CONFIRMED
    assert decision.recorded_by == cast.lead_a
    assert decision.confirmed_by == lead_a2
