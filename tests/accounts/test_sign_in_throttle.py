"""Sign-in throttling (django-axes) on the login page and the admin site, keyed on the account
and the client's address; and the admin site for staff national admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests.conftest import PASSWORD, AuditLines, Cast

pytestmark = pytest.mark.django_db

LOCKED = "Too many attempts to log in"


def sign_in(email: str, password: str, ip: str = "10.2.2.2", url: str = "/accounts/login/"):
    return Client(REMOTE_ADDR=ip).post(url, {"username": email, "password": password})


def fail_until_locked(email: str, limit: int, url: str = "/accounts/login/") -> list[int]:
    return [sign_in(email, "wrong-password-123", url=url).status_code for _ in range(limit)]


def test_failures_lock_the_account_from_that_address_for_the_cool_off(
    cast: Cast, settings, audit_lines: AuditLines
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    assert (limit, settings.AXES_COOLOFF_MINUTES) == (5, 15)

    statuses = fail_until_locked("Lead.A@nhs.test", limit)  # the email in any case counts
    locked = sign_in("lead.a@nhs.test", PASSWORD)  # even the right password

    assert statuses == [200] * (limit - 1) + [429]
    assert locked.status_code == 429
    assert LOCKED in locked.text
    assert "Try again 15 minutes after the last attempt" in locked.text
    assert "_auth_user_id" not in locked.client.session
    # Keyed on the pair: the same account from elsewhere, another account from here.
    assert sign_in("lead.a@nhs.test", PASSWORD, ip="10.3.3.3").status_code == 302
    assert sign_in("lead.b@nhs.test", PASSWORD).status_code == 302
    failed = audit_lines.events("login_failed")
    assert [(line["ip"], line["detail"]["username"]) for line in failed[:limit]] == [
        ("10.2.2.2", "Lead.A@nhs.test")
    ] + [("10.2.2.2", "Lead.A@nhs.test")] * (limit - 1)
    assert [line["outcome"] for line in audit_lines.events("locked_out")][:1] == ["refused"]

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in("lead.a@nhs.test", PASSWORD).status_code == 302


def test_a_success_before_the_limit_clears_the_count(cast: Cast, settings) -> None:
    fail_until_locked("lead.a@nhs.test", settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in("lead.a@nhs.test", PASSWORD).status_code == 302
    assert sign_in("lead.a@nhs.test", "wrong-password-123").status_code == 200  # not locked


def staff(user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def admin_answer(user: User) -> int:
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200 or response["Location"].startswith("/admin/login/")
    return response.status_code


def test_the_admin_site_is_for_staff_national_admins_only(cast: Cast) -> None:
    assert admin_answer(cast.national) == 302  # a national admin, not staff
    assert admin_answer(staff(cast.lead_a)) == 302  # staff, not a national admin
    assert admin_answer(staff(cast.national)) == 200


def test_the_admin_sign_in_is_throttled_the_same_way(cast: Cast, settings) -> None:
    staff(cast.national)
    limit = settings.AXES_FAILURE_LIMIT

    statuses = fail_until_locked("national@nhs.test", limit, url="/admin/login/")
    locked = sign_in("national@nhs.test", PASSWORD, url="/admin/login/")

    assert statuses == [200] * (limit - 1) + [429]
    assert locked.status_code == 429
    assert LOCKED in locked.text
    # ...and counts with the service's own sign-in: one account, one address.
    assert sign_in("national@nhs.test", PASSWORD).status_code == 429
