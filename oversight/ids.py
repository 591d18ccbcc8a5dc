"""Record ids read from a request's query string, within the database's range.

A primary key is a 64-bit integer (PostgreSQL ``bigint``; SQLite's INTEGER). A larger number
names no record, but handing one to the database is an error (SQLite refuses to bind it), so
every ``?run=``-style parameter passes through :func:`id_from` first and a number out of range
is refused with a 400 that names the parameter — never a 500. Ids in URL paths (``<int:pk>``)
need nothing: Django's integer lookups answer "no such row" (404) for numbers out of range.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from oversight.errors import InputRejected

ID_MAX = 2**63 - 1


def id_from(text: str | None, *, name: str) -> int | None:
    """The id a query parameter names, None when absent; InputRejected naming it when not an id."""
    if text is None:
        return None
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or not 1 <= int(cleaned) <= ID_MAX:
        problem = f"A {name} id is a whole number from 1 to {ID_MAX}."
        raise InputRejected(f"{name}: {problem}", {name: [problem]})
    return int(cleaned)


class IdField(serializers.IntegerField):
    """An id in a request body: a whole number from 1 to ID_MAX, else a 400 naming the field
    (the database refuses to bind a larger number: a 500 without this bound)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)
