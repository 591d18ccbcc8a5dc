"""What every case page shares: the case as the reader may see it, and one way to run a form
through an operation (its refusals in the NHS.UK error summary, nothing half-written)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import User
from accounts.scope import request_user
from oversight.errors import DomainError, InputRejected, NotFound, NotPermitted
from rsp.access import case_visible, require_work
from rsp.cases import require_decider
from rsp.models import Case
from segmentation.forms import add_domain_error
from segmentation.views.common import domain_page, posted

__all__ = ["case_crumbs", "domain_page", "form_page", "person_by_email", "posted", "the_case"]


def the_case(request: HttpRequest, pk: int) -> Case:
    return case_visible(request_user(request), pk)


def person_by_email(email: str, field: str) -> User:
    found = User.objects.filter(email__iexact=email, is_active=True).first()
    if found is None:
        raise InputRejected("No such person.", {field: [f"Nobody signs in as {email}."]})
    return found


def case_crumbs(case: Case) -> list[tuple[str, str]]:
    return [("Support cases", "/cases/"), (case.subject_name, case.get_absolute_url())]


def form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    case: Case,
    title: str,
    submit: str,
    operation: Callable[[dict[str, Any]], object],
    done: str,
    next_url: str = "",
    intro: str = "",
    warning: bool = False,
    context: dict[str, Any] | None = None,
    who: str = "work",
) -> HttpResponse:
    """Show ``form``; on a valid POST call ``operation(cleaned_data)`` and go back to the case
    (or ``next_url``) with ``done`` as the message; a refusal goes into the form's errors.
    ``who`` may open the form at all: "work" (the case's team), "decide" (the region's
    leads) or "any" (the operation alone decides, e.g. an action's owner)."""
    user = request_user(request)
    if who == "work":
        require_work(user, case)
    elif who == "decide":
        require_decider(user, case)
    if request.method == "POST" and form.is_valid():
        try:
            operation(form.cleaned_data)
        except (NotFound, NotPermitted):
            raise
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            messages.success(request, done)
            return redirect(next_url or case.get_absolute_url())
    return render(
        request,
        "rsp/form.html",
        {
            "form": form,
            "case": case,
            "title": title,
            "submit": submit,
            "intro": intro,
            "warning": warning,
            "breadcrumbs": case_crumbs(case),
            "multipart": any(isinstance(f.field, forms.FileField) for f in form),
            **(context or {}),
        },
    )
