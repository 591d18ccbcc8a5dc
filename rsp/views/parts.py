"""The forms of a case's parts: stocktake, exit criteria, plan (workstreams, actions and their
progress, evidence, closure and RAG), milestones, reviews, notes and documents. Each calls the
operation the API calls."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.scope import request_user
from metrics.models.catalogue import Metric
from rsp.access import part_visible
from rsp.criteria import CriterionInput, criterion_add, criterion_change, criterion_set_status
from rsp.documents import MAX_DOCUMENT_BYTES, Upload, document_add
from rsp.forms import (
    AchieveForm,
    CaseNoteForm,
    CriterionForm,
    DocumentForm,
    MilestoneForm,
    ReviewForm,
    StatusForm,
    StocktakeForm,
    WorkstreamForm,
)
from rsp.models import Case, ExitCriterion, Milestone
from rsp.notes import note_add
from rsp.plan import milestone_achieve, milestone_add, workstream_add
from rsp.reviews import ReviewInput, review_record
from rsp.stocktake import stocktake_record
from rsp.views.common import domain_page, form_page, posted, the_case

GET_POST = ["GET", "POST"]


def _metrics(case: Case) -> list[tuple[str, str]]:
    found = Metric.objects.filter(edition__code=case.programme.edition_code).order_by("code")
    if not found.exists():  # an edition without its catalogue loaded: any metric, latest first
        found = Metric.objects.order_by("-edition_id", "code")
    return [(m.code, f"{m.code} {m.name}") for m in found[:500]]


def _metric(case: Case, code: str) -> Metric | None:
    if not code:
        return None
    return (
        Metric.objects.filter(code=code, edition__code=case.programme.edition_code).first()
        or Metric.objects.filter(code=code).order_by("-edition_id").first()
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def stocktake_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = the_case(request, pk)
    user = request_user(request)
    initial: dict[str, Any] = {}
    existing = getattr(case, "stocktake", None)
    if existing is not None:
        initial = {
            "held_on": existing.held_on,
            "partners": existing.partners,
            "recommended_exit_criteria": existing.recommended_exit_criteria,
            **{f"cause_{r.theme}": r.text for r in existing.root_causes.all()},
        }
    form = StocktakeForm(posted(request), initial=initial)

    def record(data: dict[str, Any]) -> object:
        return stocktake_record(
            case=case,
            held_on=data["held_on"],
            partners=data["partners"],
            root_causes=form.root_causes(),
            recommended_exit_criteria=data["recommended_exit_criteria"],
            reason=data["reason"],
            user=user,
        )

    return form_page(
        request,
        form=form,
        case=case,
        title="Diagnostic stocktake",
        intro="Root causes by the framework's five themes; give at least one.",
        submit="Save the stocktake",
        operation=record,
        done="Stocktake saved.",
        next_url=f"{case.get_absolute_url()}stocktake/",
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def criterion_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = the_case(request, pk)
    user = request_user(request)
    form = CriterionForm(posted(request), metrics=_metrics(case))
    form.fields.pop("reason")

    def add(data: dict[str, Any]) -> object:
        given = CriterionInput(
            data["description"], _metric(case, data["metric"]), data["comparator"], data["target"]
        )
        return criterion_add(case=case, given=given, user=user, at_entry=data["at_entry"])

    return form_page(
        request,
        form=form,
        case=case,
        title="Add an exit criterion",
        intro=(
            "Measurable where possible: a metric, a comparison and a target, evaluated from "
            "the latest accepted data after each calculation run."
        ),
        submit="Add the criterion",
        operation=add,
        done="Exit criterion added.",
        next_url=f"{case.get_absolute_url()}criteria/",
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def criterion_edit(request: HttpRequest, pk: int, criterion: int) -> HttpResponse:
    user = request_user(request)
    found = part_visible(user, ExitCriterion, criterion)
    case = the_case(request, pk)
    initial = {
        "description": found.description,
        "metric": found.metric.code if found.metric else "",
        "comparator": found.comparator,
        "target": found.target,
    }
    form = CriterionForm(posted(request), metrics=_metrics(case), initial=initial)
    form.fields.pop("at_entry")

    def change(data: dict[str, Any]) -> object:
        given = CriterionInput(
            data["description"], _metric(case, data["metric"]), data["comparator"], data["target"]
        )
        return criterion_change(criterion=found, given=given, reason=data["reason"], user=user)

    return form_page(
        request,
        form=form,
        case=case,
        title="Change the exit criterion",
        intro="Who changed it, when, why and what it was are kept on the timeline.",
        submit="Save the change",
        operation=change,
        done="Exit criterion changed.",
        next_url=f"{case.get_absolute_url()}criteria/",
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def criterion_status(request: HttpRequest, pk: int, criterion: int) -> HttpResponse:
    user = request_user(request)
    found = part_visible(user, ExitCriterion, criterion)
    case = the_case(request, pk)
    form = StatusForm(posted(request), initial={"status": found.status, "evidence": found.evidence})
    return form_page(
        request,
        form=form,
        case=case,
        title=f"Status of “{found.description}”",
        submit="Save the status",
        operation=lambda data: criterion_set_status(criterion=found, **data, user=user),
        done="Status saved.",
        next_url=f"{case.get_absolute_url()}criteria/",
    )


def _simple(
    request: HttpRequest,
    pk: int,
    form_class: type,
    title: str,
    submit: str,
    add: Any,
    done: str,
    part: str,
) -> HttpResponse:
    case = the_case(request, pk)
    user = request_user(request)
    return form_page(
        request,
        form=form_class(posted(request)),
        case=case,
        title=title,
        submit=submit,
        operation=lambda data: add(case=case, **data, user=user),
        done=done,
        next_url=f"{case.get_absolute_url()}{part}/",
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def workstream_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple(
        request,
        pk,
        WorkstreamForm,
        "Add a workstream",
        "Add",
        workstream_add,
        "Workstream added.",
        "plan",
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def milestone_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple(
        request,
        pk,
        MilestoneForm,
        "Add a milestone",
        "Add",
        milestone_add,
        "Milestone added.",
        "plan",
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def milestone_done(request: HttpRequest, pk: int, milestone: int) -> HttpResponse:
    user = request_user(request)
    found = part_visible(user, Milestone, milestone)
    case = the_case(request, pk)
    return form_page(
        request,
        form=AchieveForm(posted(request)),
        case=case,
        title=f"Milestone achieved: {found.title}",
        submit="Save",
        operation=lambda data: milestone_achieve(milestone=found, **data, user=user),
        done="Milestone achieved.",
        next_url=f"{case.get_absolute_url()}plan/",
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def note_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = the_case(request, pk)
    user = request_user(request)
    return form_page(
        request,
        form=CaseNoteForm(posted(request)),
        case=case,
        title="Add a note",
        submit="Add the note",
        operation=lambda data: note_add(
            case=case, text=data["text"], internal=not data["shared"], user=user
        ),
        done="Note added.",
        next_url=f"{case.get_absolute_url()}documents/",
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def review_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = the_case(request, pk)
    user = request_user(request)
    return form_page(
        request,
        form=ReviewForm(posted(request), initial={"kind": "progress"}),
        case=case,
        title="Record a review meeting",
        submit="Record the review",
        operation=lambda data: review_record(case=case, given=ReviewInput(**data), user=user),
        done="Review recorded.",
        next_url=f"{case.get_absolute_url()}reviews/",
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def document_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = the_case(request, pk)
    user = request_user(request)
    form = DocumentForm(posted(request), request.FILES or None)

    def add(data: dict[str, Any]) -> object:
        file = data["file"]
        upload = Upload(
            file.name,
            bytes(file.read(MAX_DOCUMENT_BYTES + 1)),
            data["kind"],
            data["title"],
            data["internal"],
        )
        return document_add(case=case, upload=upload, user=user)

    return form_page(
        request,
        form=form,
        case=case,
        title="Add a document",
        submit="Upload",
        operation=add,
        done="Document added.",
        next_url=f"{case.get_absolute_url()}documents/",
    )
