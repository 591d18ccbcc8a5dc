"""The whole path on the real services: a run published on PostgreSQL sends ``run_published``
after its commit; the system lens sends its roll-ups task to the default queue on Redis; the
Celery worker derives them (the calculation's own worker is free for the next run)."""

from __future__ import annotations

import time

import pytest

from oversight.celery import app
from systemlens.models import SystemRollup
from tests.systemlens.rollup_data import build_rollup_picture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_derives_a_published_runs_roll_ups(
    celery_worker: str, monkeypatch: pytest.MonkeyPatch, registry, cast
):
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    picture = build_rollup_picture(registry, cast.national)
    deadline = time.monotonic() + 30
    while not SystemRollup.objects.filter(run_id=picture.run.pk).exists():
        assert time.monotonic() < deadline, "the worker derived no roll-ups within 30 s"
        time.sleep(0.2)
    row = SystemRollup.objects.get(system__ods_code="QA1", metric__code="C01")
    assert (row.value, row.included, row.missing) == (35, ["RA1", "RA4"], ["RA5"])
