"""The site as an NHS network sees it: nothing loaded from elsewhere, a phase banner with a
feedback link, the accessibility, privacy and cookies pages, and branded error pages with DEBUG
on (the demo) as well as off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse, HttpResponseServerError
from django.test import Client, RequestFactory

from oversight.middleware import BrandedErrorPages
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
OFFSITE = re.compile(r"""(?:src|href|url\()\s*=?\s*["']?(?:https?:)?//(?!www\.w3\.org)""")


def test_the_built_nhsuk_css_loads_nothing_from_another_site() -> None:
    css = (REPO / "static" / "vendor" / "nhsuk" / "nhsuk.min.css").read_text()
    assert "font-family:Frutiger W01,arial,sans-serif" in css  # the same stack, system fonts
    assert "@font-face" not in css
    assert re.findall(r"url\((['\"]?)(?:https?:)?//", css) == []


def test_no_template_loads_anything_from_another_site() -> None:
    templates = [
        path
        for root in ("templates", "oversight", "accounts", "metrics", "segmentation", "rsp")
        for path in (REPO / root).rglob("*.html")
    ]
    assert len(templates) > 20
    found = [f"{p.relative_to(REPO)}" for p in templates if OFFSITE.search(p.read_text())]
    assert found == []


def test_the_pattern_finds_an_offsite_stylesheet() -> None:
    assert OFFSITE.search('<link rel="stylesheet" href="https://cdn.example/x.css">')
    assert not OFFSITE.search('<svg xmlns="http://www.w3.org/2000/svg">')


@pytest.mark.parametrize("slug", ["accessibility", "privacy", "cookies", "feedback"])
def test_the_help_pages_are_open_to_everyone(slug: str) -> None:
    response = Client().get(f"/help/{slug}/")
    assert response.status_code == 200
    assert 'class="nhsuk-header"' in response.content.decode()


def test_the_cookies_page_names_the_cookies_set() -> None:
    page = Client().get("/help/cookies/").content.decode()
    assert settings.SESSION_COOKIE_NAME in page
    assert settings.CSRF_COOKIE_NAME in page


def test_every_page_has_the_phase_banner_and_the_footer_links(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.lead_a)
    page = client.get("/organisations/").content.decode()
    assert '<strong class="nhsuk-tag">Beta</strong>This is a new service.' in page
    assert '<a href="/help/feedback/">Give feedback</a>' in page
    for slug, words in (
        ("accessibility", "Accessibility statement"),
        ("privacy", "Privacy"),
        ("cookies", "Cookies"),
    ):
        assert f'href="/help/{slug}/">{words}</a>' in page


# --- error pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_address_gets_the_branded_404(cast: Cast, debug: bool) -> None:
    client = Client()
    client.force_login(cast.lead_a)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", debug)
        response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<title>Page not found – Oversight – NHS England</title>" in page
    assert 'class="nhsuk-header"' in page


def test_a_body_outside_scope_gets_the_branded_404_in_the_demo(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.lead_b)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", True)
        response = client.get("/organisations/RA1/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Trust A1" not in response.content.decode()


def middleware_answer(response: HttpResponse, debug: bool = True) -> HttpResponse:
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", debug)
        return BrandedErrorPages(lambda _: response)(request)


def test_djangos_debug_500_page_gives_way_to_ours() -> None:
    answer = middleware_answer(HttpResponseServerError("<html>Traceback (most recent call"))
    assert answer.status_code == 500
    assert "Sorry, there is a problem with the service" in answer.content.decode()
    assert "Traceback" not in answer.content.decode()


def test_djangos_debug_403_page_gives_way_to_ours() -> None:
    answer = middleware_answer(HttpResponse("<h1>403 Forbidden</h1>", status=403))
    assert answer.status_code == 403
    assert "You do not have permission to do this" in answer.content.decode()


def test_api_errors_and_production_answers_pass_untouched() -> None:
    json_404 = HttpResponse(
        b'{"detail": "Not found."}', status=404, content_type="application/json"
    )
    assert middleware_answer(json_404) is json_404
    html_500 = HttpResponseServerError("<html>Traceback")
    assert middleware_answer(html_500, debug=False) is html_500
