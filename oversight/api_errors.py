"""The API's one exception handler: domain errors become their status and ``{"detail": …}``."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
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
    response = drf_exception_handler(error, context)
    if isinstance(error, ValidationError) and response is not None:
        response.data = with_detail(response.data)
    return response


FIELD_PROBLEMS = "The request has problems: each is listed under the name of its field."


def with_detail(data: Any) -> Any:
    """Every refusal says what is wrong in ``detail``; a serializer's field errors keep their
    keys beside it (a list of errors becomes ``non_field_errors``)."""
    if isinstance(data, list):
        return {"detail": FIELD_PROBLEMS, "non_field_errors": data}
    if isinstance(data, dict) and "detail" not in data:
        return {"detail": FIELD_PROBLEMS, **data}
    return data
