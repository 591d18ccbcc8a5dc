"""The answer to an unexpected error: 503 with Retry-After while the database is not answering,
500 otherwise; a page or JSON by the path, never a traceback (tests/chaos restarts a real
PostgreSQL under gunicorn)."""

from __future__ import annotations

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from oversight.outages import server_error


def answer_to(error: Exception, path: str):
    try:
        raise error
    except Exception:  # Django calls handler500 inside the failed request's except
        return server_error(RequestFactory().get(path))


@pytest.mark.parametrize("error", [OperationalError("connection refused"), InterfaceError("gone")])
def test_a_database_not_answering_is_a_503_to_retry(error: Exception) -> None:
    page = answer_to(error, "/returns/")
    assert (page.status_code, page["Retry-After"]) == (503, "30")
    assert "Sorry, the service is unavailable" in page.content.decode()
    api = answer_to(error, "/api/v1/returns/")
    assert (api.status_code, api["Content-Type"]) == (503, "application/json")
    assert "database is not answering" in json.loads(api.content)["detail"]
    for response in (page, api):
        assert "connection refused" not in response.content.decode()
        assert "Traceback" not in response.content.decode()


def test_any_other_error_is_a_500_without_details() -> None:
    page = answer_to(KeyError("secret detail"), "/returns/")
    assert page.status_code == 500
    assert "Sorry, there is a problem with the service" in page.content.decode()
    api = answer_to(KeyError("secret detail"), "/api/v1/returns/")
    assert (api.status_code, json.loads(api.content)) == (
        500,
        {"detail": "Sorry, there is a problem with the service. Try again later."},
    )
    assert "secret detail" not in page.content.decode() + api.content.decode()
