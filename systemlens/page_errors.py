"""How a page answers a domain error (the API's is oversight.api_errors): outside scope is a
404, a refused role a 403, and bad input or a refused state goes back onto the form, each
problem on its field where the form has one (the NHS.UK error summary lists them)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404

from oversight.errors import DomainError, InputRejected, NotFound, NotPermitted


def form_error(form: forms.Form, error: DomainError) -> None:
    if isinstance(error, NotFound):
        raise Http404(error.message)
    if isinstance(error, NotPermitted):
        raise PermissionDenied(error.message)
    if isinstance(error, InputRejected) and error.problems:
        for field, texts in error.problems.items():
            for text in texts:
                form.add_error(field if field in form.fields else None, text)
        return
    form.add_error(None, error.message)
