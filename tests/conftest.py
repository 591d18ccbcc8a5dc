"""Root fixtures: a small registry of two regions and the fixed cast of users, one per role.

Region A (Y91) has systems A1 and A2; A1 holds trusts TA1 (acute) and TA2 (mental health)
and CCG CA1; A2 holds TA3. Region B (Y92) has system B1 with trust TB1.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
from django.test import Client, RequestFactory

from accounts.models import User
from accounts.roles import Role
from accounts.scope import role_grant
from oversight.jsonlog import JsonLines
from oversight.models import Organisation, OrganisationKind, Region, Sector, System
from tests.factories import OrganisationFactory, RegionFactory, SystemFactory, UserFactory

PASSWORD = "correct-horse-battery"

# Examples are judged by what they find, not by how fast a shared two-core machine makes them:
# the speed health check and the per-example deadline fail good runs when the load is high.
# A test that bounds its own time (the hostile files) still sets its deadline explicitly.
hypothesis.settings.register_profile(
    "oversight", suppress_health_check=[hypothesis.HealthCheck.too_slow], deadline=None
)
hypothesis.settings.load_profile("oversight")


def password_login(client: Client, username: str, password: str = PASSWORD) -> bool:
    """``client.login`` through every backend: django-axes' comes first and needs the request
    whose address it counts (a page's sign-in passes it; the test client's does not)."""
    return client.login(
        request=RequestFactory().post("/accounts/login/"), username=username, password=password
    )


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # PBKDF2's deliberate slowness costs minutes across a suite that logs in thousands of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Registry:
    region_a: Region
    region_b: Region
    system_a1: System
    system_a2: System
    system_b1: System
    trust_a1: Organisation
    trust_a2: Organisation
    trust_a3: Organisation
    ccg_a1: Organisation
    trust_b1: Organisation


@dataclass
class Cast:
    national: User
    lead_a: User
    lead_b: User
    analyst_a: User
    ics_lead: User
    submitter: User
    approver: User
    sid: User
    observer: User
    outsider: User


def registry_build() -> Registry:
    """The registry of the module docstring (for fixtures of any scope)."""
    region_a = RegionFactory(ods_code="Y91", name="Region A")
    region_b = RegionFactory(ods_code="Y92", name="Region B")
    system_a1 = SystemFactory(ods_code="QA1", name="System A1", region=region_a)
    system_a2 = SystemFactory(ods_code="QA2", name="System A2", region=region_a)
    system_b1 = SystemFactory(ods_code="QB1", name="System B1", region=region_b)
    for system in (system_a1, system_a2, system_b1):
        OrganisationFactory(
            ods_code=system.ods_code,
            name=system.name,
            kind=OrganisationKind.ICS,
            sector="",
            system=system,
        )
    return Registry(
        region_a=region_a,
        region_b=region_b,
        system_a1=system_a1,
        system_a2=system_a2,
        system_b1=system_b1,
        trust_a1=OrganisationFactory(ods_code="RA1", name="Trust A1", system=system_a1),
        trust_a2=OrganisationFactory(
            ods_code="RA2", name="Trust A2", system=system_a1, sector=Sector.MENTAL_HEALTH
        ),
        trust_a3=OrganisationFactory(ods_code="RA3", name="Trust A3", system=system_a2),
        ccg_a1=OrganisationFactory(
            ods_code="0A1", name="CCG A1", system=system_a1, kind=OrganisationKind.CCG, sector=""
        ),
        trust_b1=OrganisationFactory(ods_code="RB1", name="Trust B1", system=system_b1),
    )


@pytest.fixture
def registry(db: None) -> Registry:
    return registry_build()


def _user(email: str, role: str | None = None, node: object = None) -> User:
    user = UserFactory(email=email)
    if role is not None:
        role_grant(user=user, role=role, node=node)
    return user


def cast_build(registry: Registry) -> Cast:
    """One user per role over the registry's nodes, and an outsider with no role."""
    return Cast(
        national=_user("national@nhs.test", Role.NATIONAL_ADMIN),
        lead_a=_user("lead.a@nhs.test", Role.REGIONAL_LEAD, registry.region_a),
        lead_b=_user("lead.b@nhs.test", Role.REGIONAL_LEAD, registry.region_b),
        analyst_a=_user("analyst.a@nhs.test", Role.REGIONAL_ANALYST, registry.region_a),
        ics_lead=_user("ics.a1@nhs.test", Role.ICS_LEAD, registry.system_a1),
        submitter=_user("submitter.a1@nhs.test", Role.ORGANISATION_SUBMITTER, registry.trust_a1),
        approver=_user("approver.a1@nhs.test", Role.ORGANISATION_APPROVER, registry.trust_a1),
        sid=_user("sid.a3@nhs.test", Role.SID, registry.trust_a3),
        observer=_user("observer.b@nhs.test", Role.OBSERVER, registry.region_b),
        outsider=_user("outsider@nhs.test"),
    )


@pytest.fixture
def cast(registry: Registry) -> Cast:
    return cast_build(registry)


# --- The audit log, as the JSON lines it writes -------------------------------------------------


class AuditLines(logging.Handler):
    """Each record of the "oversight.audit" logger, formatted as settings format it and read
    back: the lines a deployment writes, as dicts."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonLines())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def events(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["event"] == event]


@pytest.fixture
def audit_lines() -> Iterator[AuditLines]:
    handler = AuditLines()
    logger = logging.getLogger("oversight.audit")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


# --- A real Celery worker, shared by the tests marked `worker` ---------------------------------

# The session's worker, once started: from then on, every task a test sends runs on it.
RUNNING_WORKERS: list[str] = []
# It consumes both queues (oversight/settings.py): the calculation's and the default one.
QUEUES = "celery,calculation"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: None) -> Iterator[str]:
    """A real Celery worker process on the test database for the whole session; yields its name.

    It gets the environment of the test run (so the same broker) with DATABASE_URL pointing at
    the pytest-django test database, which exists only once `django_db_setup` has run. Tasks it
    runs see what a test committed, so tests that use it need `django_db(transaction=True)`, and
    they send tasks with eager mode off (see tests/test_worker.py).
    """
    import os
    import subprocess
    import sys
    import tempfile
    import time
    import uuid
    from urllib.parse import urlsplit

    from django.conf import settings

    from oversight.celery import app

    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    if not url.scheme.startswith("postgres"):
        pytest.skip("a real Celery worker needs DATABASE_URL on PostgreSQL (make test sets it)")
    test_database = settings.DATABASES["default"]["NAME"]  # test_<name>, set by django_db_setup
    env = {**os.environ, "DATABASE_URL": url._replace(path=f"/{test_database}").geturl()}
    name = f"pytest-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    # Messages left in the queue by an earlier, interrupted run would run against this database.
    app.control.purge()
    with tempfile.TemporaryFile(mode="w+") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                *(sys.executable, "-m", "celery", "-A", "oversight", "worker"),
                *("-Q", QUEUES, "--pool=solo", "--concurrency=1", "-l", "warning", "-n", name),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

        def fail(why: str) -> None:
            worker.kill()
            worker.wait()
            log.seek(0)
            pytest.fail(f"{why}\n--- worker output ---\n{log.read()}", pytrace=False)

        deadline = time.monotonic() + 30
        while not app.control.ping(destination=[name], timeout=0.5):
            if worker.poll() is not None:
                fail(f"the Celery worker exited with status {worker.returncode} before answering")
            if time.monotonic() > deadline:
                fail(f"the Celery worker {name} did not answer a ping within 30 s")
        RUNNING_WORKERS.append(name)
        try:
            yield name
        finally:
            RUNNING_WORKERS.remove(name)
            worker.terminate()  # warm shutdown: a task under way finishes first
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def worker_idle(name: str, timeout: float = 30.0) -> None:
    """Wait until the broker's queues are empty and the worker runs and holds no task; revoke
    the tasks it has scheduled for later."""
    import time

    import redis
    from django.conf import settings

    from oversight.celery import app

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspector = app.control.inspect(destination=[name], timeout=2, limit=1)
        busy = (inspector.active() or {}).get(name) or (inspector.reserved() or {}).get(name)
        # A task retrying after a countdown (a follow-up after a deadlock, an e-mail after an
        # SMTP error) would wake up during the flush that ends the test, or a later test's, and
        # deadlock with it: the test's data is going, so its retries go too.
        for entry in (inspector.scheduled() or {}).get(name) or []:
            app.control.revoke(entry["request"]["id"])
        if not busy and not any(broker.llen(queue) for queue in QUEUES.split(",")):
            return
        time.sleep(0.1)
    pytest.fail(f"the Celery worker {name} was still busy {timeout:.0f} s after the test")


def _commits(request: pytest.FixtureRequest) -> bool:
    """Does this test commit (so its tasks reach the worker)?"""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    return transactional or bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def worker_settles(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that commits ends only when the worker has done the tasks it sent: a task left
    running (segmentation's proposals after a published run, say) would otherwise race the
    database flush that ends the test (a deadlock, and the next test's data polluted)."""
    if not _commits(request):
        yield
        return
    # Set the database up first, so that its flush is torn down after this waits.
    request.getfixturevalue("transactional_db")
    yield
    if RUNNING_WORKERS:
        worker_idle(RUNNING_WORKERS[0])
