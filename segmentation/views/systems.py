"""An ICS's page of the review: the system's segment beside its organisations', the ICS lead's
views given or not, and (for the region) asking the ICS lead for views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.roles import DECIDE_SEGMENT, RECORD_SYSTEM_VIEW
from accounts.scope import request_user, system_for, systems_visible_to
from oversight.errors import DomainError, NotFound, NotPermitted
from oversight.models import OrganisationKind
from segmentation.access import period_named
from segmentation.forms import ViewsRequestForm, add_domain_error
from segmentation.methods import review_method
from segmentation.models import ViewRequest
from segmentation.review import annotated_proposals
from segmentation.system_views import views_request
from segmentation.views.common import crumbs, domain_page, posted


@login_required
@require_http_methods(["GET", "POST"])
@domain_page
def system_review(request: HttpRequest, period: str, code: str) -> HttpResponse:
    user = request_user(request)
    quarter = period_named(period)
    system = system_for(user, code)
    form = ViewsRequestForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            views_request(system=system, period=quarter, user=user, note=form.cleaned_data["note"])
        except (NotFound, NotPermitted):
            raise
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            messages.success(request, f"The ICS lead of {system.name} is asked for views.")
            return redirect(request.path)
    method = review_method(quarter)
    rows = (
        list(
            annotated_proposals(user=user, period=quarter, method=method, previous=None)
            .filter(organisation__system=system)
            .order_by("organisation__kind", "organisation__name")
        )
        if method
        else []
    )
    ics = [r for r in rows if r.organisation.kind == OrganisationKind.ICS]
    return render(
        request,
        "segmentation/system.html",
        {
            "system": system,
            "period": quarter,
            "method": method,
            "ics_row": ics[0] if ics else None,
            "rows": [r for r in rows if r.organisation.kind != OrganisationKind.ICS],
            "may_view": systems_visible_to(user, RECORD_SYSTEM_VIEW).filter(pk=system.pk).exists(),
            "may_ask": systems_visible_to(user, DECIDE_SEGMENT).filter(pk=system.pk).exists(),
            "asked": ViewRequest.objects.filter(system=system, period=quarter)
            .select_related("requested_by")
            .first(),
            "form": form,
            "breadcrumbs": crumbs(quarter),
        },
        status=400 if request.method == "POST" else 200,
    )
