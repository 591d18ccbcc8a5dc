"""Security headers the settings cannot set: no caching of what a signed-in user sees, and what
the browser's features may do.

- ``Cache-Control: no-store`` (with Django's other never-cache headers) on every answer to a
  signed-in user — pages, API answers and file downloads — and on any attachment, so a shared
  or proxy cache never keeps a return, a decision or a case note. Static files are served by
  WhiteNoise before this middleware and keep their long cache lifetimes.
- ``Permissions-Policy``: the service uses no camera, microphone, location, payment, USB or
  motion sensors, so no page (nor anything injected into one) may ask for them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def _signed_in(request: HttpRequest) -> bool:
    # DRF sets request.user on the Django request when a token authenticates, so API callers
    # count too; `user` is absent only when a middleware before authentication answered.
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeaders:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        attachment = response.get("Content-Disposition", "").startswith("attachment")
        if _signed_in(request) or attachment:
            add_never_cache_headers(response)
        return response
