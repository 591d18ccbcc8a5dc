"""The API's one exception handler: domain errors become their status and ``{"detail": …}``."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from oversight.errors import DomainError, InputRejected


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, taught the domain errors (settings: REST_FRAMEWORK EXCEPTION_HANDLER)."""
    if isinstance(error, DomainError):
        body: dict[str, Any] = {"detail": error.message}
        if isinstance(error, InputRejected):
            body.update(error.problems)
        return Response(body, status=error.status)
    return drf_exception_handler(error, context)
