"""The answer when a request fails unexpectedly (``handler500`` in oversight/urls.py).

A database that is not answering — restarting, failing over, out of connections — raises
OperationalError (or InterfaceError on a connection it dropped). That is an outage, not a bug:
the answer is 503 with Retry-After, a page saying so (the API: ``{"detail": …}``), and the next
request after the database returns is answered again without restarting anything (each request
checks its persistent connection first: CONN_HEALTH_CHECKS). Anything else is a 500. Neither
ever shows a traceback: those go to the log only (Django's request logger).
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = (
    "The service is unavailable for a moment: its database is not answering. Try again in a "
    "minute; if this request changed something, check whether it was saved."
)
PROBLEM = "Sorry, there is a problem with the service. Try again later."


def database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this inside the failed request's ``except``: ``sys.exc_info()`` is its
    error. Templates render without a request: its context processors would need the database."""
    api = request.path.startswith("/api/")
    if database_unavailable(sys.exc_info()[1]):
        response: HttpResponse = (
            JsonResponse({"detail": UNAVAILABLE}, status=503)
            if api
            else HttpResponse(render_to_string("503.html"), status=503)
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if api:
        return JsonResponse({"detail": PROBLEM}, status=500)
    return HttpResponse(render_to_string("500.html"), status=500)
