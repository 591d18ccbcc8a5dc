"""The pages' one answer to a domain error: 404/403/409/400 with the reason, in the NHS.UK page.

Operations and selectors raise ``oversight.errors``; a page view lets them through (or catches
the ones it shows in a form's error summary) and this middleware answers the rest, as the DRF
handler (``oversight.api_errors``) does for the API. A 404 never says whether the record exists.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oversight.errors import DomainError, NotFound, NotPermitted

TEMPLATES = {NotFound: "404.html", NotPermitted: "403.html"}


def domain_error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The page for a refusal: its status, and the operation's reason in words."""
    template = next(
        (name for kind, name in TEMPLATES.items() if isinstance(error, kind)), "refused.html"
    )
    return render(request, template, {"reason": error.message}, status=error.status)


class DomainErrorMiddleware:
    """Turns a domain error a page view did not handle into its page (settings: MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, error: Exception) -> HttpResponse | None:
        if isinstance(error, DomainError):
            return domain_error_response(request, error)
        return None
