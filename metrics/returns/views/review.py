"""The review steps of one return in the browser: justify, sign off, accept, send back, reopen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.scope import request_user
from metrics.models.returns import (
    Return,
    Severity,
)
from metrics.returns.forms import (
    ConfirmForm,
    JustifyForm,
    ReopenForm,
    SendBackForm,
)
from metrics.returns.policy import (
    ReturnActionRefused,
)
from metrics.returns.review import (
    findings_justify,
    return_accept,
    return_reopen,
    return_send_back,
    return_sign_off,
)
from metrics.returns.views.return_page import ReturnPage, return_page_load, return_page_render


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


def _one_step(
    request: HttpRequest, page: ReturnPage, step: Callable[..., Return], done: str
) -> HttpResponse:
    """Run a review step without fields; a refusal is shown in the error summary."""
    form = ConfirmForm(request.POST)
    if page.record is None:
        form.add_error(None, "This return has no version yet.")
        return return_page_render(request, page, form=form, status=400)
    try:
        step(return_record=page.record, user=request_user(request))
    except ReturnActionRefused as refused:
        form.add_error(None, refused.message)
        return return_page_render(request, page, form=form, status=400)
    messages.success(request, done)
    return redirect(page.url())


@login_required
@require_POST
def return_sign_off_view(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = return_page_load(request, ods_code, period)
    return _one_step(request, page, return_sign_off, "Return signed off.")


@login_required
@require_POST
def return_accept_view(request: HttpRequest, ods_code: str, period: str) -> HttpResponse:
    page = return_page_load(request, ods_code, period)
    return _one_step(request, page, return_accept, "Return accepted.")


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
