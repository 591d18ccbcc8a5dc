"""Security headers: nothing a signed-in user sees is cached; the browser's features are off.

File downloads: tests/metrics/returns/test_returns_pages.py::test_versions_values_and_downloads."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import Cast

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
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=cast.lead_a).key}")
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
