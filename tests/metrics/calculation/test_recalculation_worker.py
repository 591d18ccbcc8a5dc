"""Recalculation through the real services: Redis, a Celery worker process, PostgreSQL.

An acceptance (`metrics.returns.return_accept`) records a pending run and enqueues it on
commit; the worker (the session's `celery_worker`, tests/conftest.py) claims and finishes it and
the results become readable through `CurrentRun`. With Redis unreachable from the accepting
process the acceptance still commits and the run stays pending, until the sweeper re-sends it.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from datetime import timedelta
from typing import cast
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from accounts.roles import Role
from accounts.scope import role_grant
from metrics.calculation import steps
from metrics.calculation.runs import calculation_sweep
from metrics.models.calculation import CalculationRun, CurrentRun, PartStep, RunPart, RunStatus
from metrics.models.catalogue import Metric
from metrics.models.results import Flag, MetricResult, SpcSeries
from metrics.models.returns import Return, ReturnState
from metrics.returns.review import return_accept
from oversight.celery import app
from tests.conftest import worker_idle
from tests.factories import UserFactory
from tests.metrics.calculation.support import (
    National,
    build_period,
    build_trusts,
    calculate,
    snapshot,
    submit,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CLOSED_PORT = 6390  # nothing listens here: "Redis is down" for the accepting process only


@pytest.fixture
def not_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    # The embedded default runs tasks in-process; here they must go through Redis.
    monkeypatch.setattr(app.conf, "task_always_eager", False)


class Acceptance:
    """The national world of test_calculation, plus one trust's return awaiting acceptance."""

    def __init__(self) -> None:
        self.world = National()
        self.trust = build_trusts(1, prefix="RWK")[0]
        world = self.world
        submit(self.trust, world.period, world.edition, {world.higher: 12.5}, accept=False)
        self.record = Return.objects.get(organisation=self.trust)
        Return.objects.filter(pk=self.record.pk).update(state=ReturnState.SIGNED_OFF)
        self.lead = cast(User, UserFactory(email="national.worker@nhs.test"))
        role_grant(user=self.lead, role=Role.NATIONAL_ADMIN, node=None)


def wait_for(run_id: int, status: str, timeout: float = 60) -> CalculationRun:
    deadline = time.monotonic() + timeout
    while True:
        run = CalculationRun.objects.get(pk=run_id)
        if run.status == status:
            return run
        assert time.monotonic() < deadline, f"run {run_id} is {run.status}, not {status}"
        time.sleep(0.1)


def test_an_acceptance_is_recalculated_by_the_worker(celery_worker: str, not_eager: None):
    acceptance = Acceptance()
    started = time.monotonic()
    return_accept(return_record=acceptance.record, user=acceptance.lead)
    run = CalculationRun.objects.get(period=acceptance.world.period)
    assert run.reason.startswith("Accepted RWK00")
    run = wait_for(run.pk, RunStatus.FINISHED)
    elapsed = time.monotonic() - started
    assert run.error == ""
    assert CurrentRun.objects.get(period=acceptance.world.period).run == run
    result = MetricResult.objects.current().get(
        organisation=acceptance.trust, metric=acceptance.world.higher
    )
    assert result.value == 12.5
    assert result.rank is not None
    assert result.quartile in {1, 2, 3, 4}
    assert result.version == Return.objects.get(pk=acceptance.record.pk).accepted_version
    assert Flag.objects.current().filter(period=acceptance.world.period).exists()
    assert elapsed < 30


def closed_port_is_closed() -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", CLOSED_PORT)) != 0


def accept_in_a_process_without_redis(record: Return, user: User) -> subprocess.CompletedProcess:
    """Accept the return from another process, as the web app would, with Redis unreachable."""
    url = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DATABASE_URL": url._replace(path=f"/{connection.settings_dict['NAME']}").geturl(),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{CLOSED_PORT}/0",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    code = (
        "from accounts.models import User\n"
        "from metrics.models import Return\n"
        "from metrics.returns.review import return_accept\n"
        f"record = Return.objects.get(pk={record.pk})\n"
        f"user = User.objects.get(pk={user.pk})\n"
        "print(return_accept(return_record=record, user=user).return_record.state)\n"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_redis_down_acceptance_commits_and_the_sweeper_resends(celery_worker: str, not_eager: None):
    assert closed_port_is_closed()
    acceptance = Acceptance()
    done = accept_in_a_process_without_redis(acceptance.record, acceptance.lead)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("accepted")
    assert "stays pending: the broker is unreachable" in done.stderr
    assert Return.objects.get(pk=acceptance.record.pk).state == ReturnState.ACCEPTED
    run = CalculationRun.objects.get(period=acceptance.world.period)
    time.sleep(2)  # had a message reached the worker, it would have run by now
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.PENDING, 0)
    assert not CurrentRun.objects.exists()

    sent = calculation_sweep(pending_after=timedelta(0), running_after=timedelta(minutes=5))

    assert sent == [run.pk]
    run = wait_for(run.pk, RunStatus.FINISHED)
    assert run.attempts == 1
    assert MetricResult.objects.current().filter(organisation=acceptance.trust).get().value == 12.5


def test_the_sweeper_task_runs_on_the_worker(celery_worker: str, not_eager: None):
    world = National()
    run = CalculationRun.objects.create(
        period=world.period, edition=world.edition, reason="never reached the broker"
    )
    CalculationRun.objects.filter(pk=run.pk).update(
        requested_at=run.requested_at - timedelta(hours=1)
    )
    from metrics.calculation.tasks import sweep_pending_runs

    sweep_pending_runs.delay()
    assert wait_for(run.pk, RunStatus.FINISHED).attempts == 1


def test_a_run_split_in_parts_gives_the_results_of_one_unsplit(
    celery_worker: str, not_eager: None, monkeypatch: pytest.MonkeyPatch
):
    """The run's SPC in parts (metrics.calculation.parts): the real worker takes parts over
    Redis while this process, doing the run, computes the national results and then the parts
    nobody took; the published results equal those of the same run in one part."""
    world = National()
    chance = random.Random(11)
    for earlier in (build_period(2021, 1), build_period(2021, 2)):  # series of several points
        for trust in world.acute + world.mental:
            values = {world.higher: chance.uniform(0, 100), world.lower: chance.uniform(0, 100)}
            submit(trust, earlier, world.edition, values)
    unsplit = calculate(world.period, world.edition)
    spc = RunPart.objects.filter(step=PartStep.SPC)
    assert list(spc.filter(run=unsplit).values_list("number", flat=True)) == [0]

    monkeypatch.setattr(steps, "SPC_BATCH_BODIES", 1)  # a part per body: twelve parts
    monkeypatch.setattr(steps, "FLAG_BATCH_METRICS", 1)  # and the flags a part per metric
    split = calculate(world.period, world.edition, full_requested=True)
    parts = spc.filter(run=split)
    assert parts.count() == 12
    flag_parts = RunPart.objects.filter(run=split, step=PartStep.FLAGS)
    scored = Metric.objects.filter(edition=world.edition, scored=True).order_by("pk")
    assert sorted(flag_parts.values_list("metric_ids", flat=True)) == [[m.pk] for m in scored]
    assert all(flag_parts.values_list("done", flat=True))
    assert sum(flag_parts.values_list("rows", flat=True)) == Flag.objects.filter(run=split).count()
    assert all(parts.values_list("done", flat=True))
    assert snapshot(split) == snapshot(unsplit)
    assert sum(parts.values_list("rows", flat=True)) == SpcSeries.objects.filter(run=split).count()
    # Each part was done once, by this process or the worker (which takes them over Redis while
    # this one does the national results; how many it gets depends on the machine's load).
    assert all(parts.values_list("done_by", flat=True))
    worker_idle(celery_worker)  # its invitations to parts already done are no-ops
    assert snapshot(split) == snapshot(unsplit)
