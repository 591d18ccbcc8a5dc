"""Review meetings of a case, and leadership capability reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from accounts.models import User
from oversight.errors import ActionRefused, InputRejected
from rsp.access import require_work
from rsp.audit import case_event
from rsp.models import Case, Rag, ReviewKind, ReviewMeeting


@dataclass(frozen=True)
class ReviewInput:
    held_on: date
    attendees: str
    summary: str
    overall_rag: str
    decisions: str = ""
    kind: str = ReviewKind.PROGRESS
    next_review_on: date | None = None


@transaction.atomic
def review_record(*, case: Case, given: ReviewInput, user: User) -> ReviewMeeting:
    require_work(user, case)
    if not case.is_open:
        raise ActionRefused("This case is closed.")
    problems: dict[str, list[str]] = {}
    if not given.attendees.strip():
        problems["attendees"] = ["List who attended."]
    if not given.summary.strip():
        problems["summary"] = ["Summarise the meeting."]
    if given.overall_rag not in (Rag.RED, Rag.AMBER, Rag.GREEN):
        problems["overall_rag"] = ["Choose the overall RAG: red, amber or green."]
    if given.kind not in ReviewKind.values:
        problems["kind"] = ["Choose the kind of review."]
    if given.next_review_on is not None and given.next_review_on <= given.held_on:
        problems["next_review_on"] = ["The next review must be after this one."]
    if problems:
        raise InputRejected("The review cannot be recorded as it is.", problems)
    review = ReviewMeeting.objects.create(
        case=case,
        kind=given.kind,
        held_on=given.held_on,
        attendees=given.attendees.strip(),
        summary=given.summary.strip(),
        decisions=given.decisions.strip(),
        overall_rag=given.overall_rag,
        next_review_on=given.next_review_on,
    )
    case_event(
        case,
        "review_recorded",
        actor=user,
        what=(
            f"{review.get_kind_display()} of {review.held_on:%-d %B %Y} recorded: overall "
            f"{review.get_overall_rag_display()}."
        ),
        subject=f"review:{review.pk}",
    )
    return review
