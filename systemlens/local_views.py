"""Add a local metric for one of an ICS's local strategic priorities (seen only by the ICS, its
region and national users); the agreement's next version can then name it with a target."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from oversight.errors import DomainError
from systemlens.agreements import local_metric_add
from systemlens.forms import LocalMetricForm
from systemlens.forms_views import recording_system
from systemlens.page_errors import form_error


@login_required
@require_http_methods(["GET", "POST"])
def local_metric_new(request: HttpRequest, code: str) -> HttpResponse:
    system = recording_system(request, code)
    form = LocalMetricForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            metric = local_metric_add(system=system, user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                f"Local metric {metric.code} added: name it in the agreement's next version.",
            )
            return redirect("system-lens", code=system.ods_code)
    return render(
        request,
        "systemlens/local_metric_form.html",
        {"system": system, "form": form, "breadcrumbs": [(system.name, f"/ics/{code}/")]},
    )
