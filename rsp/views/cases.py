"""The case pages: the list in the user's scope, the case file (an NHS.UK task list of its
parts, what is overdue and due soon, the timeline), the printable case file for boards, the
documents' download, and the case-level forms (appoint the lead, details, exit)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import OPEN_CASE
from accounts.scope import is_national, request_user
from rsp.access import accesses, document_visible
from rsp.cases import Appointment, case_appoint_lead, case_exit, case_update_details
from rsp.forms import AppointForm, DetailsForm, ExitForm
from rsp.models import CaseState
from rsp.selectors import CaseFile, case_file, case_list
from rsp.views.common import case_crumbs, domain_page, form_page, person_by_email, posted, the_case
from rsp.views.tasks import case_tasks

PAGE_SIZE = 50
PARTS = ("stocktake", "criteria", "plan", "reviews", "documents", "timeline")


@login_required
@require_GET
def case_index(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "open")
    cases = case_list(request.user)
    if state in CaseState.values:
        cases = cases.filter(state=state)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    access = accesses(request.user, page.object_list)
    return render(
        request,
        "rsp/index.html",
        {
            "page_obj": page,
            "rows": [(case, access[case.pk]) for case in page.object_list],
            "state": state,
            "states": [
                ("open", "Open"),
                ("exited", "Exited"),
                ("withdrawn", "Withdrawn"),
                ("all", "All"),
            ],
            "querystring": f"state={state}",
            "may_open_system_case": is_national(request.user, OPEN_CASE),
        },
    )


def _file_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    case = the_case(request, pk)
    file: CaseFile = case_file(request.user, case)
    return {
        "case": case,
        "file": file,
        "tasks": case_tasks(file),
        "breadcrumbs": [("Support cases", "/cases/")],
    }


@login_required
@require_GET
@domain_page
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "rsp/case.html", _file_context(request, pk))


@login_required
@require_GET
@domain_page
def case_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole case file on one page, for a board pack (print stylesheet; print to PDF)."""
    return render(request, "rsp/print.html", _file_context(request, pk))


@login_required
@require_GET
@domain_page
def case_part(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    """One part of the case file on its own page (stocktake, criteria, plan, reviews,
    documents, timeline), with the forms the reader may use."""
    if part not in PARTS:
        raise Http404("No such part of a case file.")
    context = _file_context(request, pk)
    context["breadcrumbs"] = case_crumbs(context["case"])
    return render(request, f"rsp/part_{part}.html", context)


@login_required
@require_GET
@domain_page
def document_download(request: HttpRequest, pk: int, document: int) -> HttpResponse:
    """A document, only for those who may see it; always an attachment, never rendered here."""
    case = the_case(request, pk)
    found = document_visible(request.user, case, document)
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@domain_page
def case_appoint(request: HttpRequest, pk: int) -> HttpResponse:
    case = the_case(request, pk)
    user = request_user(request)
    initial = {
        "lead": case.lead.email if case.lead else "",
        "system_party": case.system_party,
        "regional_party": case.regional_party,
        "national_party": case.national_party,
        "reports_to": case.reports_to,
    }
    form = AppointForm(posted(request), initial=initial)

    def appoint(data: dict[str, Any]) -> object:
        lead = person_by_email(data.pop("lead"), "lead")
        return case_appoint_lead(case=case, appointment=Appointment(lead=lead, **data), user=user)

    joint = (
        " jointly with the system, the region and the national team"
        if case.programme.led_by_sid
        else ""
    )
    return form_page(
        request,
        form=form,
        case=case,
        title="Appoint the lead",
        intro=f"The {case.programme.get_lead_kind_display()} leads the case{joint}.",
        submit="Appoint",
        operation=appoint,
        done="Lead appointed.",
        who="decide",
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_page
def case_details(request: HttpRequest, pk: int) -> HttpResponse:
    case = the_case(request, pk)
    user = request_user(request)
    form = DetailsForm(
        posted(request),
        initial={
            "indicative_exit_on": case.indicative_exit_on,
            "cqc_recommended_entry": case.cqc_recommended_entry,
        },
    )
    return form_page(
        request,
        form=form,
        case=case,
        title="Change the case's details",
        submit="Save",
        operation=lambda data: case_update_details(case=case, **data, user=user),
        done="Details saved.",
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_page
def case_exit_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = the_case(request, pk)
    user = request_user(request)
    file = case_file(user, case)
    form = ExitForm(posted(request))
    top = case.programme.segment - 1
    form.fields["new_segment"].choices = [(n, f"Segment {n}") for n in range(1, top + 1)]  # type: ignore[attr-defined]
    met = f"{file.criteria_met} of {len(file.criteria)} exit criteria met"
    return form_page(
        request,
        form=form,
        case=case,
        title="Record the exit",
        intro=(
            "Exit needs every exit criterion met and, where entry was on CQC's recommendation, "
            "CQC's recommendation to exit attached. The body is then no longer proposed for "
            "the programme."
        ),
        submit="Record the exit",
        operation=lambda data: case_exit(case=case, **data, user=user),
        done=f"{case.subject_name} exited the {case.programme.name}.",
        who="decide",
        context={
            "details": [
                ("Exit criteria", met),
                ("Entry on CQC's recommendation", "Yes" if case.cqc_recommended_entry else "No"),
                ("Not ready because", "\n".join(file.exit_blockers) or "Nothing: ready to exit"),
            ]
        },
    )
