"""API tokens: expiry, revocation, digest at rest, the tokens page, and throttled failures."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditEvent, User
from accounts.tokens import TOKEN_ACCOUNT, key_digest, token_issue
from tests.conftest import AuditLines, Cast

pytestmark = pytest.mark.django_db


def api(key: str, ip: str = "10.1.1.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_a_digest_of_the_key_is_stored(cast: Cast) -> None:
    token, key = token_issue(user=cast.submitter, issued_by=None, name="warehouse")

    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(value) for value in stored.values()}
    assert stored["digest"] == key_digest(key)
    assert stored["prefix"] == key[:8]


def test_a_live_token_signs_in_and_stamps_its_last_use(cast: Cast) -> None:
    token, key = token_issue(user=cast.submitter, issued_by=None)
    assert token.last_used_at is None

    assert api(key).get("/api/v1/organisations/").status_code == 200

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(seconds=30)


def test_an_expired_token_answers_401_saying_when_it_expired(cast: Cast) -> None:
    token, key = token_issue(user=cast.submitter, issued_by=None, days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = api(key).get("/api/v1/organisations/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert re.fullmatch(
        r"This API token expired on \d{1,2} \w+ \d{4} \d\d:\d\d: ask for a new one\.",
        response.json()["detail"],
    )


def test_a_revoked_token_answers_401_saying_when_it_was_revoked(cast: Cast) -> None:
    token, key = token_issue(user=cast.submitter, issued_by=None)
    assert api(key).get("/api/v1/organisations/").status_code == 200

    response = page_client(cast.submitter).post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    refused = api(key).get("/api/v1/organisations/")
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("This API token was revoked on ")
    assert AuditEvent.objects.get(action="token_revoked").actor == cast.submitter


def test_the_tokens_page_lists_only_the_users_own_tokens(cast: Cast) -> None:
    own, _ = token_issue(user=cast.submitter, issued_by=None, name="own warehouse")
    other, _ = token_issue(user=cast.lead_a, issued_by=None, name="region script")

    response = page_client(cast.submitter).get("/accounts/tokens/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert [t.pk for t in response.context["tokens"]] == [own.pk]
    assert own.prefix in response.text
    assert "own warehouse" in response.text
    assert other.prefix not in response.text
    assert "region script" not in response.text


def test_someone_elses_token_is_404_and_stays_live(cast: Cast) -> None:
    other, key = token_issue(user=cast.lead_a, issued_by=None)

    response = page_client(cast.submitter).post(f"/accounts/tokens/{other.pk}/revoke/")

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    assert api(key).get("/api/v1/organisations/").status_code == 200


def test_a_national_admin_sees_and_revokes_anyones_token(cast: Cast) -> None:
    other, key = token_issue(user=cast.lead_a, issued_by=None)
    client = page_client(cast.national)

    listing = client.get("/accounts/tokens/")
    assert [t.pk for t in listing.context["tokens"]] == [other.pk]
    assert "lead.a@nhs.test" in listing.text

    assert client.post(f"/accounts/tokens/{other.pk}/revoke/").status_code == 302
    other.refresh_from_db()
    assert other.revoked_by == cast.national
    assert api(key).get("/api/v1/organisations/").status_code == 401


def test_a_user_creates_a_token_on_the_page_and_sees_its_key_once(cast: Cast) -> None:
    client = page_client(cast.submitter)

    missing = client.post("/accounts/tokens/", {"name": ""})
    assert missing.status_code == 200
    assert "There is a problem" in missing.text
    assert not ApiToken.objects.exists()

    created = client.post("/accounts/tokens/", {"name": "warehouse"})

    key = created.context["key"]
    assert created.status_code == 200
    assert key in created.text
    assert ApiToken.objects.get().user == cast.submitter
    assert api(key).get("/api/v1/organisations/").status_code == 200
    assert key not in client.get("/accounts/tokens/").text  # shown once


def test_the_tokens_page_asks_to_sign_in(cast: Cast) -> None:
    response = Client().get("/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_bad_tokens_from_one_address_are_locked_out_for_the_cool_off(
    cast: Cast, settings, audit_lines: AuditLines
) -> None:
    _token, key = token_issue(user=cast.submitter, issued_by=None)
    limit = settings.AXES_FAILURE_LIMIT
    answers = [
        api(f"{attempt:08d}guessed", ip="10.6.6.6").get("/api/v1/regions/")
        for attempt in range(limit)
    ]
    locked = api(key, ip="10.6.6.6").get("/api/v1/regions/")  # even the right key, from there

    assert [a.status_code for a in answers] == [401] * (limit - 1) + [429]
    message = (
        "Too many failed API token attempts from your address: refused for 15 minutes after "
        "the last one. Check the token, then try again after that."
    )
    assert answers[-1].json() == locked.json() == {"detail": message}
    assert locked.status_code == 429
    assert api(key, ip="10.7.7.7").get("/api/v1/regions/").status_code == 200  # elsewhere
    failures = audit_lines.events("login_failed")
    assert len(failures) == limit
    assert {(f["ip"], f["detail"]["username"]) for f in failures} == {("10.6.6.6", TOKEN_ACCOUNT)}
    assert [line["ip"] for line in audit_lines.events("locked_out")] == ["10.6.6.6"]

    # After the cool-off the address may try again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert api(key, ip="10.6.6.6").get("/api/v1/regions/").status_code == 200


def test_the_migration_moves_old_plain_keys_to_digests(cast: Cast) -> None:
    """accounts 0003 on a database that had rest_framework.authtoken: each plain key becomes an
    ApiToken stored as a digest, valid 90 days and still signing its user in; the plain key is
    deleted."""
    moved = importlib.import_module("accounts.migrations.0003_api_tokens_sso")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint, "
            "created timestamp with time zone)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, now())", [old_key, cast.submitter.pk]
        )

    with connection.schema_editor() as editor:
        moved.move_authtoken_keys(django_apps, editor)

    token = ApiToken.objects.get()
    assert (token.user, token.prefix, token.digest) == (
        cast.submitter,
        "01234567",
        key_digest(old_key),
    )
    assert (token.expires_at - timezone.now()).days in (89, 90)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    assert api(old_key).get("/api/v1/organisations/").status_code == 200


def test_a_bad_token_on_an_upload_counts_once(cast: Cast, audit_lines: AuditLines) -> None:
    """The upload's body guard asks the token before the view does: one failure, not two."""
    response = api("0" * 48).post("/api/v1/returns/upload/", {}, format="multipart")

    assert response.status_code == 401
    assert len(audit_lines.events("login_failed")) == 1
    assert AccessAttempt.objects.get().failures_since_start == 1
