"""Evidence files: checked for size and type, hostile ones refused whole, nothing half-written."""

from __future__ import annotations

import io
import zipfile

import pytest

from oversight.errors import InputRejected, NotFound, NotPermitted
from rsp.documents import MAX_DOCUMENT_BYTES, Upload, document_add, safe_file_name
from rsp.models import Case, CaseDocument
from rsp.plan import ActionInput, action_add, workstream_add
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _xlsx_with(name: str, data: bytes = b"x") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.pdf", b"", "empty"),
        ("big.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, "largest document accepted is 10 MiB"),
        ("tool.exe", b"MZ\x90\x00", "is none of these"),
        ("page.html", b"<script>alert(1)</script>", "is none of these"),
        ("fake.pdf", b"<html>not a pdf</html>", "its contents are not a PDF"),
        ("fake.png", PDF, "its contents are not a PNG"),
        (
            "active.pdf",
            PDF + b"<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
            "scripts",
        ),
        ("macro.xlsx", _xlsx_with("xl/vbaProject.bin"), "macros"),
        ("nested.xlsx", _xlsx_with("xl/embeddings/inner.zip"), "embedded"),
        ("notes.txt", b"hello\x00world", "control characters"),
    ],
)
def test_hostile_or_oversize_files_are_refused_whole(
    rsp_case: Case, cast: Cast, name: str, content: bytes, words: str
):
    with pytest.raises(InputRejected) as refused:
        document_add(case=rsp_case, upload=Upload(name, content), user=cast.sid)
    assert words in refused.value.problems["file"][0]
    assert not CaseDocument.objects.exists()
    assert not rsp_case.events.exists()


def test_acceptable_files_are_kept_with_their_checksum(rsp_case: Case, cast: Cast):
    document = document_add(
        case=rsp_case, upload=Upload("../../etc/Board\x07 paper.png", PNG), user=cast.sid
    )
    assert (document.file_name, document.content_type, document.size) == (
        "Board paper.png",
        "image/png",
        len(PNG),
    )
    assert bytes(document.content) == PNG
    assert len(document.sha256) == 64
    assert safe_file_name('a"<b>.pdf') == "ab.pdf"


def test_the_owner_adds_evidence_to_their_own_action_only(rsp_case: Case, cast: Cast):
    workstream = workstream_add(case=rsp_case, title="Quality", lead_name="", user=cast.sid)
    import datetime

    action = action_add(
        workstream=workstream,
        given=ActionInput("Audit", owner=cast.submitter, due_on=datetime.date(2030, 1, 1)),
        user=cast.sid,
    )
    # The owner (a trust user) now sees the case, and adds evidence to their action...
    document_add(case=rsp_case, upload=Upload("audit.pdf", PDF, action=action), user=cast.submitter)
    # ...but not internal documents, nor documents of the case as a whole.
    with pytest.raises(NotPermitted):
        document_add(case=rsp_case, upload=Upload("audit.pdf", PDF), user=cast.submitter)
    with pytest.raises(NotFound):
        document_add(
            case=rsp_case, upload=Upload("audit.pdf", PDF, action=action), user=cast.outsider
        )
