"""JSON lines for logs that machines read (the audit log): one object per record.

A record's ``audit`` extra (a dict of plain values) is merged into the line, after ``time``
(UTC, ISO 8601 to the millisecond) and ``event`` (the record's message).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "event": record.getMessage(),
        }
        line.update(getattr(record, "audit", {}))
        return json.dumps(line, default=str, ensure_ascii=False, sort_keys=False)
