"""The operators' bootstrap commands: `grant_role EMAIL ROLE SCOPE_CODE` and `api_token`."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditEvent, RoleAssignment, User
from accounts.roles import Level, Role
from accounts.scope import organisations_visible_to
from tests.conftest import Cast, Registry, password_login

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


# --- grant_role --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "code", "level", "label", "visible"),
    [
        (Role.NATIONAL_ADMIN, "national", Level.NATIONAL, "England", 8),
        (Role.NATIONAL_ANALYST, "NATIONAL", Level.NATIONAL, "England", 8),
        (Role.REGIONAL_LEAD, "Y91", Level.REGION, "Region A", 6),
        (Role.ICS_LEAD, "qa1", Level.SYSTEM, "System A1", 4),
        (Role.SID, "QA2", Level.SYSTEM, "System A2", 2),
        (Role.ORGANISATION_SUBMITTER, "RA1", Level.ORGANISATION, "Trust A1", 1),
        (Role.OBSERVER, "Y92", Level.REGION, "Region B", 2),
    ],
)
def test_grant_role_creates_the_user_with_the_role_over_the_scope(
    registry: Registry, role: str, code: str, level: Level, label: str, visible: int
) -> None:
    output = run("grant_role", "New.Person@NHS.test", role, code)

    user = User.objects.get(email="new.person@nhs.test")
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.level, assignment.scope_name) == (role, level, label)
    assert output == f"Created user and granted: new.person@nhs.test · {Role(role).label} · {label}"
    assert not user.has_usable_password()  # no password until one is set or reset
    assert organisations_visible_to(user).count() == visible


def test_grant_role_to_an_existing_user_adds_a_role_once(cast: Cast, registry: Registry) -> None:
    output = run("grant_role", "lead.a@nhs.test", Role.OBSERVER, "Y92")
    run("grant_role", "lead.a@nhs.test", Role.OBSERVER, "Y92")

    assert output == "Granted: lead.a@nhs.test · Read-only observer · Region B"
    assert User.objects.filter(email="lead.a@nhs.test").count() == 1
    assert sorted(cast.lead_a.role_assignments.values_list("role", flat=True)) == [
        Role.OBSERVER,
        Role.REGIONAL_LEAD,
    ]
    assert organisations_visible_to(cast.lead_a).count() == 8
    assert cast.lead_a.check_password("correct-horse-battery")  # left as it was


@pytest.mark.parametrize(
    ("role", "code", "message"),
    [
        (Role.REGIONAL_LEAD, "RA1", "Regional lead is held over a region, not over an organ"),
        (Role.NATIONAL_ADMIN, "Y91", "admin is held over the whole of England, not over a region"),
        (Role.ORGANISATION_SUBMITTER, "national", "over an organisation, not over the whole of"),
        (Role.ICS_LEAD, "Y91", "The role ICS lead is held over an ICS, not over a region"),
    ],
)
def test_grant_role_at_the_wrong_level_is_refused_and_creates_nobody(
    registry: Registry, role: str, code: str, message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run("grant_role", "wrong.level@nhs.test", role, code)

    assert not User.objects.filter(email="wrong.level@nhs.test").exists()
    assert not RoleAssignment.objects.exists()


def test_grant_role_with_an_unknown_code_is_refused(registry: Registry) -> None:
    with pytest.raises(CommandError) as caught:
        run("grant_role", "someone@nhs.test", Role.REGIONAL_LEAD, "Y99")

    assert str(caught.value) == "No region, ICS or organisation has the ODS code 'Y99'"
    assert not User.objects.exists()


def test_grant_role_with_an_unknown_role_is_refused(registry: Registry) -> None:
    with pytest.raises(CommandError, match="invalid choice: 'boss'"):
        run("grant_role", "someone@nhs.test", "boss", "Y91")


def test_grant_role_password_lets_the_user_log_in(registry: Registry) -> None:
    run("grant_role", "lead@nhs.test", Role.REGIONAL_LEAD, "Y91", "--password", "a-long-passphrase")

    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "lead@nhs.test", "password": "a-long-passphrase"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/organisations/regions/Y91/").status_code == 200
    assert client.get("/organisations/regions/Y92/").status_code == 404


def test_grant_role_password_resets_an_existing_users_password(cast: Cast) -> None:
    run("grant_role", "lead.a@nhs.test", Role.REGIONAL_LEAD, "Y91", "--password", "new-passphrase")

    cast.lead_a.refresh_from_db()
    assert cast.lead_a.check_password("new-passphrase")
    assert cast.lead_a.role_assignments.count() == 1


def test_a_user_without_a_password_cannot_log_in(registry: Registry) -> None:
    run("grant_role", "nopass@nhs.test", Role.REGIONAL_LEAD, "Y91")

    response = Client().post("/accounts/login/", {"username": "nopass@nhs.test", "password": ""})
    assert response.status_code == 200
    assert not password_login(Client(), "nopass@nhs.test", "anything")


# --- api_token ---------------------------------------------------------------------------------


def refused(response: Response, detail: str = "Invalid token.") -> bool:
    # 401 with a challenge: token authentication is listed first in settings.
    return (
        response.status_code == 401
        and response.data == {"detail": detail}
        and response["WWW-Authenticate"] == "Token"
    )


def test_api_token_issue_prints_a_key_that_authenticates_within_the_users_scope(
    cast: Cast,
) -> None:
    key = run("api_token", "issue", "submitter.a1@nhs.test", "--name", "warehouse")

    token = ApiToken.objects.get(user=cast.submitter)
    assert len(key) == 48
    assert (token.prefix, token.name) == (key[:8], "warehouse")
    assert key not in token.digest  # only its digest is stored
    assert token.expires_at.date() == (timezone.now() + timedelta(days=90)).date()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 200
    assert [o["ods_code"] for o in response.json()["results"]] == ["RA1"]
    assert client.get("/api/v1/organisations/RA2/").status_code == 404


def test_a_regional_token_sees_the_region(cast: Cast) -> None:
    key = run("api_token", "issue", "LEAD.A@nhs.test")  # the email in any case

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    codes = {o["ods_code"] for o in client.get("/api/v1/organisations/").json()["results"]}
    assert codes == {"QA1", "QA2", "RA1", "RA2", "RA3", "0A1"}


def test_api_token_list_and_revoke(cast: Cast) -> None:
    first = run("api_token", "issue", "submitter.a1@nhs.test", "--days", "7")
    second = run("api_token", "issue", "submitter.a1@nhs.test")

    assert (
        run("api_token", "revoke", first[:8] + "…")
        == f"Revoked {first[:8]}… of submitter.a1@nhs.test"
    )

    listing = run("api_token", "list", "submitter.a1@nhs.test").splitlines()
    assert [line.split()[:3] for line in listing] == [
        [second[:8], "submitter.a1@nhs.test", "Active"],
        [first[:8], "submitter.a1@nhs.test", "Revoked"],
    ]
    old, new = APIClient(), APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    new.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert old.get("/api/v1/organisations/").status_code == 401
    assert new.get("/api/v1/organisations/").status_code == 200
    assert AuditEvent.objects.filter(action="token_revoked", subject=cast.submitter).count() == 1


def test_a_wrong_token_is_refused(cast: Cast) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 48)
    assert refused(client.get("/api/v1/organisations/"))


def test_api_token_for_an_unknown_email_is_refused(registry: Registry) -> None:
    with pytest.raises(CommandError) as caught:
        run("api_token", "issue", "nobody@nhs.test")

    assert str(caught.value) == "No user has the email nobody@nhs.test; grant them a role first"
    assert not ApiToken.objects.exists()


def test_login_email_is_case_insensitive(registry: Registry) -> None:
    run("grant_role", "Mixed.Case@nhs.test", Role.OBSERVER, "Y91", "--password", "a-long-password")
    assert password_login(Client(), "MIXED.case@NHS.test", "a-long-password")
