"""Documents on a case: evidence files checked for size and type, kept safely.

A file is refused whole, with a message saying why, when it is empty, larger than 10 MiB, of a
type other than PDF, PNG, JPEG, CSV, plain text or Excel workbook (.xlsx), not what its name
says (the first bytes are checked), or carries active content: a PDF with JavaScript, launch
actions or embedded files; a workbook with macros, embedded files, XML attacks or a "zip bomb"
(``metrics.returns.xlsxsafe``, the same checks as return files); text with control characters.
Files are kept in the database and served only through the case's scoped download, as an
attachment, never rendered inline.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.db import transaction

from accounts.audit import Event, audit_log
from accounts.models import User
from metrics.returns.file import FORBIDDEN_CONTROL
from metrics.returns.xlsxsafe import archive_problem
from oversight.errors import InputRejected, NotFound
from rsp.access import cases_visible, require_work
from rsp.audit import case_event
from rsp.models import Action, Case, CaseDocument, DocumentKind, ExitCriterion

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "csv": "text/csv",
    "txt": "text/plain",
    "xlsx": XLSX,
}
MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
# PDF names that run code or carry files: evidence never needs them.
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|OpenAction|AA)\b")
ACCEPTED = "PDF, PNG, JPEG, CSV, plain text or Excel workbook (.xlsx)"


def _refuse(message: str) -> InputRejected:
    return InputRejected(message, {"file": [message]})


def safe_file_name(name: str) -> str:
    """The file's own name, without any path, control characters or quotes; at most 200."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '"<>')
    return base.strip().strip(".")[-200:] or "document"


def document_type(file_name: str, content: bytes) -> str:
    """The content type of an acceptable document, or InputRejected saying why not."""
    if not content:
        raise _refuse("The file is empty.")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise _refuse(
            f"The file is {len(content) / 1024 / 1024:.1f} MiB; the largest document accepted "
            f"is {MAX_DOCUMENT_BYTES // 1024 // 1024} MiB."
        )
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    kind = TYPES.get(suffix)
    if kind is None:
        raise _refuse(f"Upload a {ACCEPTED}; “{safe_file_name(file_name)}” is none of these.")
    if kind in MAGIC and not content.startswith(MAGIC[kind]):
        raise _refuse(f"The file is named .{suffix} but its contents are not a {suffix.upper()}.")
    if kind == "application/pdf" and PDF_ACTIVE.search(content):
        raise _refuse(
            "This PDF contains scripts, launch actions or embedded files, which Oversight never "
            "accepts. Print it to a new PDF and upload that."
        )
    if kind == XLSX:
        problem = archive_problem(content)
        if problem:
            raise _refuse(problem)
    if kind.startswith("text/"):
        _check_text(content)
    return kind


def _check_text(content: bytes) -> None:
    for encoding in ("utf-8-sig", "windows-1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - windows-1252 decodes nearly anything
        raise _refuse("The text file cannot be read as UTF-8 or Windows-1252.")
    if FORBIDDEN_CONTROL.search(text):
        raise _refuse("The text file contains control characters: it is not plain text.")


@dataclass(frozen=True)
class Upload:
    file_name: str
    content: bytes
    kind: str = DocumentKind.EVIDENCE
    title: str = ""
    internal: bool = False
    action: Action | None = None
    criterion: ExitCriterion | None = None


def _require_uploader(user: User, case: Case, upload: Upload) -> None:
    """The case's team, or an action's owner adding evidence to their own action."""
    owner = upload.action is not None and upload.action.owner_id == user.pk
    if owner and upload.kind == DocumentKind.EVIDENCE and not upload.internal:
        if not cases_visible(user).filter(pk=case.pk).exists():
            raise NotFound("No such case.")
        return
    require_work(user, case)


@transaction.atomic
def document_add(*, case: Case, upload: Upload, user: User) -> CaseDocument:
    _require_uploader(user, case, upload)
    if upload.kind not in DocumentKind.values:
        raise InputRejected("Choose a kind.", {"kind": ["Choose what the document is."]})
    for part in (upload.action, upload.criterion):
        if part is not None and _case_of(part) != case.pk:
            raise NotFound("No such action or criterion on this case.")
    content_type = document_type(upload.file_name, upload.content)
    document = CaseDocument.objects.create(
        case=case,
        kind=upload.kind,
        title=upload.title.strip()[:200],
        action=upload.action,
        criterion=upload.criterion,
        internal=upload.internal,
        file_name=safe_file_name(upload.file_name),
        content_type=content_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        content=upload.content,
        uploaded_by=user,
    )
    audit_log(Event.UPLOAD, user=user, obj=f"case_document:{document.pk}", case=case.pk)
    on = f" for “{upload.action.title}”" if upload.action else ""
    case_event(
        case,
        "document_added",
        actor=user,
        what=f"{document.get_kind_display()} added{on}: {document.file_name}.",
        subject=f"document:{document.pk}",
        internal=upload.internal,
    )
    return document


def _case_of(part: Action | ExitCriterion) -> int:
    if isinstance(part, Action):
        return part.workstream.case_id
    return part.case_id
