"""One array column for both databases: a PostgreSQL array, or JSON text on SQLite.

The values held per series (``AcceptedSeries``) and the runs' input sets (``InputSet``) are
rows of arrays. PostgreSQL stores them as native arrays (``django.contrib.postgres``), which a
run reads in binary, one statement per batch; SQLite, the embedded default of ``make demo``,
has no arrays, so the same field stores JSON text there. Dates travel as ISO strings in JSON.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db.backends.base.base import BaseDatabaseWrapper


def _portable(item: Any) -> Any:
    return item.isoformat() if isinstance(item, date) else item


class PortableArray(ArrayField):
    """``ArrayField`` on PostgreSQL; a JSON list in a text column elsewhere."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "postgresql":
            return super().db_type(connection)
        return "text"

    def cast_db_type(self, connection: BaseDatabaseWrapper) -> str:
        if connection.vendor == "postgresql":
            return super().cast_db_type(connection)
        return "text"

    def get_placeholder(self, value: Any, compiler: Any, connection: BaseDatabaseWrapper) -> str:
        if connection.vendor == "postgresql":
            return str(super().get_placeholder(value, compiler, connection))
        return "%s"

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if connection.vendor == "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        if value is None:
            return None
        return json.dumps([_portable(item) for item in value])

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if not isinstance(value, str):
            return value
        return [self.base_field.to_python(item) for item in json.loads(value)]
