"""Smoke test of the full stack's background half: a real Celery worker, over Redis, on our
database. The answer comes back through PostgreSQL (LISTEN/NOTIFY), not a result backend."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from oversight.celery import app
from oversight.tasks import ping
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def listen(channel: str) -> psycopg.Connection:
    """A connection of our own to the test database, LISTENing on `channel`."""
    params = connection.settings_dict
    listener = psycopg.connect(
        dbname=params["NAME"],
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        autocommit=True,
    )
    listener.execute(f'LISTEN "{channel}"')
    return listener


def test_the_worker_answers_from_the_same_database(
    celery_worker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The embedded default runs tasks in-process; here they must go through Redis to the worker.
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    OrganisationFactory.create_batch(5)  # five trusts, each with its own system and region
    channel = f"ping_{celery_worker.split('@')[0].replace('-', '_')}"

    with listen(channel) as listener:
        ping.delay(reply_to=channel)
        replies = [n.payload for n in listener.notifies(timeout=20, stop_after=1)]

    assert replies, "the worker sent no answer within 20 s"
    assert replies == ["5"]


def test_the_worker_consumes_the_calculation_queue_and_the_default_one(celery_worker: str) -> None:
    queues = app.control.inspect(destination=[celery_worker], timeout=5).active_queues() or {}
    assert sorted(queue["name"] for queue in queues.get(celery_worker, [])) == [
        "calculation",
        "celery",
    ]
