"""Uploads are judged before their body is read: scope (404), role (403) and size (413) come
from the headers alone (``oversight.uploads.BodyGuard``), on the page and in the API; an empty
file is refused like every other file, in the page's error summary and the API's
``{detail, findings}``.

Each post below carries its real body, in a stream that counts what the server reads of it:
"not read" is 0 bytes read, not a guess from the time taken.
"""

from __future__ import annotations

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from accounts.tokens import token_issue
from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.returns import Finding, Return, ReturnDraft, ReturnVersion, Value
from tests.conftest import Cast, password_login
from tests.metrics.factories import quarter
from tests.metrics.returns.test_returns_pages import error_summary

MIB = 1024 * 1024
API_UPLOAD = "/api/v1/returns/upload/"
BIG = 62 * MIB  # the probe's post


class CountingInput(io.BytesIO):
    """A request body that remembers how many of its bytes were read."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        chunk = super().readline(size)
        self.bytes_read += len(chunk)
        return chunk


BIG_BODY = encode_multipart(
    BOUNDARY,
    {
        "organisation": "RA1",
        "period": "2021-22 Q3",
        "file": SimpleUploadedFile("big.csv", b"x" * BIG, content_type="text/csv"),
    },
)


def post_body(client: Client, url: str, body: bytes, **headers: str):
    """POST ``body`` as it is; returns (response, bytes of it the server read, seconds)."""
    stream = CountingInput(body)
    started = time.monotonic()
    response = client.generic(
        "POST", url, body, content_type=MULTIPART_CONTENT, **{"wsgi.input": stream}, **headers
    )
    return response, stream.bytes_read, time.monotonic() - started


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)  # as a browser: CSRF checked, which reads POST
    assert password_login(client, user.email)
    return client


def stored() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Return, ReturnVersion, Value, Finding, ReturnDraft))


@pytest.fixture
def page_url(cast: Cast) -> str:
    load_builtin_catalogues()
    period = quarter()
    edition_for(period)
    return reverse("return-upload", kwargs={"ods_code": "RA1", "period": period.slug})


def test_a_62_mb_post_to_the_page_is_refused_unread_in_the_error_summary(
    cast: Cast, page_url: str
) -> None:
    response, read, seconds = post_body(signed_in(cast.submitter), page_url, BIG_BODY)
    assert response.status_code == 413
    summary = error_summary(response)
    assert "This upload is 62.0 MiB; the largest file Oversight accepts is 10 MiB" in summary
    assert read == 0
    assert seconds < 5, f"took {seconds:.2f} s"
    assert stored() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("lead_b", 404), ("lead_a", 403)])
def test_who_may_not_upload_there_is_answered_before_the_body_is_read(
    cast: Cast, page_url: str, who: str, status: int
) -> None:
    response, read, _ = post_body(signed_in(getattr(cast, who)), page_url, BIG_BODY)
    assert response.status_code == status
    assert read == 0
    if status == 403:
        assert "You can see Trust A1 but may not submit its returns." in response.content.decode()
    assert stored() == (0, 0, 0, 0, 0)


def test_a_62_mb_post_to_the_api_is_413_unread_in_the_shape_of_every_refusal(
    cast: Cast, page_url: str
) -> None:
    response, read, seconds = post_body(signed_in(cast.submitter), API_UPLOAD, BIG_BODY)
    assert response.status_code == 413
    body = response.json()
    assert body["detail"].startswith("This upload is 62.0 MiB; the largest file Oversight")
    assert body["findings"] == [
        {
            "row": None,
            "column": "",
            "code": "file_rejected",
            "severity": "blocking",
            "message": body["detail"],
        }
    ]
    assert read == 0
    assert seconds < 5, f"took {seconds:.2f} s"
    assert stored() == (0, 0, 0, 0, 0)


def test_an_api_caller_by_token_who_sees_nothing_gets_404_unread(cast: Cast, page_url: str) -> None:
    _token, key = token_issue(user=cast.outsider, issued_by=None)
    response, read, _ = post_body(Client(), API_UPLOAD, BIG_BODY, HTTP_AUTHORIZATION=f"Token {key}")
    assert (response.status_code, response.json()) == (404, {"detail": "No such organisation."})
    assert read == 0
    # A submitter's token: the size is what is refused.
    _token, key = token_issue(user=cast.submitter, issued_by=None)
    response, read, _ = post_body(Client(), API_UPLOAD, BIG_BODY, HTTP_AUTHORIZATION=f"Token {key}")
    assert (response.status_code, read) == (413, 0)
    # Anonymous: the size limit still holds for every route.
    response, read, _ = post_body(Client(), API_UPLOAD, BIG_BODY)
    assert (response.status_code, read) == (413, 0)
    assert stored() == (0, 0, 0, 0, 0)


def test_every_route_has_the_request_size_limit(cast: Cast) -> None:
    response, read, _ = post_body(Client(enforce_csrf_checks=True), reverse("login"), BIG_BODY)
    assert response.status_code == 413
    assert read == 0
    assert "This request is 62.0 MiB; Oversight accepts at most 10 MiB" in response.content.decode()


def test_a_file_just_over_the_limit_is_read_and_refused_by_the_reader(
    cast: Cast, page_url: str
) -> None:
    client = Client()
    client.force_login(cast.submitter)
    content = b"x" * (10 * MIB + 1)
    response = client.post(page_url, {"file": SimpleUploadedFile("r.csv", content)})
    assert response.status_code == 400
    assert "The file is 10.0 MiB; the largest file Oversight accepts is 10 MiB" in error_summary(
        response
    )
    assert stored() == (0, 0, 0, 0, 0)


def test_the_empty_file_is_refused_like_every_other_file(cast: Cast, page_url: str) -> None:
    empty = "The file is empty. Fill in the template and upload it again."
    client = Client()
    client.force_login(cast.submitter)
    response = client.post(page_url, {"file": SimpleUploadedFile("r.csv", b"")})
    assert response.status_code == 400
    assert empty in error_summary(response)
    for dry_run in ("false", "true"):
        response = client.post(
            API_UPLOAD,
            {
                "organisation": "RA1",
                "period": "2021-22 Q3",
                "dry_run": dry_run,
                "file": SimpleUploadedFile("r.csv", b""),
            },
        )
        assert response.status_code == 400
        assert response.json() == {
            "detail": empty,
            "findings": [
                {
                    "row": None,
                    "column": "",
                    "code": "file_rejected",
                    "severity": "blocking",
                    "message": empty,
                }
            ],
        }
    assert stored() == (0, 0, 0, 0, 0)
