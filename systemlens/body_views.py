"""A body's oversight page: the evidence the segmentation review links to (its concerns and
their outcomes, its lead and served ICSs), the latest quarter's flags each with a way to open a
concern from it, and its meetings; and the form that sets the ICSs it is overseen across."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from metrics.models.results import Flag
from oversight.errors import DomainError, NotFound
from oversight.models import Organisation, OrganisationKind
from systemlens.access import body_overseen, may_run_oversight, meetings_visible
from systemlens.across import oversight_across_set
from systemlens.evidence import evidence_for
from systemlens.forms import AcrossForm
from systemlens.page_errors import form_error
from systemlens.selectors import latest_quarter


def _body(request: HttpRequest, code: str) -> Organisation:
    try:
        return body_overseen(request.user, code)
    except NotFound as missing:
        raise Http404(missing.message) from None


@login_required
@require_http_methods(["GET", "POST"])
def body_page(request: HttpRequest, code: str) -> HttpResponse:
    body = _body(request, code)
    may_record = may_run_oversight(request.user, body)
    evidence = evidence_for(user=request.user, organisation_ids=[body.pk])[body.pk]
    form = AcrossForm(
        request.POST or None,
        initial={"lead": evidence.lead_system, "served": evidence.served_systems},
    )
    if request.method == "POST" and form.is_valid():
        try:
            oversight_across_set(
                organisation=body,
                lead=form.cleaned_data["lead"],
                served=list(form.cleaned_data["served"]),
                user=request.user,  # type: ignore[arg-type]
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, f"The ICSs overseeing {body.name} are recorded.")
            return redirect("system-lens-body", code=body.ods_code)
    quarter = latest_quarter()
    flags = (
        list(
            Flag.objects.filter(run_id=quarter.run.pk, organisation=body)
            .select_related("metric")
            .order_by("kind", "metric__code")
        )
        if quarter
        else []
    )
    meetings = meetings_visible(request.user).filter(organisation=body).order_by("-held_on")
    return render(
        request,
        "systemlens/body.html",
        {
            "body": body,
            "evidence": evidence,
            "form": form,
            "across": may_record and body.kind == OrganisationKind.TRUST,
            "may_record": may_record,
            "quarter": quarter,
            "flags": flags,
            "meetings": list(meetings[:20]),
            "breadcrumbs": [(body.system.name, f"/ics/{body.system.ods_code}/")]
            if body.system
            else [],
        },
    )
