"""Backup and restore (issue 12 item 9): the procedure README's "Backup and restore" gives,
run on the test database.

`pg_dump -Fc` of the test database, by the client binaries of the server's own major version,
then `pg_restore` into a scratch database this test creates and drops. The restored database
holds the same rows (a row count and a checksum of every table and view) and the same current
results — current runs, results, flags, decisions — read back by Django through a second
connection alias, with every migration recorded as applied.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from psycopg import sql

from accounts.models import User
from metrics.models.calculation import CurrentRun
from metrics.models.results import Flag, MetricResult
from segmentation.decisions import Judgement, decision_confirm, decision_record
from segmentation.models import SegmentDecision
from tests.conftest import Cast, Registry
from tests.metrics.results_data import Picture
from tests.segmentation.conftest import lead_a2, picture  # noqa: F401 - fixtures used below

pytestmark = pytest.mark.django_db(transaction=True)

RESTORED = "restored"
# Every table and view of the application's schema, as the catalogue lists them.
RELATIONS = """
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm') ORDER BY c.relname
"""


FINGERPRINT = sql.SQL(
    "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), ''))"
    " FROM {} t"
)


def server_binary(name: str) -> str:
    """pg_dump or pg_restore of the server's own major version: an older client refuses to
    dump a newer server, and Debian keeps each version's tools in /usr/lib/postgresql/N/bin."""
    major = connection.cursor().connection.info.server_version // 10000
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/{name}"), shutil.which(name)]
    for candidate in filter(None, candidates):
        out = subprocess.run(  # noqa: S603 - a PostgreSQL client binary, our own arguments
            [str(candidate), "--version"], capture_output=True, text=True, check=True
        ).stdout
        if out.split()[-1].split(".")[0] == str(major):
            return str(candidate)
    pytest.fail(f"no {name} of PostgreSQL {major} (install postgresql-client-{major})")


def url_of(database: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


def client_env() -> dict[str, str]:
    password = settings.DATABASES["default"].get("PASSWORD") or ""
    return {**os.environ, "PGPASSWORD": password} if password else dict(os.environ)


@contextmanager
def scratch_database() -> Iterator[str]:
    """A database of its own for the restore, dropped afterwards whatever happens."""
    name = f"{settings.DATABASES['default']['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def django_alias(alias: str, database: str) -> Iterator[BaseDatabaseWrapper]:
    """A second connection, as settings.DATABASES would make it, to `database`: the ORM reads
    it with `.using(alias)`. (Not added to the settings: pytest-django lets a test use a
    connection made during the test, but no configured alias the test did not declare.)"""
    config = {**connections.settings["default"], "NAME": database}
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections[alias]


def table_fingerprints(database: str) -> dict[str, tuple[int, str]]:
    """Each relation's row count and a checksum of its rows, whatever their physical order."""
    fingerprints = {}
    with psycopg.connect(url_of(database)) as conn:
        names = [row[0] for row in conn.execute(RELATIONS)]
        for name in names:
            row = conn.execute(FINGERPRINT.format(sql.Identifier(name))).fetchone()
            assert row is not None
            fingerprints[name] = (row[0], row[1])
    return fingerprints


def current_results(alias: str) -> dict[str, list[tuple]]:
    """What readers see as the quarters' results, read through Django on `alias`."""
    runs = sorted(CurrentRun.objects.using(alias).values_list("period_id", "edition_id", "run"))
    current = [run for _, _, run in runs]
    results = MetricResult.objects.using(alias).filter(run__in=current)
    flags = Flag.objects.using(alias).filter(run__in=current)
    return {
        "current runs": runs,
        "results": sorted(
            results.values_list(
                "run", "organisation", "metric", "value", "rank", "quartile", "score", "version"
            )
        ),
        "flags": sorted(
            (run, body, metric or 0, kind)
            for run, body, metric, kind in flags.values_list(
                "run", "organisation", "metric", "kind"
            )
        ),
        "decisions": sorted(
            SegmentDecision.objects.using(alias).values_list(
                "organisation", "period", "segment", "state", "rationale", "confirmed_by"
            )
        ),
    }


@pytest.fixture
def confirmed_decision(
    registry: Registry,
    cast: Cast,
    picture: Picture,  # noqa: F811 - the fixture imported above
    lead_a2: User,  # noqa: F811
) -> SegmentDecision:
    decision = decision_record(
        organisation=registry.trust_a1,
        period=picture.latest,
        segment=3,
        judgement=Judgement(rationale="Bottom quartile on A&E for two quarters."),
        user=cast.lead_a,
    )
    return decision_confirm(decision=decision, user=lead_a2)


def test_a_dump_restores_into_a_scratch_database_with_the_same_rows_and_results(
    confirmed_decision: SegmentDecision, tmp_path: Path
) -> None:
    source = settings.DATABASES["default"]["NAME"]
    before = table_fingerprints(source)
    results_before = current_results("default")
    assert all(results_before.values()), {k: len(v) for k, v in results_before.items()}
    assert results_before["decisions"][0][3] == "confirmed"

    dump = tmp_path / "oversight.dump"
    subprocess.run(  # noqa: S603 - a PostgreSQL client binary, our own arguments
        [server_binary("pg_dump"), "-Fc", "--no-owner", "-f", str(dump), url_of(source)],
        env=client_env(),
        check=True,
        capture_output=True,
    )
    assert dump.stat().st_size > 0
    with scratch_database() as scratch:
        restore = subprocess.run(  # noqa: S603
            [
                server_binary("pg_restore"),
                *("--no-owner", "--exit-on-error", "--single-transaction"),
                *("-d", url_of(scratch), str(dump)),
            ],
            env=client_env(),
            capture_output=True,
            text=True,
        )
        assert restore.returncode == 0, restore.stderr

        after = table_fingerprints(scratch)
        assert sorted(after) == sorted(before)
        differ = {
            name: (before[name], after[name]) for name in before if before[name] != after[name]
        }
        assert differ == {}
        assert sum(count for count, _ in after.values()) > 1000

        with django_alias(RESTORED, scratch) as restored:
            assert current_results(RESTORED) == results_before
            applied = MigrationRecorder(restored).applied_migrations()
            assert set(applied) == set(MigrationRecorder(connection).applied_migrations())
