"""Celery tasks of the registry: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import connection

from oversight.models import Organisation


@shared_task
def ping(reply_to: str = "") -> int:
    """The number of organisations the worker sees: proof that it reads our database.

    With `reply_to`, the answer is also sent as a PostgreSQL NOTIFY on that channel, so a caller
    LISTENing there hears it without a Celery result backend (the stack has none). A NOTIFY only
    reaches listeners on the same database, which is exactly what the smoke test wants to know.
    """
    count = Organisation.objects.count()
    if reply_to and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [reply_to, str(count)])
    return count
