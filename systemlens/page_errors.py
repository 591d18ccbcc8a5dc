"""How a form page shows a domain error: bad input or a refused state goes back onto the form,
each problem on its field where the form has one (the NHS.UK error summary lists them); outside
scope (404) and a refused role (403) go on to the one page answer (oversight.pages)."""

from __future__ import annotations

from django import forms

from oversight.errors import DomainError, InputRejected, NotFound, NotPermitted


def form_error(form: forms.Form, error: DomainError) -> None:
    if isinstance(error, NotFound | NotPermitted):
        raise error
    if isinstance(error, InputRejected) and error.problems:
        for field, texts in error.problems.items():
            for text in texts:
                form.add_error(field if field in form.fields else None, text)
        return
    form.add_error(None, error.message)
