"""Notes on a case: internal-only unless the author shares them with the body."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from oversight.errors import InputRejected
from rsp.access import require_work
from rsp.audit import case_event
from rsp.models import Case, CaseNote


@transaction.atomic
def note_add(*, case: Case, text: str, internal: bool, user: User) -> CaseNote:
    require_work(user, case)
    if not text.strip():
        raise InputRejected("Write the note.", {"text": ["The note is empty."]})
    note = CaseNote.objects.create(case=case, text=text.strip(), internal=internal, author=user)
    case_event(
        case,
        "note_added",
        actor=user,
        what="Internal note added." if internal else "Note added (shared with the body).",
        subject=f"note:{note.pk}",
        internal=internal,
    )
    return note
