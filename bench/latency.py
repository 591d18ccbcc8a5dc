"""From accepting one trust's return to its flags and results being readable, with a real worker.

Each acceptance: a trust's accepted return in the latest quarter gets a new, corrected version
(a few values nudged), signed off; metrics.returns.return_accept accepts it — which requests a
recalculation and enqueues it on commit — and the clock runs until the quarter's CurrentRun
points at a finished run that read that version (its input set) and has the trust's MetricResult
and Flag rows readable. Two workers, as a deployment has them (docker-compose.yml): one on the
calculation's queue, `celery -A oversight worker -Q calculation --pool=solo`, and one on the
default queue for what each publication sets off (proposals, exit criteria, roll-ups), so a
run never waits behind the previous run's follow-ups. Both are subprocesses on the bench
database and a Redis database of its own (BROKER_URL), started and stopped here.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.common import REPO
from oversight.clock import Clock

BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/9")
LEAD_EMAIL = "bench.national@oversight.invalid"
NUDGED_VALUES = 10
POLL_SECONDS = 0.01


def use_real_broker() -> None:
    """Before django.setup(): tasks go through Redis to the worker, not run in-process."""
    os.environ["CELERY_BROKER_URL"] = BROKER_URL
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"


@contextmanager
def celery_worker(database_url: str, queue: str) -> Iterator[str]:
    """A real worker of ``queue`` on the bench database for the duration; yields its name."""
    from oversight.celery import app

    name = f"bench-{queue}-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    app.control.purge()  # messages an interrupted earlier run left behind
    with tempfile.TemporaryFile(mode="w+") as log:
        worker = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "oversight",
                "worker",
                "-Q",
                queue,
                "--pool=solo",
                "-l",
                "warning",
                "-n",
                name,
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not app.control.ping(destination=[name], timeout=0.5):
                if worker.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the worker did not start:\n{log.read()}")
            yield name
        finally:
            worker.terminate()  # warm shutdown: a run under way finishes first
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
                _end_orphaned_queries()


def _end_orphaned_queries() -> None:
    """A killed worker's backend runs its statement on: end it, so it frees the quarter's lock.

    Only backends holding one of the engine's advisory locks on the bench database, that is our
    worker's (this process holds none while it waits).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d "
            "ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = "
            "current_database() AND l.pid <> pg_backend_pid()"
        )


@dataclass
class Acceptance:
    trust: str
    seconds: float  # acceptance call to results and flags readable
    run_seconds: float  # the run itself, claimed to published
    queued_seconds: float  # requested to claimed by the worker


def _lead() -> Any:
    from accounts.models import User
    from accounts.roles import Role
    from accounts.scope import role_grant

    lead, _ = User.objects.get_or_create(email=LEAD_EMAIL)
    role_grant(user=lead, role=Role.NATIONAL_ADMIN, node=None)
    return lead


def trusts_for(dataset: Any, count: int) -> list[Any]:
    """``count`` trusts with an accepted return in the latest quarter, spread over sectors."""
    from metrics.models.returns import Return

    records = list(
        Return.objects.filter(
            period=dataset.latest,
            edition=dataset.edition,
            organisation__kind="trust",
            accepted_version__isnull=False,
        )
        .select_related("organisation")
        .order_by("organisation__ods_code")
    )
    step = max(1, len(records) // count)
    return records[::step][:count]


def corrected_version(record: Any, user: Any) -> Any:
    """A new signed-off version of ``record``: its accepted values with a few nudged by 1%."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from metrics.models.returns import ReturnState, ReturnVersion, Value, sha256_of
    from metrics.returns.valuestore import values_insert

    source = Value.objects.filter(version=record.accepted_version).select_related("metric")
    with transaction.atomic():
        number = (record.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        content = f"Benchmark correction {number} of {record.organisation.ods_code}\n".encode()
        now = timezone.now()
        version = ReturnVersion.objects.create(
            return_record=record,
            number=number,
            file_name=f"correction-{number}.csv",
            file_content=content,
            file_sha256=sha256_of(content),
            file_size=len(content),
            uploaded_by=user,
            value_count=source.count(),
            signed_off_by=user,
            signed_off_at=now,
        )
        rows = []
        for index, v in enumerate(source.order_by("row")):
            value = v.value
            if index < NUDGED_VALUES and v.metric.value_type != "rating":
                value = round(value * 1.01 + 0.01, 2)
                if v.metric.valid_max is not None and value > v.metric.valid_max:
                    value = round(value * 0.98 - 0.02, 2)  # keep it valid
            rows.append(
                (
                    version.pk,
                    v.organisation_id,
                    v.metric_id,
                    v.period_end,
                    value,
                    v.numerator,
                    v.denominator,
                    v.comment,
                    v.row,
                )
            )
        values_insert(rows)
        record.current_version, record.state = version, ReturnState.SIGNED_OFF
        record.save(update_fields=["current_version", "state", "updated_at"])
    return version


def readable(dataset: Any, record: Any, version: Any) -> Any:
    """The finished current run that read ``version``, once its rows are readable; else None."""
    from metrics.calculation.inputs import input_set_members
    from metrics.models.calculation import CurrentRun, RunStatus
    from metrics.models.results import Flag, MetricResult
    from metrics.models.returns import ReturnVersion

    current = CurrentRun.objects.filter(period=dataset.latest, edition=dataset.edition).first()
    if current is None or current.run.status != RunStatus.FINISHED:
        return None
    run = current.run
    read = input_set_members(run.input_set_id)
    if not ReturnVersion.objects.filter(pk=version.pk, pk__in=read).exists():
        return None
    body = record.organisation_id
    if not MetricResult.objects.filter(run=run, organisation_id=body).exists():
        return None
    Flag.objects.filter(run=run, organisation_id=body).count()  # the flags are readable too
    return run


def accept_one(dataset: Any, record: Any, lead: Any, *, timeout: float) -> Acceptance:
    from metrics.returns.review import return_accept

    version = corrected_version(record, lead)
    started = Clock()
    return_accept(return_record=record, user=lead)
    while (run := readable(dataset, record, version)) is None:
        if started.elapsed() > timeout:
            raise TimeoutError(f"{record.organisation.ods_code}: not readable in {timeout} s")
        time.sleep(POLL_SECONDS)
    seconds = started.elapsed()
    queued = (run.started_at - run.requested_at).total_seconds()
    return Acceptance(
        record.organisation.ods_code,
        seconds,
        (run.finished_at - run.started_at).total_seconds(),
        queued,
    )


def latency(dataset: Any, database_url: str, *, count: int, timeout: float, say=print):
    """One warm-up acceptance, then ``count`` measured ones: (warm-up, measured, why it
    stopped early — "" when it did not)."""
    from django.conf import settings

    lead = _lead()
    records = trusts_for(dataset, count + 1)
    found: list[Acceptance] = []
    calculation, default = settings.CALCULATION_QUEUE, settings.CELERY_TASK_DEFAULT_QUEUE
    with celery_worker(database_url, calculation), celery_worker(database_url, default):
        for number, record in enumerate(records):
            record.refresh_from_db()
            try:
                acceptance = accept_one(dataset, record, lead, timeout=timeout)
            except TimeoutError as late:
                say(f"  {late}: stopping here")
                return (found[0] if found else None), found[1:], str(late)
            say(
                f"  {'warm-up' if number == 0 else number:>7} {acceptance.trust}: "
                f"{acceptance.seconds:.3f} s (run {acceptance.run_seconds:.3f} s, "
                f"queued {acceptance.queued_seconds:.3f} s)"
            )
            found.append(acceptance)
    return found[0], found[1:], ""


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (as the quartiles are)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]
