"""Hostile files (``hostile/corpus.py``) through the reader and through the upload routes.

Each file is refused, or read safely, with its expected message; within a time and memory
bound; and nothing is stored: the rows of every returns table are counted before and after.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from metrics.catalogue.editions import edition_for
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.models.returns import Finding, Return, ReturnDraft, ReturnEvent, ReturnVersion, Value
from metrics.returns.file import FileRejected, read_return_file
from tests.conftest import Cast
from tests.metrics.factories import quarter
from tests.metrics.returns.hostile.corpus import (
    BLOCKED,
    CORPUS,
    NHS_NUMBER,
    READ,
    REFUSED,
    Hostile,
    good_xlsx,
    rezip,
)
from tests.metrics.returns.test_returns_pages import error_summary

API_UPLOAD = "/api/v1/returns/upload/"
# Bounds for one file: reading it, and one request carrying it (on a loaded 2-core machine).
READ_SECONDS, READ_PEAK_MIB, REQUEST_SECONDS = 10.0, 64, 10.0

IDS = [hostile.file_name for hostile in CORPUS]


def test_the_corpus_covers_the_attacks_it_names() -> None:
    assert len(CORPUS) == len(set(IDS)) >= 40
    kinds = {hostile.outcome for hostile in CORPUS}
    assert kinds == {REFUSED, BLOCKED, READ}


@pytest.mark.parametrize("hostile", CORPUS, ids=IDS)
def test_the_reader_refuses_or_reads_each_file_within_bounds(hostile: Hostile) -> None:
    content = hostile.content
    tracemalloc.start()
    started = time.perf_counter()
    try:
        read = read_return_file(hostile.file_name, content)
    except FileRejected as refused:
        outcome, message = REFUSED, refused.message
    else:
        outcome, message = READ, ""
        assert read.rows
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    if hostile.outcome == REFUSED:
        assert outcome == REFUSED, f"{hostile.file_name} was read"
        assert hostile.expect in message
    else:  # BLOCKED files are read, then blocked by validation (below, through the routes)
        assert outcome == READ, message
    assert seconds < READ_SECONDS, f"{seconds:.2f} s"
    assert peak < READ_PEAK_MIB, f"peak {peak:.1f} MiB"


def stored() -> tuple[int, ...]:
    tables = (Return, ReturnVersion, Value, Finding, ReturnEvent, ReturnDraft)
    return tuple(table.objects.count() for table in tables)


@pytest.fixture
def submitter(cast: Cast) -> Client:
    load_builtin_catalogues()
    edition_for(quarter())
    client = Client()
    client.force_login(cast.submitter)
    return client


def api_post(client: Client, hostile: Hostile, *, dry_run: bool = False):
    upload = SimpleUploadedFile(hostile.file_name, hostile.content)
    data = {"organisation": "RA1", "period": "2021-22 Q3", "dry_run": str(dry_run).lower()}
    started = time.perf_counter()
    response = client.post(API_UPLOAD, {**data, "file": upload})
    assert time.perf_counter() - started < REQUEST_SECONDS
    return response


def api_outcome(client: Client, hostile: Hostile) -> str:
    """What the API did with the file: "" when as expected, else what went wrong."""
    before = stored()
    upload = SimpleUploadedFile(hostile.file_name, hostile.content)
    data = {"organisation": "RA1", "period": "2021-22 Q3", "file": upload}
    # A file that may be read is only tried (dry run); the others are really uploaded.
    data["dry_run"] = "true" if hostile.outcome == READ else "false"
    started = time.perf_counter()
    response = client.post(API_UPLOAD, data)
    seconds = time.perf_counter() - started
    body = response.json()
    codes = {finding["code"] for finding in body.get("findings", ())}
    messages = " ".join(finding["message"] for finding in body.get("findings", ()))
    problems = []
    if hostile.outcome == READ:
        if response.status_code != 200 or body["blocking"] or not body["values"]:
            problems.append(f"not read cleanly: {response.status_code} {codes}")
    elif response.status_code != 400 or set(body) != {"detail", "findings"}:
        problems.append(f"answered {response.status_code} {sorted(body)}")
    elif hostile.outcome == REFUSED and (
        hostile.expect not in body["detail"] or codes != {"file_rejected"}
    ):
        problems.append(f"refused otherwise: {body['detail'][:80]}")
    if hostile.outcome != REFUSED and hostile.expect and hostile.expect not in codes:
        problems.append(f"no {hostile.expect} among {sorted(codes)}")
    if NHS_NUMBER.replace(" ", "") in messages.replace(" ", ""):
        problems.append("a message repeats the NHS number")
    if seconds > REQUEST_SECONDS:
        problems.append(f"took {seconds:.1f} s")
    if stored() != before:
        problems.append(f"stored rows: {before} -> {stored()}")
    return "; ".join(problems)


def test_every_file_through_the_api_is_refused_or_read_and_nothing_is_stored(
    submitter: Client,
) -> None:
    # One test for the corpus (not one each): the registry and catalogue are set up once.
    outcomes = {hostile.file_name: api_outcome(submitter, hostile) for hostile in CORPUS}
    assert len(outcomes) == len(CORPUS)
    assert {name: problem for name, problem in outcomes.items() if problem} == {}


def page_outcome(client: Client, hostile: Hostile) -> str:
    url = reverse("return-upload", kwargs={"ods_code": "RA1", "period": "2021-22-q3"})
    before = stored()
    started = time.perf_counter()
    response = client.post(url, {"file": SimpleUploadedFile(hostile.file_name, hostile.content)})
    seconds = time.perf_counter() - started
    problems = []
    if response.status_code != 400:
        problems.append(f"answered {response.status_code}")
    elif hostile.expect not in error_summary(response):
        problems.append(f"error summary without {hostile.expect!r}")
    if seconds > REQUEST_SECONDS:
        problems.append(f"took {seconds:.1f} s")
    if stored() != before:
        problems.append(f"stored rows: {before} -> {stored()}")
    return "; ".join(problems)


def test_every_refused_file_on_the_page_shows_why_and_keeps_no_draft(submitter: Client) -> None:
    refused = [hostile for hostile in CORPUS if hostile.outcome == REFUSED]
    outcomes = {hostile.file_name: page_outcome(submitter, hostile) for hostile in refused}
    assert len(outcomes) >= 30
    assert {name: problem for name, problem in outcomes.items() if problem} == {}


def test_a_link_to_another_workbook_is_only_cached_values_and_passes() -> None:
    link = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships"><sheetNames><sheetName val="Q3"/></sheetNames></externalBook>'
        b"</externalLink>"
    )
    content = rezip(good_xlsx(), add={"xl/externalLinks/externalLink1.xml": link})
    assert [row.cells["metric_code"] for row in read_return_file("r.xlsx", content).rows] == [
        "S001"
    ]
