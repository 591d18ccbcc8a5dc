"""Schema fuzzing: schemathesis generates requests from the app's own OpenAPI schema and sends
them in process (Django's WSGI application on the test database), each example as one of the
fixed cast (token authentication, one user per role, and a user with no role). Every answer
must be no server error and must match the schema (status, content type, body).

Bounded: a few examples per operation, no Hypothesis deadline (the machine is shared), no
example database; the whole run takes well under 90 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis import APIOperation
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Cast

pytestmark = pytest.mark.django_db

EXAMPLES = 5  # per operation; each example drawn as one member of the cast
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app() -> Iterator[object]:
    """The WSGI application, kept on the test's connection: Django closes "old" connections
    at each request's start and end, which would end the test's transaction (the test client
    disconnects the same two receivers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def token_of(email: str) -> str:
    """The user's API token, made the way a deployment makes it (`manage.py api_token`)."""
    out = StringIO()
    call_command("api_token", "issue", email, stdout=out)
    return out.getvalue().strip()


def fuzz(operation: APIOperation, tokens: dict[str, str]) -> tuple[int, str]:
    """Send the operation's examples, each as one of the cast; (requests sent, the failure or
    "")."""
    sent = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(case=operation.as_strategy(), who=st.sampled_from(sorted(tokens)))
    def examples(case: schemathesis.Case, who: str) -> None:
        nonlocal sent
        sent += 1
        case.call_and_validate(headers={"Authorization": f"Token {tokens[who]}"}, checks=CHECKS)

    try:
        examples()
    except (Exception, BaseExceptionGroup) as failure:  # the checks' FailureGroup, or the app's
        return sent, f"{operation.label}: {failure}"
    return sent, ""


def test_every_operation_answers_within_its_schema_for_every_role(
    cast: Cast, wsgi_app: object
) -> None:
    tokens = {name: token_of(user.email) for name, user in vars(cast).items()}
    auth = {"Authorization": f"Token {tokens['national']}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=auth)
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), "the schema has operations schemathesis cannot read"
    runs = [fuzz(operation, tokens) for operation in operations]
    sent = sum(n for n, _ in runs)
    print(f"{len(operations)} operations, {sent} requests")
    assert len(operations) > 80
    assert sent >= len(operations) * EXAMPLES // 2
    failures = [failure for _, failure in runs if failure]
    assert failures == [], "\n\n".join(failures)


HUGE = 10**30


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/systemlens/agreements/versions/", {"system": "QA1", "year": HUGE}, "year"),
        (
            "/api/v1/systemlens/agreements/versions/",
            {"system": "QA1", "year": 2021, "priorities": [{"metric": HUGE}]},
            "priorities",
        ),
        ("/api/v1/systemlens/concerns/", {"flag": HUGE}, "flag"),
        (
            "/api/v1/systemlens/meetings/",
            {"organisation": "RA1", "agenda": [{"flag": HUGE}]},
            "agenda",
        ),
    ],
)
def test_numbers_beyond_the_database_are_refused_by_name(
    cast: Cast, url: str, body: dict[str, object], field: str
) -> None:
    """What the fuzzing found: unbounded integers in the system lens's bodies gave 500."""
    client = APIClient()
    client.force_authenticate(cast.national)
    response = client.post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
