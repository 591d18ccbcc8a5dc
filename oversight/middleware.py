"""Branded error pages whatever DEBUG says.

In production (DEBUG off) Django renders templates/403.html, 404.html and 500.html itself. With
DEBUG on — the demo, which people are shown — it answers with its technical pages instead. This
middleware puts the service's own page in their place: for an HTML answer of 403, 404 or 500
that is not already on the NHS.UK layout. API answers (JSON) pass untouched; a 500's traceback
still reaches the console through Django's request logger.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

ERROR_TEMPLATES = {403: "403.html", 404: "404.html", 500: "500.html"}
OUR_LAYOUT = b'class="nhsuk-header'


class BrandedErrorPages:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not settings.DEBUG or response.status_code not in ERROR_TEMPLATES:
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if getattr(response, "streaming", False) or OUR_LAYOUT in response.content:
            return response
        template = ERROR_TEMPLATES[response.status_code]
        if response.status_code == 500:  # as Django's server_error: no context, nothing to fail
            return HttpResponse(render_to_string(template), status=500)
        return render(request, template, status=response.status_code)
