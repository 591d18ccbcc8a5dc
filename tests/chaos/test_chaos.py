"""Chaos: the services fail under the app, and nothing is lost or done twice.

(a) Redis stops during an acceptance: the acceptance commits, its run waits pending; once Redis
    is back the sweeper sends it and the worker does it exactly once.
(b) The worker is killed (SIGKILL) in the middle of a run: the unacknowledged message is
    delivered again (acks_late, a short visibility timeout) to a new worker, which does the run
    again from the start, with the results a clean run gives.
(c) PostgreSQL restarts under the app (gunicorn): meanwhile requests fail cleanly (503, no
    traceback), and afterwards the same app answers again, without a restart.

Every service broken here is our own child process (``services.py``), stopped by its pid: a
redis-server and a PostgreSQL cluster on free ports, Celery workers and gunicorn pointed at
them. The machine's shared Redis and PostgreSQL are never touched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection

from accounts.models import User
from accounts.roles import Role
from accounts.scope import role_grant
from metrics.calculation.runs import run_calculation
from metrics.models.calculation import CalculationRun, CurrentRun, RunStatus
from metrics.models.results import MetricResult
from metrics.models.returns import Return, ReturnState
from tests.chaos.services import ROOT, OwnApp, OwnPostgres, OwnRedis, OwnWorker
from tests.factories import UserFactory
from tests.metrics.calculation.support import National, build_trusts, submit

pytestmark = [pytest.mark.chaos, pytest.mark.django_db(transaction=True)]


def child_database_url() -> str:
    """The pytest-django test database, as a URL for our child processes."""
    url = urlsplit(os.environ["DATABASE_URL"])
    if not url.scheme.startswith("postgres"):
        pytest.fail("the chaos tests need DATABASE_URL on PostgreSQL (make test sets it)")
    return url._replace(path=f"/{connection.settings_dict['NAME']}").geturl()


class Acceptance:
    """The national world of the calculation tests, plus one return awaiting acceptance."""

    def __init__(self) -> None:
        self.world = National()
        self.trust = build_trusts(1, prefix="RCH")[0]
        submit(
            self.trust,
            self.world.period,
            self.world.edition,
            {self.world.higher: 12.5},
            accept=False,
        )
        self.record = Return.objects.get(organisation=self.trust)
        Return.objects.filter(pk=self.record.pk).update(state=ReturnState.SIGNED_OFF)
        self.lead = cast(User, UserFactory(email="national.chaos@nhs.test"))
        role_grant(user=self.lead, role=Role.NATIONAL_ADMIN, node=None)


def in_the_app(code: str, broker: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a process of the app (manage.py shell), on the test database and broker."""
    env = {
        **os.environ,
        "DATABASE_URL": child_database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def accept(acceptance: Acceptance, broker: str) -> subprocess.CompletedProcess[str]:
    return in_the_app(
        "from accounts.models import User\n"
        "from metrics.models import Return\n"
        "from metrics.returns.review import return_accept\n"
        f"record = Return.objects.get(pk={acceptance.record.pk})\n"
        f"user = User.objects.get(pk={acceptance.lead.pk})\n"
        "print(return_accept(return_record=record, user=user).return_record.state)\n",
        broker,
    )


def sweep(broker: str) -> list[int]:
    """The beat's sweeper, as it runs every minute (here: anything pending is overdue)."""
    done = in_the_app(
        "from datetime import timedelta\n"
        "from metrics.calculation.runs import calculation_sweep\n"
        "sent = calculation_sweep(pending_after=timedelta(0), running_after=timedelta(minutes=5))\n"
        "print(sent)\n",
        broker,
    )
    assert done.returncode == 0, done.stderr
    return [int(n) for n in done.stdout.strip().splitlines()[-1].strip("[]").split(",") if n]


def wait_for(run_id: int, status: str, worker: OwnWorker, timeout: float = 60) -> CalculationRun:
    deadline = time.monotonic() + timeout
    while True:
        run = CalculationRun.objects.get(pk=run_id)
        if run.status == status:
            return run
        assert time.monotonic() < deadline, f"run {run_id} is {run.status}:\n{worker.output()}"
        time.sleep(0.1)


def current_results(period_id: int) -> list[tuple[object, ...]]:
    fields = ("organisation_id", "metric_id", "value", "rank", "quartile", "score")
    results = MetricResult.objects.current().filter(period_id=period_id)
    return sorted(results.values_list(*fields))


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def worker_on(tmp_path: Path, broker: str, **env: str) -> OwnWorker:
    worker = OwnWorker(tmp_path, broker=broker, database=child_database_url(), **env)
    worker.start()
    return worker


def test_redis_stopped_during_an_acceptance(tmp_path: Path, own_redis: OwnRedis) -> None:
    worker = worker_on(tmp_path, own_redis.url)
    try:
        acceptance = Acceptance()
        own_redis.stop()  # by its pid: our redis-server, not the machine's

        started = time.monotonic()
        done = accept(acceptance, own_redis.url)
        seconds = time.monotonic() - started

        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.strip().endswith("accepted")
        assert "stays pending: the broker is unreachable" in done.stderr
        assert seconds < 30, f"the acceptance waited {seconds:.1f} s for Redis"
        assert Return.objects.get(pk=acceptance.record.pk).state == ReturnState.ACCEPTED
        (run,) = CalculationRun.objects.filter(period=acceptance.world.period)
        assert (run.status, run.attempts) == (RunStatus.PENDING, 0)

        own_redis.start()  # back, on the same port
        assert sweep(own_redis.url) == [run.pk]
        run = wait_for(run.pk, RunStatus.FINISHED, worker)

        # Exactly once: one run, one attempt, published; a second sweep sends nothing.
        assert sweep(own_redis.url) == []
        time.sleep(1)
        assert list(CalculationRun.objects.values_list("pk", "status", "attempts")) == [
            (run.pk, RunStatus.FINISHED, 1)
        ]
        assert CurrentRun.objects.get(period=acceptance.world.period).run_id == run.pk
        result = MetricResult.objects.current().get(organisation=acceptance.trust)
        assert result.value == 12.5
        assert worker.alive(), worker.output()
    finally:
        worker.stop()


def waiting_on_a_lock(database: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = "
            "'Lock' AND pid <> pg_backend_pid()",
            [database],
        )
        return bool(cursor.fetchone()[0])


def test_the_worker_killed_mid_run_is_redelivered_with_identical_results(
    tmp_path: Path, own_redis: OwnRedis
) -> None:
    # Unacknowledged messages come back after 3 s instead of an hour.
    first = worker_on(tmp_path, own_redis.url, CELERY_VISIBILITY_TIMEOUT="3")
    second = None
    params = connection.settings_dict
    holder = None
    try:
        acceptance = Acceptance()
        holder = psycopg.connect(
            dbname=params["NAME"],
            host=params["HOST"] or None,
            port=params["PORT"] or None,
            user=params["USER"] or None,
            password=params["PASSWORD"] or None,
        )
        # Hold the run in its middle: the table of current runs is locked until the kill.
        holder.execute(f"LOCK TABLE {CurrentRun._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        done = accept(acceptance, own_redis.url)
        assert done.returncode == 0, done.stderr
        (run,) = CalculationRun.objects.filter(period=acceptance.world.period)
        wait_for(run.pk, RunStatus.RUNNING, first)
        deadline = time.monotonic() + 30
        while not waiting_on_a_lock(params["NAME"]):
            assert time.monotonic() < deadline, first.output()
            time.sleep(0.1)

        first.stop(signal.SIGKILL)  # mid-run: the message was taken, never acknowledged
        holder.rollback()  # the lock goes; the dead worker's statement ends with its client gone

        # A new worker restores unacknowledged messages older than the visibility timeout when
        # it starts, then only every ~100 s (kombu: restore interval 10 s x throttle 10). On a
        # quiet machine it can start within 3 s of the delivery and find nothing to restore
        # yet: start it once the message is overdue, as a replacement worker would be.
        time.sleep(3.5)
        second = worker_on(tmp_path, own_redis.url, CELERY_VISIBILITY_TIMEOUT="3")
        run = wait_for(run.pk, RunStatus.FINISHED, second, timeout=90)
        assert run.attempts == 2  # the killed attempt and the redelivered one
        assert CurrentRun.objects.get(period=acceptance.world.period).run_id == run.pk
        after_chaos = current_results(acceptance.world.period.pk)
        assert after_chaos

        # A clean, full run of the same inputs in this process gives the same results (the
        # worker stopped first: what publishing set off must not hold the quarter meanwhile).
        second.stop()
        clean = CalculationRun.objects.create(
            period=acceptance.world.period,
            edition=acceptance.world.edition,
            reason="clean run to compare",
            full_requested=True,
        )
        run_calculation(clean.pk)
        clean.refresh_from_db()
        assert clean.status == RunStatus.FINISHED, clean.error
        assert current_results(acceptance.world.period.pk) == after_chaos
    finally:
        if holder is not None:
            holder.close()
        first.stop(signal.SIGKILL)
        if second is not None:
            second.stop()


def get(url: str, headers: dict[str, str]) -> tuple[int, str, str]:
    """(status, content type, body) of a GET; an error status is an answer too."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own http://127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


LEAKS = ("Traceback", "psycopg", "OperationalError", 'File "/', "connection to server")


def schema_copied(own: OwnPostgres) -> None:
    """Our cluster gets the test database's tables (pg_dump of the schema: no migrations)."""
    params = connection.settings_dict
    dump = subprocess.run(  # noqa: S603 - PostgreSQL's own tool, our own arguments
        [
            str(own.bin / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges",
            "-h", params["HOST"] or "127.0.0.1", "-p", str(params["PORT"] or 5432),
            "-U", params["USER"] or "postgres", params["NAME"],
        ],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    # Without psql's meta-commands (recent pg_dump brackets its output in \restrict ... ).
    sql = "\n".join(line for line in dump.stdout.splitlines() if not line.startswith("\\"))
    sql = sql.replace("SELECT pg_catalog.set_config('search_path', '', false);", "")
    with psycopg.connect(own.url, autocommit=True) as target:
        target.execute(sql)


SIGNED_IN = (
    "from django.test import Client\n"
    "from accounts.models import User\n"
    "from accounts.tokens import token_issue\n"
    "user = User.objects.create_user(email='chaos@nhs.test', password='not-used-chaos-1')\n"
    "client = Client()\n"
    "client.force_login(user)\n"
    "print(client.cookies['sessionid'].value, token_issue(user=user, issued_by=None)[1])\n"
)


def test_postgresql_restarted_under_the_app(tmp_path: Path) -> None:
    own = OwnPostgres()
    app = None
    try:
        own.create()
        schema_copied(own)
        made = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "shell", "-c", SIGNED_IN],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": own.url, "OVERSIGHT_ENV_FILE": ""},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        session, token = made.stdout.strip().splitlines()[-1].split()
        app = OwnApp(tmp_path, database=own.url)
        app.start()
        page = (f"{app.base}/returns/", {"Cookie": f"sessionid={session}"})
        api = (f"{app.base}/api/v1/returns/", {"Authorization": f"Token {token}"})
        for url, headers in (page, api):
            assert get(url, headers)[0] == 200, app.output()

        own.stop()  # fast shutdown of our cluster, by the pid in its data folder
        for url, headers in (page, api):
            started = time.monotonic()
            status, _, body = get(url, headers)
            assert status == 503, (status, body[:500])
            assert time.monotonic() - started < 10
            assert not [leak for leak in LEAKS if leak in body], body[:2000]
        assert "the service is unavailable" in get(*page)[2].lower()
        assert get(*api)[1] == "application/json"

        own.start()  # the same cluster back on the same port; the app is not restarted
        for url, headers in (page, api):
            status, _, body = get(url, headers)
            assert status == 200, (status, body[:500], app.output())

        # Restarted again with no request meanwhile: the app's persistent connections are all
        # dead, and each is found so before use (CONN_HEALTH_CHECKS), not by a failed request.
        own.stop()
        own.start()
        answers = [get(url, headers)[0] for url, headers in (page, api) * 3]
        assert answers == [200] * 6, app.output()
        assert app.alive()
    finally:
        if app is not None:
            app.stop()
        own.remove()
