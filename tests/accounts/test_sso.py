"""Single sign-on by OpenID Connect against a provider served in-process over real HTTP.

The fake provider is a small HTTP server on 127.0.0.1: discovery, JWKS, an authorisation code
exchanged at its token endpoint (checking the PKCE verifier) for an RS256-signed id_token, and
userinfo. mozilla-django-oidc talks to it with `requests`, as it would to NHS CIS2 or Entra ID;
nothing in the library is replaced.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.http import HttpResponse
from django.test import Client
from jwt.algorithms import RSAAlgorithm

from accounts.models import SignInIdentity, User
from accounts.scope import organisations_visible_to
from tests.conftest import AuditLines, Cast

pytestmark = pytest.mark.django_db

CLIENT_ID = "oversight-test"


@dataclass
class Grant:
    claims: dict[str, Any]
    challenge: str
    userinfo: dict[str, Any]


@dataclass
class Provider:
    """The provider's state: its signing key and the codes it has handed out."""

    url: str = ""
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    grants: dict[str, Grant] = field(default_factory=dict)
    access: dict[str, dict[str, Any]] = field(default_factory=dict)
    sign_with: rsa.RSAPrivateKey | None = None  # another key: a forged token

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}

    def discovery(self) -> dict[str, str]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
        }

    def authorise(self, location: str, subject: str, email: str, **claims: Any) -> dict[str, str]:
        """What the provider does when the person signs in there: the callback's query."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        assert query["client_id"] == CLIENT_ID
        assert query["code_challenge_method"] == "S256"
        now = int(time.time())
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            claims={
                "iss": self.url,
                "sub": subject,
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 300,
                "nonce": query["nonce"],
                **claims,
            },
            challenge=query["code_challenge"],
            userinfo={"sub": subject, "email": email, "name": "Pat Example"},
        )
        return {"code": code, "state": query["state"]}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = self.grants.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if grant is None or challenge.rstrip(b"=").decode() != grant.challenge:
            return 400, {"error": "invalid_grant"}
        if form.get("client_id") != CLIENT_ID:
            return 401, {"error": "invalid_client"}
        access = secrets.token_urlsafe(16)
        self.access[access] = grant.userinfo
        signer = self.sign_with or self.key
        id_token = jwt.encode(grant.claims, signer, algorithm="RS256", headers={"kid": "k1"})
        return 200, {"access_token": access, "id_token": id_token, "token_type": "Bearer"}


def handler_for(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/.well-known/openid-configuration":
                self.answer(200, provider.discovery())
            elif path == "/jwks":
                self.answer(200, provider.jwks())
            elif path == "/userinfo":
                access = self.headers.get("Authorization", "").removeprefix("Bearer ")
                info = provider.access.get(access)
                self.answer(200, info) if info else self.answer(401, {"error": "invalid_token"})
            else:
                self.answer(404, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path == "/token":
                self.answer(*provider.token(form))
            else:
                self.answer(404, {})

        def log_message(self, format: str, *args: object) -> None:
            """Silent: the provider's access log would only bury the test's own output."""

    return Handler


@pytest.fixture
def provider(settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    state = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # Configured from the provider's discovery document, as an operator would set OIDC_*.
    found = requests.get(f"{state.url}/.well-known/openid-configuration", timeout=5).json()
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "a-client-secret"
    settings.OIDC_OP_ISSUER = found["issuer"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = found["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = found["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = found["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = found["jwks_uri"]
    settings.OIDC_TIMEOUT = 5
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "accounts.sso.IssuerSubjectBackend",
    ]
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def sso_sign_in(
    provider: Provider, subject: str, email: str, **claims: Any
) -> tuple[Client, HttpResponse]:
    """Start at the service, sign in at the provider, come back: the client and the answer."""
    client = Client()
    start = client.get("/accounts/sso/")
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.url}/authorize?")
    callback = provider.authorise(start["Location"], subject, email, **claims)
    return client, client.get("/accounts/sso/callback/", callback)


def signed_in_as(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_the_first_sign_in_links_the_subject_to_the_provisioned_account(
    cast: Cast, provider: Provider, audit_lines: AuditLines
) -> None:
    client, done = sso_sign_in(provider, "cis2-0001", "Lead.A@nhs.test")

    assert done.status_code == 302
    assert done["Location"] == "/"
    assert signed_in_as(client) == cast.lead_a
    identity = SignInIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.subject) == (
        cast.lead_a,
        provider.url,
        "cis2-0001",
    )
    assert client.get("/organisations/RA1/").status_code == 200  # roles from role assignments
    assert client.get("/organisations/RB1/").status_code == 404
    assert [line["user"] for line in audit_lines.events("sso_linked")] == [cast.lead_a.pk]
    [login] = audit_lines.events("login")
    assert login["detail"]["backend"] == "accounts.sso.IssuerSubjectBackend"


def test_later_sign_ins_follow_the_subject_not_the_email(cast: Cast, provider: Provider) -> None:
    sso_sign_in(provider, "cis2-0001", "lead.a@nhs.test")

    # The provider now gives the person another email: still the same account.
    again, _ = sso_sign_in(provider, "cis2-0001", "pat.renamed@nhs.test")

    assert signed_in_as(again) == cast.lead_a
    assert SignInIdentity.objects.count() == 1


def test_another_subject_claiming_a_linked_email_is_refused(
    cast: Cast, provider: Provider, audit_lines: AuditLines
) -> None:
    sso_sign_in(provider, "cis2-0001", "lead.a@nhs.test")

    intruder, done = sso_sign_in(provider, "cis2-9999", "lead.a@nhs.test")

    assert done["Location"] == "/accounts/login/?sso=failed"
    assert signed_in_as(intruder) is None
    assert SignInIdentity.objects.count() == 1
    assert audit_lines.events("login_failed")
    page = intruder.get("/accounts/login/?sso=failed")
    assert "Logging in with your NHS account did not work" in page.text


def test_a_new_person_gets_an_account_with_no_roles(cast: Cast, provider: Provider) -> None:
    client, _ = sso_sign_in(provider, "entra-42", "new.person@nhs.test")

    user = signed_in_as(client)
    assert user is not None
    assert user.email == "new.person@nhs.test"
    assert user.full_name == "Pat Example"
    assert not user.has_usable_password()
    assert organisations_visible_to(user).count() == 0


@pytest.mark.parametrize(
    ("forgery", "claims"),
    [
        ("signed by another key", {}),
        ("for another service", {"aud": "someone-else"}),
        ("from another issuer", {"iss": "https://evil.example"}),
    ],
)
def test_a_token_that_is_not_for_us_signs_no_one_in(
    cast: Cast, provider: Provider, forgery: str, claims: dict[str, str]
) -> None:
    if forgery == "signed by another key":
        provider.sign_with = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    client, done = sso_sign_in(provider, "cis2-0001", "lead.a@nhs.test", **claims)

    assert done.status_code in (302, 400), forgery  # refused: to the login page, or Bad Request
    assert signed_in_as(client) is None, forgery
    assert not SignInIdentity.objects.exists()


def test_the_login_page_offers_single_sign_on_only_when_it_is_set_up(
    registry: object, settings
) -> None:
    settings.OIDC_ENABLED = False
    assert Client().get("/accounts/sso/").status_code == 404
    assert "Log in with" not in Client().get("/accounts/login/").text

    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "NHS CIS2"
    assert "Log in with NHS CIS2" in Client().get("/accounts/login/").text
