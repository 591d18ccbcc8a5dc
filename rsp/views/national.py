"""A national admin's page: open a case for a whole system (the other route of entry)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.roles import OPEN_CASE
from accounts.scope import is_national, request_user, systems_visible_to
from oversight.errors import DomainError, NotFound, NotPermitted
from rsp.cases import case_open_for_system
from rsp.forms import SystemCaseForm
from rsp.models import Programme
from segmentation.forms import add_domain_error
from segmentation.views.common import domain_page, posted


@login_required
@require_http_methods(["GET", "POST"])
@domain_page
def system_case_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not is_national(user, OPEN_CASE):
        raise NotFound("Only national admins open cases for whole systems.")
    systems = systems_visible_to(user).order_by("name")
    programmes = Programme.objects.exclude(lead_kind="regional_lead").order_by(
        "edition_code", "segment"
    )
    form = SystemCaseForm(
        posted(request),
        systems=[(s.ods_code, f"{s.name} ({s.ods_code})") for s in systems],
        programmes=[(str(p.pk), f"{p.name} ({p.edition_code})") for p in programmes],
    )
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            case = case_open_for_system(
                system=systems.get(ods_code=data["system"]),
                programme=programmes.get(pk=data["programme"]),
                entered_on=data["entered_on"],
                cqc_recommended_entry=data["cqc_recommended_entry"],
                reason=data["reason"],
                user=user,
            )
        except (NotFound, NotPermitted):
            raise
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            messages.success(request, f"Case opened for {case.subject_name}: appoint its SID next.")
            return redirect(case.get_absolute_url())
    return render(
        request,
        "rsp/system_case.html",
        {"form": form, "breadcrumbs": [("Support cases", "/cases/")]},
    )
