"""The full stack as docker-compose.yml and the Dockerfile describe it, and the production profile
of the settings. Docker itself is not needed: the files are read, and what can be run without it
(`check --deploy`, gunicorn answering the compose healthcheck) is run."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import pytest
import yaml
from django.conf import settings
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
APP_SERVICES = ("web", "calculation-worker", "worker", "beat")
PRODUCTION_HOST = "oversight.example.nhs.uk"


def interpolate(value: str) -> str:
    """What Compose makes of `${NAME:-default}` and `${NAME:?error}` with an empty .env."""

    def one(match: re.Match[str]) -> str:
        name, operator, rest = match.groups()
        if operator == ":?":
            return {"SECRET_KEY": "s" * 50}.get(name, f"<{name}>")
        return rest or ""

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, value)


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each Dockerfile instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), " ".join(arguments.split())))
    return instructions


# --- docker-compose.yml ------------------------------------------------------------------------


def test_the_stack_has_its_six_services_and_a_one_shot_migrate() -> None:
    assert set(SERVICES) == {"db", "redis", "migrate", *APP_SERVICES}
    assert SERVICES["db"]["image"] == "postgres:15"
    assert SERVICES["redis"]["image"] == "redis:7"
    for name in (*APP_SERVICES, "migrate"):
        assert SERVICES[name]["build"] == "."
        assert SERVICES[name]["image"] == "oversight:latest"  # one image, built once


def test_each_app_service_runs_its_command() -> None:
    assert SERVICES["web"]["command"][:2] == ["gunicorn", "oversight.wsgi:application"]
    assert "0.0.0.0:8000" in SERVICES["web"]["command"]
    worker = ["celery", "-A", "oversight", "worker"]
    assert SERVICES["calculation-worker"]["command"] == [*worker, "-Q", "calculation", "-l", "info"]
    assert SERVICES["worker"]["command"] == [*worker, "-Q", "celery", "-l", "info"]
    assert SERVICES["beat"]["command"][:6] == ["celery", "-A", "oversight", "beat", "-l", "info"]
    assert SERVICES["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["web"]["ports"] == ["${WEB_PORT:-8000}:8000"]


def test_the_two_workers_consume_every_queue_between_them() -> None:
    consumed = []
    for name in ("calculation-worker", "worker"):
        command = SERVICES[name]["command"]
        consumed += command[command.index("-Q") + 1].split(",")
    assert sorted(consumed) == sorted(queue.name for queue in settings.CELERY_TASK_QUEUES)


def test_health_checks() -> None:
    db = SERVICES["db"]["healthcheck"]["test"]
    assert db[0] == "CMD-SHELL"
    assert db[1].startswith("pg_isready")
    assert SERVICES["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    web = SERVICES["web"]["healthcheck"]["test"]
    assert web[:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/healthz" in web[3]
    assert resolve("/healthz").url_name == "healthz"


def test_web_the_workers_and_beat_share_one_environment() -> None:
    environments = [SERVICES[name]["environment"] for name in (*APP_SERVICES, "migrate")]
    assert all(env == environments[0] for env in environments)
    env = {name: interpolate(str(value)) for name, value in environments[0].items()}
    assert env["DEBUG"] == "false"
    assert env["CELERY_TASK_ALWAYS_EAGER"] == "false"
    assert env["ALLOWED_HOSTS"]
    assert env["MEDIA_ROOT"] == "/var/lib/oversight/media"
    # The secret must come from outside; Compose refuses to start without it.
    assert environments[0]["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_the_shared_environment_points_at_the_db_and_redis_services() -> None:
    env = {k: interpolate(str(v)) for k, v in SERVICES["web"]["environment"].items()}
    database = dj_database_url.parse(env["DATABASE_URL"])
    db = {k: interpolate(v) for k, v in SERVICES["db"]["environment"].items()}
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"]) == ("db", 5432)
    assert database["NAME"] == db["POSTGRES_DB"]
    assert database["USER"] == db["POSTGRES_USER"]
    assert database["PASSWORD"] == db["POSTGRES_PASSWORD"]
    assert "${POSTGRES_PASSWORD:-oversight}" in SERVICES["web"]["environment"]["DATABASE_URL"]
    broker = urlsplit(env["CELERY_BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)


def test_volumes_keep_the_data() -> None:
    assert set(COMPOSE["volumes"]) == {"pgdata", "redisdata", "media"}
    assert SERVICES["db"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert SERVICES["redis"]["volumes"] == ["redisdata:/data"]
    for name in (*APP_SERVICES, "migrate"):
        assert SERVICES[name]["volumes"] == ["media:/var/lib/oversight/media"]


def test_app_services_wait_for_healthy_services_and_migrations() -> None:
    expected = {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert APP_SERVICES
    for name in APP_SERVICES:
        assert SERVICES[name]["depends_on"] == expected, name
    assert SERVICES["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}


# --- Dockerfile and .dockerignore --------------------------------------------------------------


def test_the_dockerfile_builds_the_frontend_then_the_python_app() -> None:
    steps = dockerfile()
    stages = [arguments for keyword, arguments in steps if keyword == "FROM"]
    assert stages == ["node:20-slim AS frontend", "python:3.11-slim AS app"]
    runs = " ".join(arguments for keyword, arguments in steps if keyword == "RUN")
    assert "npm ci" in runs
    assert "npm run build" in runs
    assert "pip install -r /tmp/requirements.txt" in runs  # the pins of pyproject.toml
    assert "pip install --no-deps -e ." in runs
    assert "manage.py collectstatic --noinput" in runs
    copies = [arguments for keyword, arguments in steps if keyword == "COPY"]
    assert "--from=frontend /build/static/vendor static/vendor" in copies
    environment = " ".join(arguments for keyword, arguments in steps if keyword == "ENV")
    assert "SECRET_KEY" not in environment  # never baked into the image


def test_the_image_runs_gunicorn_as_a_user_who_is_not_root() -> None:
    steps = dockerfile()
    users = [arguments for keyword, arguments in steps if keyword == "USER"]
    assert users == ["oversight"]
    [cmd] = [json.loads(arguments) for keyword, arguments in steps if keyword == "CMD"]
    assert cmd == SERVICES["web"]["command"]
    assert not [keyword for keyword, _ in steps if keyword == "ENTRYPOINT"]


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    ignored = {
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()
    }
    assert {".env", ".git/", ".venv/", "node_modules/", "db.sqlite3", "staticfiles/"} <= ignored


# --- the production profile --------------------------------------------------------------------


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' (Playwright's loop), never production's.
        if not k.startswith(("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_", "DJANGO_ALLOW"))
    }
    env.update(
        OVERSIGHT_ENV_FILE="",  # never a developer's .env.local
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=PRODUCTION_HOST,
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oversight"),
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_without_warnings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNINGS" not in result.stderr


def test_check_deploy_does_fail_on_a_weak_secret_key() -> None:
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(SECRET_KEY="short")
    )

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50) + "\n")
    env = production_env(SECRET_KEY_FILE=str(key_file))
    del env["SECRET_KEY"]

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stderr


def test_production_without_a_secret_key_fails_loudly() -> None:
    env = production_env()
    del env["SECRET_KEY"]

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set in production" in result.stderr


# --- without environment: the production profile, and nothing starts without its secrets ------


def bare_env(**values: str) -> dict[str, str]:
    """Only what a process needs to run at all, and the values given."""
    return {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(ROOT)), **values}


SHOW_PROFILE = (
    "from django.conf import settings; "
    "print(settings.DEBUG, settings.CELERY_TASK_ALWAYS_EAGER, settings.ALLOWED_HOSTS)"
)


def test_without_environment_oversight_refuses_to_start_naming_what_is_missing(
    tmp_path: Path,
) -> None:
    nothing = manage("check", env=bare_env(OVERSIGHT_ENV_FILE=""))
    assert nothing.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set in production" in nothing.stderr

    no_database = manage("check", env=bare_env(OVERSIGHT_ENV_FILE="", SECRET_KEY="k" * 50))
    assert no_database.returncode != 0
    assert "DATABASE_URL must be set" in no_database.stderr


def test_without_environment_the_settings_are_the_production_profile(tmp_path: Path) -> None:
    required = {
        "OVERSIGHT_ENV_FILE": "",
        "SECRET_KEY": "k" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = manage("shell", "-c", SHOW_PROFILE, env=bare_env(**required))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False []"


def test_the_local_env_file_fills_in_what_the_environment_leaves_unset(tmp_path: Path) -> None:
    """What `make demo` writes (.env.local): the development profile for manage.py, with the
    environment still winning where it speaks."""
    local = tmp_path / ".env.local"
    local.write_text(
        "# the development profile\n"
        "DEBUG=true\n"
        f"SECRET_KEY={'d' * 50}\n"
        f"DATABASE_URL=sqlite:///{tmp_path / 'db.sqlite3'}\n"
        "CELERY_TASK_ALWAYS_EAGER=true\n"
    )
    env = bare_env(OVERSIGHT_ENV_FILE=str(local), CELERY_TASK_ALWAYS_EAGER="false")

    result = manage("shell", "-c", SHOW_PROFILE, env=env)

    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip().splitlines()[-1]
        == "True False ['127.0.0.1', 'localhost', 'testserver']"
    )


def test_the_makefile_writes_the_local_env_file_for_the_demo_and_git_ignores_it() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "demo: static $(LOCAL_ENV)" in makefile
    assert "LOCAL_ENV := .env.local" in makefile
    assert ".env.local" in (ROOT / ".gitignore").read_text().splitlines()


# --- gunicorn answers the compose healthcheck under production settings ------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def gunicorn(django_db_setup: None) -> Iterator[int]:
    """gunicorn serving the production profile on the test database; yields its port."""
    port = free_port()
    test_database = settings.DATABASES["default"]["NAME"]
    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    if not url.scheme.startswith("postgres"):
        pytest.skip("needs DATABASE_URL on PostgreSQL (make test sets it)")
    env = production_env(DATABASE_URL=url._replace(path=f"/{test_database}").geturl())
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                *(sys.executable, "-m", "gunicorn", "oversight.wsgi:application"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not answers(port):
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    server.wait()
                    log.seek(0)
                    pytest.fail(f"gunicorn did not start:\n{log.read()}", pytrace=False)
                time.sleep(0.2)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=15)


def answers(port: int) -> bool:
    """Whether the app itself answers: gunicorn's master listens before its worker has loaded
    Django, so an open port is not yet a server (compose's start_period is for that boot)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            connection.sendall(b"HEAD / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return connection.recv(12).startswith(b"HTTP/")
    except OSError:
        return False


def healthcheck(port: int, script: str | None = None) -> subprocess.CompletedProcess[str]:
    script = script or SERVICES["web"]["healthcheck"]["test"][3]
    return subprocess.run(  # noqa: S603 - our own interpreter and the compose file's script
        [sys.executable, "-c", script.replace("127.0.0.1:8000", f"127.0.0.1:{port}")],
        env={**os.environ, "ALLOWED_HOSTS": f".{PRODUCTION_HOST},*"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_web_healthcheck_passes_against_production_settings(gunicorn: int) -> None:
    result = healthcheck(gunicorn)

    assert result.returncode == 0, result.stderr


def test_without_its_headers_the_healthcheck_would_fail(gunicorn: int) -> None:
    bare = "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:8000/healthz')\n"

    result = healthcheck(gunicorn, bare)

    assert result.returncode != 0  # a disallowed host, then a redirect to HTTPS
