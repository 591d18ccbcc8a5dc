"""The review steps of one return in the browser: justify, sign off, accept, send back, reopen."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import SIGN_OFF_RETURN
from accounts.scope import request_user
from metrics.models.returns import (
    Severity,
)
from metrics.returns.changes import changes_since_accepted
from metrics.returns.forms import (
    ConfirmForm,
    JustifyForm,
    ReopenForm,
    SendBackForm,
    SignOffForm,
)
from metrics.returns.policy import (
    ReturnActionRefused,
    next_actions,
    require_permission,
)
from metrics.returns.review import (
    findings_justify,
    return_accept,
    return_reopen,
    return_send_back,
    return_sign_off,
    sign_off_declaration,
)
from metrics.returns.views.return_page import ReturnPage, return_page_load, return_page_render
from oversight.errors import InputRejected


@login_required
@require_POST
def return_justify(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = return_page_load(request, ods_code, period)
    version = page.version
    warnings = (
        list(version.findings.filter(severity=Severity.WARNING, justification=""))
        if version
        else []
    )
    form = JustifyForm(request.POST, warnings=warnings)
    if form.is_valid() and page.record is not None:
        try:
            done = findings_justify(
                return_record=page.record,
                justifications=form.justifications(),
                user=request_user(request),
            )
        except ReturnActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"{len(done)} warning(s) justified.")
            return redirect(page.url())
    elif page.record is None:
        form.add_error(None, "This return has no version yet.")
    return return_page_render(request, page, form=form, justify_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def return_sign_off_view(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    """Check your answers: what is being signed off, then the approver's declaration."""
    page = return_page_load(request, ods_code, period)
    # The check is the sign-off's form: for those who may sign off (403 for the others).
    require_permission(
        request_user(request), SIGN_OFF_RETURN, page.organisation, "sign off its returns"
    )
    version = page.version
    if page.record is None or version is None:
        empty = ConfirmForm()
        if request.method == "GET":
            return return_page_render(request, page)
        empty.add_error(None, "This return has no version yet.")
        return return_page_render(request, page, form=empty, status=400)
    declaration = sign_off_declaration(version, page.organisation)
    posted = request.POST if request.method == "POST" else None  # an empty POST is still one
    form = SignOffForm(posted, declaration=declaration)
    if request.method == "POST" and form.is_valid():
        try:
            return_sign_off(
                return_record=page.record,
                user=request_user(request),
                declaration=form.cleaned_data["declaration"],
            )
        except InputRejected as rejected:
            form.add_error("declaration", rejected.message)
        except ReturnActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"Return signed off: version {version.number}.")
            return redirect(page.url())
    return _check_answers(request, page, form, status=400 if form.errors else 200)


def _check_answers(
    request: HttpRequest, page: ReturnPage, form: SignOffForm, status: int
) -> HttpResponse:
    assert page.record is not None
    assert page.version is not None
    actions = next_actions(
        organisation=page.organisation,
        period=page.period,
        return_record=page.record,
        user=request_user(request),
    )
    sign_off = next((a for a in actions if a.action == "sign_off"), None)
    context = {
        "page": page,
        "organisation": page.organisation,
        "period": page.period,
        "record": page.record,
        "version": page.version,
        "form": form,
        "sign_off": sign_off,
        "since_accepted": changes_since_accepted(page.record),
        "warnings": page.version.findings.filter(severity=Severity.WARNING)
        .select_related("justified_by")
        .order_by("row", "column"),
        "breadcrumbs": [
            ("Returns", reverse("returns-list") + f"?period={page.period.slug}"),
            (f"{page.organisation.name} {page.period.label}", page.url()),
        ],
    }
    return render(request, "metrics/returns/sign_off.html", context, status=status)


@login_required
@require_POST
def return_accept_view(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = return_page_load(request, ods_code, period)
    form = ConfirmForm(request.POST)
    if page.record is None:
        form.add_error(None, "This return has no version yet.")
        return return_page_render(request, page, form=form, status=400)
    try:
        acceptance = return_accept(return_record=page.record, user=request_user(request))
    except ReturnActionRefused as refused:
        form.add_error(None, refused.message)
        return return_page_render(request, page, form=form, status=400)
    links = format_html_join(
        ", ", '<a href="{}">{}</a>', ((f.url, f.label) for f in acceptance.started)
    )
    if acceptance.started:
        messages.success(
            request,
            format_html(
                "Return accepted. It started {}, which recalculates {}: follow it there.",
                links,
                page.period.label,
            ),
        )
    else:
        messages.success(request, "Return accepted.")
    return redirect(page.url())


@login_required
@require_POST
def return_send_back_view(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = return_page_load(request, ods_code, period)
    form = SendBackForm(request.POST)
    if form.is_valid():
        if page.record is None:
            form.add_error(None, "This return has no version yet.")
        else:
            try:
                return_send_back(
                    return_record=page.record,
                    user=request_user(request),
                    reason=form.cleaned_data["reason"],
                )
            except ReturnActionRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, "Return sent back.")
                return redirect(page.url())
    return return_page_render(request, page, form=form, send_back_form=form, status=400)


@login_required
@require_POST
def return_reopen_view(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = return_page_load(request, ods_code, period)
    form = ReopenForm(request.POST)
    if form.is_valid():
        until = timezone.make_aware(datetime.combine(form.cleaned_data["expires_on"], time.max))
        try:
            return_reopen(
                organisation=page.organisation,
                period=page.period,
                edition=page.edition,
                user=request_user(request),
                reason=form.cleaned_data["reason"],
                expires_at=until,
            )
        except ReturnActionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"Return reopened until the end of {until:%-d %B %Y}.")
            return redirect(page.url())
    return return_page_render(request, page, form=form, reopen_form=form, status=400)


# --- files -----------------------------------------------------------------------------------
