"""Password rules as the NCSC advises: long, not common, not the user's own details, and no
composition rules. The demo's password and the tests' still pass."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from accounts.roles import Role
from tests.conftest import PASSWORD, Registry


@pytest.mark.parametrize(
    "password",
    [DEMO_PASSWORD, PASSWORD, "lowercase only words", "123456789012", "NOSPACESORSYMBOLS"],
)
def test_a_long_uncommon_password_is_enough(password: str) -> None:
    validate_password(password)  # no composition rules: no digit, symbol or case required


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("eleven-char", "at least 12 characters"),
        ("password1234", "too common"),
        ("qwertyuiop123", "too common"),
    ],
)
def test_a_short_or_common_password_is_refused(password: str, why: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert why in " ".join(refused.value.messages)


def test_a_password_like_the_users_email_is_refused() -> None:
    with pytest.raises(ValidationError, match="too similar"):
        validate_password("regional.lead.a", User(email="regional.lead.a@nhs.test"))


def test_the_demo_password_is_what_the_demo_users_share() -> None:
    assert DEMO_PASSWORD == "oversight-demo"


@pytest.mark.django_db
def test_grant_role_refuses_a_weak_password_and_creates_no_one(registry: Registry) -> None:
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("grant_role", "new@nhs.test", Role.REGIONAL_LEAD, "Y91", "--password", "short")
    assert not User.objects.filter(email="new@nhs.test").exists()
