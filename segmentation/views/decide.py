"""The regional review's writes in the browser: record a decision, confirm it (four eyes), send
it back, and an ICS lead's view — each through the same operation the API calls, its refusals
shown in the NHS.UK error summary."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import RECORD_SYSTEM_VIEW
from accounts.scope import can, organisation_for, request_user
from oversight.errors import DomainError, NotFound, NotPermitted
from segmentation.access import decisions_visible, oversees, period_named
from segmentation.decisions import (
    decision_confirm,
    decision_record,
    decision_send_back,
    require_decider,
)
from segmentation.forms import ConfirmForm, DecisionForm, ReasonForm, ViewForm, add_domain_error
from segmentation.methods import review_method
from segmentation.models import Proposal, SegmentDecision, SystemView
from segmentation.standing import standing_of
from segmentation.system_views import system_view_record
from segmentation.views.common import crumbs, domain_page, posted
from segmentation.views.review import body_context


def _body_url(period_slug: str, ods: str) -> str:
    return f"/segmentation/{period_slug}/bodies/{ods}/"


@login_required
@require_http_methods(["GET", "POST"])
@domain_page
def decision_new(request: HttpRequest, period: str, ods: str) -> HttpResponse:
    user = request_user(request)
    quarter = period_named(period)
    organisation = organisation_for(user, ods)
    if not oversees(user, organisation):
        raise NotFound("No such organisation.")
    method = review_method(quarter)
    proposal = (
        Proposal.objects.filter(organisation=organisation, period=quarter, method=method).first()
        if method
        else None
    )
    require_decider(user, organisation)
    published = standing_of(organisation, quarter).published
    form = DecisionForm(
        posted(request),
        segments=method.segments if method else range(1, 5),
        ics=organisation.kind == "ics",
        published=published is not None,
        initial={"segment": proposal.segment if proposal else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            decision_record(
                organisation=organisation,
                period=quarter,
                segment=form.cleaned_data["segment"],
                judgement=form.judgement(),
                user=user,
            )
        except NotFound:
            raise
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            messages.success(
                request,
                f"Decision recorded for {organisation.name}: another regional lead must "
                "confirm it.",
            )
            return redirect(_body_url(quarter.slug, organisation.ods_code))
    return render(
        request,
        "segmentation/decide.html",
        {
            "form": form,
            "organisation": organisation,
            "period": quarter,
            "proposal": proposal,
            "published": published,
            "views": list(
                SystemView.objects.filter(organisation=organisation, period=quarter)
                .select_related("author")
                .order_by("-recorded_at")
            ),
            "breadcrumbs": crumbs(
                quarter, (organisation.name, _body_url(quarter.slug, organisation.ods_code))
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


def _decision(request: HttpRequest, period: str, pk: int) -> SegmentDecision:
    found = (
        decisions_visible(request_user(request))
        .select_related("organisation__region", "period")
        .filter(pk=pk, period__in=[period_named(period)])
        .first()
    )
    if found is None:
        raise NotFound("No such decision.")
    return found


def _refused_on_body_page(
    request: HttpRequest, decision: SegmentDecision, form: ConfirmForm | ReasonForm
) -> HttpResponse:
    context = body_context(request, decision.period.slug, decision.organisation.ods_code)
    context["form"] = form
    if isinstance(form, ReasonForm):
        context["reason_form"] = form
    return render(request, "segmentation/body.html", context, status=400)


@login_required
@require_POST
@domain_page
def decision_confirm_view(request: HttpRequest, period: str, pk: int) -> HttpResponse:
    decision = _decision(request, period, pk)
    form = ConfirmForm(request.POST)
    try:
        decision_confirm(decision=decision, user=request_user(request))
    except (NotFound, NotPermitted):
        raise
    except DomainError as refused:
        add_domain_error(form, refused)
        return _refused_on_body_page(request, decision, form)
    messages.success(request, f"Decision on {decision.organisation.name} confirmed.")
    return redirect(_body_url(decision.period.slug, decision.organisation.ods_code))


@login_required
@require_http_methods(["GET", "POST"])
@domain_page
def decision_send_back_view(request: HttpRequest, period: str, pk: int) -> HttpResponse:
    decision = _decision(request, period, pk)
    require_decider(request_user(request), decision.organisation)
    form = ReasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            decision_send_back(
                decision=decision, reason=form.cleaned_data["reason"], user=request_user(request)
            )
        except (NotFound, NotPermitted):
            raise
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            messages.success(request, f"Decision on {decision.organisation.name} sent back.")
            return redirect(_body_url(decision.period.slug, decision.organisation.ods_code))
    return render(
        request,
        "segmentation/send_back.html",
        {
            "form": form,
            "decision": decision,
            "period": decision.period,
            "breadcrumbs": crumbs(
                decision.period,
                (
                    decision.organisation.name,
                    _body_url(decision.period.slug, decision.organisation.ods_code),
                ),
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_page
def view_new(request: HttpRequest, period: str, ods: str) -> HttpResponse:
    """An ICS lead records their view on one of their organisations' segmentation."""
    user = request_user(request)
    quarter = period_named(period)
    organisation = organisation_for(user, ods)
    if not oversees(user, organisation):
        raise NotFound("No such organisation.")
    if not can(user, RECORD_SYSTEM_VIEW, organisation):
        raise NotPermitted("Only the ICS lead of its system records views on this organisation.")
    method = review_method(quarter)
    form = ViewForm(posted(request), segments=method.segments if method else range(1, 5))
    if request.method == "POST" and form.is_valid():
        try:
            system_view_record(
                organisation=organisation,
                period=quarter,
                text=form.cleaned_data["text"],
                suggested_segment=form.cleaned_data["suggested_segment"],
                user=user,
            )
        except (NotFound, NotPermitted):
            raise
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            messages.success(request, f"Your view on {organisation.name} is recorded.")
            system = organisation.system
            if system is not None:
                return redirect(f"/segmentation/{quarter.slug}/systems/{system.ods_code}/")
            return redirect(_body_url(quarter.slug, organisation.ods_code))
    return render(
        request,
        "segmentation/view_form.html",
        {
            "form": form,
            "organisation": organisation,
            "period": quarter,
            "proposal": Proposal.objects.filter(
                organisation=organisation, period=quarter, method=method
            ).first()
            if method
            else None,
            "breadcrumbs": crumbs(quarter),
        },
        status=400 if request.method == "POST" else 200,
    )
