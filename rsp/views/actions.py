"""The plan's actions in the browser: add one, its page (RAG in words, evidence, history),
progress, closure proposed by its owner and closed by someone else, and the RAG override."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.scope import request_user
from rsp.access import part_visible
from rsp.documents import MAX_DOCUMENT_BYTES, Upload, document_add
from rsp.forms import (
    ActionForm,
    EvidenceForm,
    NoteForm,
    ProgressForm,
    RagForm,
    ReasonForm,
    ReplanForm,
)
from rsp.models import Action, Workstream
from rsp.plan import (
    ActionInput,
    action_add,
    action_close,
    action_override_rag,
    action_propose_closure,
    action_reject_closure,
    action_replan,
    action_update,
)
from rsp.selectors import case_file
from rsp.views.common import (
    case_crumbs,
    domain_page,
    form_page,
    person_by_email,
    posted,
    the_case,
)

GET_POST = ["GET", "POST"]


@login_required
@require_http_methods(GET_POST)
@domain_page
def action_new(request: HttpRequest, pk: int, workstream: int) -> HttpResponse:
    user = request_user(request)
    found = part_visible(user, Workstream, workstream)
    case = the_case(request, pk)

    def add(data: dict[str, Any]) -> object:
        owner = person_by_email(data["owner"], "owner")
        given = ActionInput(
            data["title"], owner, data["due_on"], data["description"], data["starts_on"]
        )
        return action_add(workstream=found, given=given, user=user)

    return form_page(
        request,
        form=ActionForm(posted(request)),
        case=case,
        title=f"Add an action to {found.title}",
        submit="Add the action",
        operation=add,
        done="Action added.",
        next_url=f"{case.get_absolute_url()}plan/",
    )


ACTION_FORMS: dict[str, tuple[type, str, str, Any, str, bool]] = {
    "progress": (
        ProgressForm,
        "Update progress",
        "Save progress",
        action_update,
        "Progress saved.",
        False,
    ),
    "propose": (
        NoteForm,
        "Propose closure",
        "Propose closure",
        action_propose_closure,
        "Closure proposed: someone else on the case will close it.",
        False,
    ),
    "close": (
        NoteForm,
        "Close the action",
        "Close the action",
        action_close,
        "Action closed.",
        False,
    ),
    "reject": (
        ReasonForm,
        "Send back to the owner",
        "Send back",
        action_reject_closure,
        "Sent back to the owner.",
        True,
    ),
    "replan": (
        ReplanForm,
        "Change the due date",
        "Save the due date",
        action_replan,
        "Due date changed.",
        False,
    ),
    "rag": (RagForm, "Override the RAG", "Save the RAG", action_override_rag, "RAG saved.", False),
}


@login_required
@require_http_methods(GET_POST)
@domain_page
def action_detail(request: HttpRequest, pk: int, action: int) -> HttpResponse:
    """An action with its RAG, evidence and history; and the evidence upload form."""
    user = request_user(request)
    found = part_visible(user, Action, action, case_path="workstream__case")
    case = the_case(request, pk)
    file = case_file(user, case)
    planned = next(a for a in file.actions if a.action.pk == found.pk)
    form = EvidenceForm(posted(request), request.FILES or None)
    if request.method == "POST":

        def add(data: dict[str, Any]) -> object:
            upload = Upload(
                data["file"].name,
                bytes(data["file"].read(MAX_DOCUMENT_BYTES + 1)),
                title=data["title"],
                action=found,
            )
            return document_add(case=case, upload=upload, user=user)

        return form_page(
            request,
            form=form,
            case=case,
            title=f"Add evidence to “{found.title}”",
            submit="Upload",
            operation=add,
            done="Evidence added.",
            who="any",
            next_url=request.path,
        )
    return render(
        request,
        "rsp/action.html",
        {
            "case": case,
            "file": file,
            "planned": planned,
            "form": form,
            "events": [e for e in file.events if e.subject == f"action:{found.pk}"],
            "breadcrumbs": [
                *case_crumbs(case),
                ("Improvement plan", f"{case.get_absolute_url()}plan/"),
            ],
        },
    )


@login_required
@require_http_methods(GET_POST)
@domain_page
def action_form(request: HttpRequest, pk: int, action: int, step: str) -> HttpResponse:
    user = request_user(request)
    found = part_visible(user, Action, action, case_path="workstream__case")
    case = the_case(request, pk)
    if step not in ACTION_FORMS:
        raise Http404("No such step.")
    form_class, title, submit, operation, done, warning = ACTION_FORMS[step]
    initial = {"progress": found.progress, "rag": found.rag_override, "due_on": found.due_on}
    return form_page(
        request,
        form=form_class(posted(request), initial=initial),
        case=case,
        title=f"{title}: {found.title}",
        submit=submit,
        operation=lambda data: operation(action=found, **data, user=user),
        done=done,
        next_url=f"{case.get_absolute_url()}actions/{found.pk}/",
        warning=warning,
        who="any",
    )
