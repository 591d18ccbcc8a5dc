"""The role policy is one table: the README prints it, the app shows it, the code decides by it."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.roles import OPERATIONS, REVIEW_RETURN, Role, may, policy_markdown, roles_with
from tests.conftest import Cast

README = Path(settings.BASE_DIR) / "README.md"
SECTION = re.compile(r"<!-- role-policy:[^>]*-->\n(.*?)<!-- /role-policy -->", re.S)


def test_the_readme_prints_the_codes_table() -> None:
    found = SECTION.search(README.read_text())
    assert found, "README.md has lost its role-policy section"
    assert found.group(1) == policy_markdown(), "run `manage.py role_policy` into README.md"


def test_the_command_prints_the_same_table() -> None:
    out = StringIO()
    call_command("role_policy", stdout=out)
    assert out.getvalue() == policy_markdown()


def test_analysts_accept_and_send_back_but_leads_decide() -> None:
    """The decision README "Who may do what" explains."""
    assert set(roles_with(REVIEW_RETURN)) == {
        Role.NATIONAL_ADMIN,
        Role.NATIONAL_ANALYST,
        Role.REGIONAL_LEAD,
        Role.REGIONAL_ANALYST,
    }
    decided = [op for op in OPERATIONS if op.name.startswith("Record a segment")]
    assert len(decided) == 1
    assert not may(Role.REGIONAL_ANALYST, decided[0].action)
    assert may(Role.REGIONAL_LEAD, decided[0].action)


@pytest.mark.django_db
def test_everyone_signed_in_sees_the_table_and_no_one_else(cast: Cast) -> None:
    assert Client().get("/roles/").status_code == 302
    client = Client()
    client.force_login(cast.outsider)
    page = client.get("/roles/").content.decode()
    rows = re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', page, re.S)
    assert len(rows) == 1 + len(OPERATIONS)
    accept = next(row for row in rows if "Accept a return" in row)
    cells = re.findall(r'<td class="nhsuk-table__cell">(Yes|No)</td>', accept)
    assert cells == ["Yes" if may(role, REVIEW_RETURN) else "No" for role in Role.values]
