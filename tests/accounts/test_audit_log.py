"""The audit log: one JSON line per security event, from accounts.audit.audit_log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.scope import role_grant
from metrics.catalogue.loading import load_builtin_catalogues
from tests.conftest import PASSWORD, AuditLines, Cast, Registry

pytestmark = pytest.mark.django_db

FIELDS = {"time", "event", "user", "ip", "path", "object", "outcome"}


def signed_in(user) -> Client:
    client = Client(REMOTE_ADDR="10.4.4.4")
    client.force_login(user)
    return client


def test_a_sign_in_is_one_line_with_every_field(cast: Cast, audit_lines: AuditLines) -> None:
    response = Client(REMOTE_ADDR="10.4.4.4").post(
        "/accounts/login/", {"username": "lead.a@nhs.test", "password": PASSWORD}
    )

    assert response.status_code == 302
    [line] = audit_lines.events("login")
    assert line.keys() >= FIELDS
    assert line["time"].endswith("+00:00")
    assert (line["user"], line["ip"], line["path"], line["outcome"]) == (
        cast.lead_a.pk,
        "10.4.4.4",
        "/accounts/login/",
        "success",
    )


def test_a_failed_sign_in_names_the_account_tried_never_the_password(
    cast: Cast, audit_lines: AuditLines
) -> None:
    Client().post("/accounts/login/", {"username": "lead.a@nhs.test", "password": "guess-123456"})

    [line] = audit_lines.lines
    assert (line["event"], line["outcome"], line["user"]) == ("login_failed", "failure", None)
    assert line["detail"] == {"username": "lead.a@nhs.test"}
    assert "guess-123456" not in json.dumps(audit_lines.lines)


@pytest.mark.parametrize("url", ["/organisations/RB1/", "/api/v1/organisations/RB1/"])
def test_out_of_scope_is_a_denial(cast: Cast, audit_lines: AuditLines, url: str) -> None:
    response = signed_in(cast.submitter).get(url)

    assert response.status_code == 404
    [line] = audit_lines.events("denied")
    assert (line["user"], line["ip"], line["path"], line["outcome"]) == (
        cast.submitter.pk,
        "10.4.4.4",
        url,
        "not_found",
    )
    assert line["detail"] == {"method": "GET", "status": 404}


def test_an_anonymous_404_is_not_a_denial_but_a_refused_api_call_is(
    registry: Registry, audit_lines: AuditLines
) -> None:
    assert Client().get("/no-such-page/").status_code == 404
    assert APIClient().get("/api/v1/organisations/").status_code in (401, 403)

    assert [(line["path"], line["user"]) for line in audit_lines.events("denied")] == [
        ("/api/v1/organisations/", None)
    ]


def test_a_download_is_an_export(cast: Cast, audit_lines: AuditLines) -> None:
    load_builtin_catalogues()

    response = signed_in(cast.submitter).get("/catalogue/sof-2021-22/catalogue.csv")

    assert response.status_code == 200
    [line] = audit_lines.events("export")
    assert (line["user"], line["object"]) == (cast.submitter.pk, "sof-2021-22-catalogue-v1.csv")


def test_every_audit_record_is_a_line_too(cast: Cast, audit_lines: AuditLines) -> None:
    role_grant(user=cast.outsider, role=Role.OBSERVER, node=None, granted_by=cast.national)

    [line] = audit_lines.events("role_granted")
    event = AuditEvent.objects.get(action="role_granted", subject=cast.outsider)
    assert line["user"] == cast.national.pk
    assert line["object"] == f"user:{cast.outsider.pk}"
    assert line["detail"]["audit_event"] == event.pk
    assert line["detail"]["change"] == event.detail


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_the_deployment_writes_the_lines_to_its_stream_and_to_the_audit_file(
    tmp_path: Path, stream: str
) -> None:
    """The settings as a deployment loads them, in a process of their own."""
    audit_file = tmp_path / "audit.jsonl"
    env = {
        **os.environ,
        "OVERSIGHT_ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "a-test-key-" + "x" * 50,
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "unused.sqlite3"),
        "AUDIT_LOG_FILE": str(audit_file),
        "AUDIT_LOG_STREAM": stream,
    }
    probe = "from accounts.audit import audit_log; audit_log('probe', obj='x', n=1)"
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", probe],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    output = {"stdout": done.stdout, "stderr": done.stderr}
    assert output.pop({"stdout": "stderr", "stderr": "stdout"}[stream]).strip() == ""
    [printed] = [json.loads(line) for line in output[stream].splitlines()]
    [written] = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert printed == written
    assert {k: written[k] for k in ("event", "user", "ip", "path", "object", "outcome")} == {
        "event": "probe",
        "user": None,
        "ip": None,
        "path": None,
        "object": "x",
        "outcome": "success",
    }
    assert written["detail"] == {"n": 1}
