"""Query counts that can fail: each measured request's response is checked, and "constant"
means the same count at two data sizes (not "at most"). Counted through Django's connection, so
raw ``connection.cursor()`` statements count too; a psycopg cursor opened beside Django's (the
calculation's binary fetches, never a page's or endpoint's) would not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass(frozen=True)
class Counted:
    response: Any
    statements: list[str]

    @property
    def queries(self) -> int:
        return len(self.statements)


def counted(request: Callable[[], Any]) -> Counted:
    """The response of ``request()`` and every statement it sent, raw cursors included."""
    with CaptureQueriesContext(connection) as captured:
        response = request()
    return Counted(response, [query["sql"] for query in captured.captured_queries])


def assert_constant_queries(small: Counted, large: Counted, *, at_most: int) -> None:
    """The larger data set took exactly as many queries as the smaller, and few."""
    listing = "\n".join(small.statements)
    assert small.queries <= at_most, f"{small.queries} queries:\n{listing}"
    added = [s for s in large.statements if s not in small.statements]
    assert large.queries == small.queries, (
        f"{small.queries} queries became {large.queries}; new ones:\n" + "\n".join(added)
    )
