"""Reading a case file back, for the pages and the API alike: every part of one case in a
constant number of queries, filtered for the reader (a body never gets internal-only notes,
documents or events), with the RAG of each action and what is overdue or due soon."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.scope import AnyUser
from rsp.access import CaseAccess, access_of, cases_visible
from rsp.actions import Allowed, action_actions, case_actions, criterion_actions, milestone_actions
from rsp.cases import exit_blockers
from rsp.models import (
    Action,
    Case,
    CaseDocument,
    CaseEvent,
    CaseNote,
    ExitCriterion,
    Milestone,
    ReviewMeeting,
    Stocktake,
    Workstream,
)
from rsp.plan import rag_of
from rsp.rag import DUE_SOON_DAYS, RagReading


def case_list(user: AnyUser) -> QuerySet[Case]:
    """The cases in the user's scope, with what a list row shows."""
    return (
        cases_visible(user)
        .select_related("organisation", "organisation__region", "system", "programme", "lead")
        .order_by("state", "-entered_on", "-id")
    )


@dataclass(frozen=True)
class PlannedAction:
    action: Action
    rag: RagReading
    allowed: list[Allowed]
    documents: list[CaseDocument]

    @property
    def overdue(self) -> bool:
        return not self.action.is_closed and self.action.due_on < timezone.localdate()


@dataclass(frozen=True)
class PlannedWorkstream:
    workstream: Workstream
    actions: list[PlannedAction]


@dataclass
class CaseFile:
    case: Case
    access: CaseAccess
    allowed: list[Allowed]
    exit_blockers: list[str]
    stocktake: Stocktake | None
    criteria: list[tuple[ExitCriterion, list[Allowed]]]
    workstreams: list[PlannedWorkstream]
    milestones: list[tuple[Milestone, list[Allowed]]]
    reviews: list[ReviewMeeting]
    notes: list[CaseNote]
    documents: list[CaseDocument]
    events: list[CaseEvent]
    today: date = field(default_factory=timezone.localdate)

    def may(self, name: str) -> bool:
        return any(a.action == name and a.allowed for a in self.allowed)

    @property
    def can(self) -> dict[str, bool]:
        """The case-level actions the reader may take, by name (for templates)."""
        return {a.action: a.allowed for a in self.allowed}

    @property
    def actions(self) -> list[PlannedAction]:
        return [a for w in self.workstreams for a in w.actions]

    @property
    def overdue(self) -> list[PlannedAction]:
        return [a for a in self.actions if a.overdue]

    @property
    def due_soon(self) -> list[PlannedAction]:
        soon = self.today + timedelta(days=DUE_SOON_DAYS)
        return [
            a
            for a in self.actions
            if not a.action.is_closed and self.today <= a.action.due_on <= soon
        ]

    @property
    def criteria_met(self) -> int:
        return sum(1 for c, _ in self.criteria if c.is_met)

    @property
    def next_review_on(self) -> date | None:
        return next((r.next_review_on for r in self.reviews if r.next_review_on), None)


def _documents(case: Case, internal: bool) -> QuerySet[CaseDocument]:
    found = CaseDocument.objects.filter(case=case).defer("content").select_related("uploaded_by")
    return found if internal else found.filter(internal=False)


def case_file(user: AnyUser, case: Case) -> CaseFile:
    """Every part of a case the user may see (call ``rsp.access.case_visible`` first)."""
    access = access_of(user, case)
    internal = access.see_internal
    documents = list(_documents(case, internal))
    by_action: dict[int, list[CaseDocument]] = {}
    for document in documents:
        if document.action_id:
            by_action.setdefault(document.action_id, []).append(document)
    workstreams = Workstream.objects.filter(case=case).prefetch_related(
        Prefetch("actions", queryset=Action.objects.select_related("owner", "closed_by"))
    )
    planned = [
        PlannedWorkstream(
            w,
            [
                PlannedAction(
                    a,
                    rag_of(a),
                    action_actions(a, access, case_open=case.is_open),
                    by_action.get(a.pk, []),
                )
                for a in w.actions.all()
            ],
        )
        for w in workstreams
    ]
    criteria = list(
        ExitCriterion.objects.filter(case=case).select_related("metric", "evaluated_period")
    )
    blockers = exit_blockers(case) if case.is_open else []
    notes = CaseNote.objects.filter(case=case).select_related("author")
    events = CaseEvent.objects.filter(case=case).select_related("actor")
    return CaseFile(
        case=case,
        access=access,
        allowed=case_actions(case, access, blockers),
        exit_blockers=blockers,
        stocktake=Stocktake.objects.filter(case=case).prefetch_related("root_causes").first(),
        criteria=[(c, criterion_actions(c, access, case_open=case.is_open)) for c in criteria],
        workstreams=planned,
        milestones=[
            (m, milestone_actions(m, access, case_open=case.is_open))
            for m in Milestone.objects.filter(case=case)
        ],
        reviews=list(ReviewMeeting.objects.filter(case=case)),
        notes=list(notes if internal else notes.filter(internal=False)),
        documents=documents,
        events=list(events if internal else events.filter(internal=False)),
    )
