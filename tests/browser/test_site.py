"""The site on an NHS network and on a phone, in Chromium: no page requests anything from
another site, and every page fits a 390 px wide screen (wide tables scroll in their own box,
reachable from the keyboard)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, screenshot
from tests.conftest import PASSWORD, Cast, Registry
from tests.metrics.results_data import build_picture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def pages_of(picture) -> list[str]:
    slug = picture.latest.slug
    return [
        "/",
        "/organisations/",
        "/organisations/regions/Y91/",
        "/organisations/systems/QA1/",
        "/organisations/RA1/",
        "/organisations/RA1/profile/",
        "/organisations/RA1/metrics/M01/",
        f"/returns/?period={slug}",
        f"/returns/RA1/{slug}/",
        f"/returns/RA1/{slug}/history/",
        f"/returns/completeness/{slug}/",
        "/runs/",
        f"/runs/{picture.latest_run.pk}/",
        "/catalogue/",
        "/periods/",
        "/help/accessibility/",
        "/help/cookies/",
    ]


@pytest.fixture
def picture(registry: Registry, cast: Cast):
    return build_picture(registry, cast.national, edition_code="sof-2021-22")


def test_no_page_requests_anything_from_another_site(
    page: Page, live_server, cast: Cast, picture, offsite_requests: list[str]
) -> None:
    login(page, live_server, cast.national.email, PASSWORD)
    visited = []
    for path in pages_of(picture):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        visited.append(path)
    assert len(visited) == len(pages_of(picture))
    assert offsite_requests == []


def test_an_offsite_request_would_be_caught(
    page: Page, live_server, cast: Cast, offsite_requests: list[str], console_errors
) -> None:
    # On our pages the Content-Security-Policy (connect-src 'self') stops it before it leaves.
    page.goto(f"{live_server.url}/help/privacy/")
    page.evaluate("fetch('https://assets.nhs.uk/fonts/x.woff2').catch(() => null)")
    page.wait_for_timeout(200)
    assert offsite_requests == []
    assert any("Content Security Policy" in str(error) for error in console_errors)
    console_errors.clear()
    # Without that policy (a blank page), the fixture sees the request go.
    page.goto("about:blank")
    page.evaluate("fetch('https://assets.nhs.uk/fonts/x.woff2').catch(() => null)")
    page.wait_for_timeout(200)
    assert offsite_requests == ["https://assets.nhs.uk/fonts/x.woff2"]
    offsite_requests.clear()  # expected here: the fixture fails any test that leaves one
    console_errors.clear()


def test_every_page_fits_a_390_pixel_screen(page: Page, live_server, cast: Cast, picture) -> None:
    login(page, live_server, cast.national.email, PASSWORD)
    page.set_viewport_size(PHONE)
    too_wide = {}
    for path in pages_of(picture):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
        # A table box that scrolls can be reached and scrolled from the keyboard.
        unreachable = page.evaluate(
            """() => [...document.querySelectorAll('.app-table-scroll')]
                .filter(box => box.scrollWidth > box.clientWidth + 1)
                .filter(box => box.getAttribute('tabindex') !== '0'
                    || !(box.getAttribute('aria-label') || box.getAttribute('aria-labelledby')))
                .length"""
        )
        assert unreachable == 0, path
    assert too_wide == {}
    page.goto(f"{live_server.url}/organisations/RA1/profile/")
    screenshot(page, "phone-profile")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "phone-home-national")
