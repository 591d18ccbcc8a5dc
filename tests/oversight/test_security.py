"""Security headers: nothing a signed-in user sees is cached; the browser's features are off.

File downloads: tests/metrics/returns/test_returns_pages.py::test_versions_values_and_downloads."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.tokens import token_issue
from oversight.security import SEEN_AT, SIGNED_IN_AT
from tests.conftest import Cast, password_login

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def not_stored(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_a_signed_in_page_is_not_stored(cast: Cast) -> None:
    response = signed_in(cast.lead_a).get("/")
    assert response.status_code == 200
    assert not_stored(response)


def test_an_api_answer_to_a_token_is_not_stored(cast: Cast) -> None:
    client = APIClient()
    _token, key = token_issue(user=cast.lead_a, issued_by=None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/regions/")
    assert response.status_code == 200
    assert not_stored(response)


def test_a_public_answer_is_left_to_its_view(db: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert not not_stored(response)


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/api/v1/regions/"])
def test_every_answer_turns_off_the_browser_features_the_service_does_not_use(
    cast: Cast, url: str
) -> None:
    policy = signed_in(cast.lead_a).get(url)["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


# --- session limits ----------------------------------------------------------------------------

MINUTE, HOUR = 60.0, 3600.0


def stamped(client: Client, *, signed_in_ago: float, seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[SIGNED_IN_AT], session[SEEN_AT] = now - signed_in_ago, now - seen_ago
    session.save()


def test_the_session_cookie_lasts_as_long_as_the_idle_limit() -> None:
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_ABSOLUTE_HOURS == 10
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_signing_in_stamps_the_session(cast: Cast) -> None:
    before = time.time()
    client = Client()
    assert password_login(client, cast.lead_a.email)
    assert client.session[SIGNED_IN_AT] == client.session[SEEN_AT] >= before


def test_an_active_session_carries_on_and_is_seen_again(cast: Cast) -> None:
    client = signed_in(cast.lead_a)
    stamped(client, signed_in_ago=9 * HOUR, seen_ago=29 * MINUTE)
    assert client.get("/").status_code == 200
    assert client.session[SEEN_AT] > time.time() - MINUTE


@pytest.mark.parametrize(
    ("signed_in_ago", "seen_ago"),
    [(1 * HOUR, 31 * MINUTE), (10 * HOUR + MINUTE, 1 * MINUTE)],
    ids=["idle", "absolute"],
)
def test_a_session_past_its_limit_is_signed_out(
    cast: Cast, signed_in_ago: float, seen_ago: float
) -> None:
    client = signed_in(cast.lead_a)
    stamped(client, signed_in_ago=signed_in_ago, seen_ago=seen_ago)
    response = client.get("/returns/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/api/v1/regions/").status_code in (401, 403)


# --- Content-Security-Policy -------------------------------------------------------------------


def test_pages_allow_only_this_sites_scripts_and_have_none_inline(cast: Cast) -> None:
    response = signed_in(cast.lead_a).get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", response.content.decode(), re.S)
    assert scripts
    assert [attrs for attrs, body in scripts if "src=" not in attrs or body.strip()] == []


def test_the_api_docs_load_their_init_script_as_a_file(cast: Cast) -> None:
    client = signed_in(cast.outsider)
    page = client.get("/api/docs/").content.decode()
    inline = re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", page)
    assert inline == []
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content
