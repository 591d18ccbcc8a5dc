"""The whole path on the real services: a run published on PostgreSQL sends ``run_published``
after its commit; segmentation enqueues its task on Redis; the Celery worker computes them."""

from __future__ import annotations

import time

import pytest

from oversight.celery import app
from segmentation.models import Proposal
from tests.metrics.results_data import build_picture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_computes_a_published_runs_proposals(
    celery_worker: str, monkeypatch: pytest.MonkeyPatch, registry, cast
):
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    picture = build_picture(registry, cast.national, calculated=1)
    deadline = time.monotonic() + 30
    while Proposal.objects.filter(run=picture.latest_run).count() < 10:
        assert time.monotonic() < deadline, "the worker stored no proposals within 30 s"
        time.sleep(0.2)
    ra1 = Proposal.objects.get(organisation__ods_code="RA1", run=picture.latest_run)
    assert ra1.segment == 3
