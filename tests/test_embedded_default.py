"""Smoke test of the embedded default that `make demo` uses: SQLite, Celery eager, no services.

Runs `manage.py migrate` and `manage.py demo_data` in a subprocess, as the Makefile does, on a
throwaway SQLite file: the registry has the real shape, a login per role is printed, and a
second run succeeds and changes nothing in the database.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ODS_2022 = REPO.parent / "shared" / "data" / "ods-2022"
ROLES = (
    "National admin",
    "National analyst",
    "Regional lead",
    "Regional analyst",
    "ICS lead",
    "Organisation submitter",
    "Organisation approver",
    "System Improvement Director",
    "Read-only observer",
)


def manage(database: Path, *args: str) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_"))
    }
    env |= {
        # The development profile `make demo` writes to .env.local, given here directly.
        "DEBUG": "true",
        "SECRET_KEY": "tests-only-never-used-outside-the-test-suite",
        "OVERSIGHT_ENV_FILE": "",
        "DATABASE_URL": f"sqlite:///{database}",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DEMO_HISTORY_YEARS": "1",  # the full five years is `make demo`'s; one keeps this quick
    }
    done = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def dump(database: Path) -> list[str]:
    """Every row of every table. Not sqlite_sequence: an id allocator that INSERT OR IGNORE
    (Django's idempotent many-to-many add) advances even when it inserts nothing."""
    with sqlite3.connect(database) as connection:
        return [line for line in connection.iterdump() if '"sqlite_sequence"' not in line]


def count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("embedded") / "migrated.sqlite3"
    manage(database, "migrate", "--noinput", "-v0")
    return database


@pytest.fixture
def database(migrated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo.sqlite3"
    shutil.copy(migrated, copy)
    return copy


def check_demo(database: Path, output: str) -> None:
    assert re.search(r"Registry holds 7 regions, 42 ICSs, 106 CCGs, 215 trusts", output)
    assert count(database, "SELECT count(*) FROM oversight_region") == 7
    assert count(database, "SELECT count(*) FROM oversight_system") == 42
    kinds = "SELECT count(*) FROM oversight_organisation WHERE kind = '{}'"
    assert count(database, kinds.format("ccg")) == 106
    assert count(database, kinds.format("trust")) == 215
    logins = output[output.index("Demo logins") :]
    for role in ROLES:
        assert re.search(rf"^  {role} +\S+@\S+ +oversight-demo +\S", logins, re.M), role
    assert "North West (Y62)" in logins


def test_demo_on_the_embedded_default_is_synthetic_and_idempotent(database: Path) -> None:
    first = manage(database, "demo_data")
    assert "Synthetic registry" in first
    check_demo(database, first)
    trusts = "SELECT sector, count(*) FROM oversight_organisation WHERE kind = 'trust' GROUP BY 1"
    with sqlite3.connect(database) as connection:
        sectors = dict(connection.execute(trusts).fetchall())
    assert sectors == {
        "acute": 134,
        "mental_health": 48,
        "community": 7,
        "ambulance": 10,
        "specialist": 16,
    }
    checked = manage(database, "check_series")
    assert "The held series match the accepted versions." in checked
    before = dump(database)

    second = manage(database, "demo_data")
    check_demo(database, second)
    assert "unchanged" in second
    assert dump(database) == before


@pytest.mark.skipif(not ODS_2022.is_dir(), reason=f"no ODS files at {ODS_2022}")
def test_demo_with_the_real_ods_files(database: Path) -> None:
    first = manage(database, "demo_data", "--ods", str(ODS_2022))
    assert "Registry from the ODS files" in first
    check_demo(database, first)
    assert "Manchester University NHS Foundation Trust (R0A)" in first
    before = dump(database)
    manage(database, "demo_data", "--ods", str(ODS_2022))
    assert dump(database) == before
