"""Security headers the settings cannot set: no caching of what a signed-in user sees, and what
the browser's features may do.

- ``Cache-Control: no-store`` (with Django's other never-cache headers) on every answer to a
  signed-in user — pages, API answers and file downloads — and on any attachment, so a shared
  or proxy cache never keeps a return, a decision or a case note. Static files are served by
  WhiteNoise before this middleware and keep their long cache lifetimes.
- ``Permissions-Policy``: the service uses no camera, microphone, location, payment, USB or
  motion sensors, so no page (nor anything injected into one) may ask for them.

And the session's limits: signed out after SESSION_IDLE_MINUTES without a request and
SESSION_ABSOLUTE_HOURS after signing in, whatever the activity (``SessionLimits``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver
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


# No inline script anywhere (templates/base.html loads files); inline styles stay allowed (the
# results' chart styles, style attributes). Swagger UI loads its init script as a file too
# (SpectacularSwaggerSplitView). Nothing from another site; no framing; forms post here only.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
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
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        attachment = response.get("Content-Disposition", "").startswith("attachment")
        if _signed_in(request) or attachment:
            add_never_cache_headers(response)
        return response


# --- session limits ----------------------------------------------------------------------------

SIGNED_IN_AT = "oversight.signed_in_at"
SEEN_AT = "oversight.seen_at"
# How stale the "last seen" stamp may get before a request rewrites it: saving the session on
# every request would add a write to each; once a minute keeps the idle limit to the minute.
SEEN_RESOLUTION = 60.0


@receiver(user_logged_in)
def _stamp_sign_in(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = time.time()


def session_expired(session: SessionBase, now: float) -> bool:
    """Idle longer than SESSION_IDLE_MINUTES, or signed in longer than SESSION_ABSOLUTE_HOURS."""
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if signed_in is None or seen is None:
        return False  # a session from before the stamps: stamped now, limited from now on
    idle = now - float(seen) > settings.SESSION_IDLE_MINUTES * 60
    return idle or now - float(signed_in) > settings.SESSION_ABSOLUTE_HOURS * 3600


class SessionLimits:
    """Signs out a session idle too long or older than the absolute limit, before the view runs:
    the page then asks to sign in again (the API answers 401/403). The session cookie and row
    also expire after SESSION_COOKIE_AGE (= the idle limit) without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            if session_expired(request.session, now):
                logout(request)
            else:
                request.session.setdefault(SIGNED_IN_AT, now)
                if now - float(request.session.get(SEEN_AT, 0)) >= SEEN_RESOLUTION:
                    request.session[SEEN_AT] = now
        return self.get_response(request)


# --- who is asking ------------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the
    address the outermost trusted proxy saw (X-Forwarded-For read from the right, so a client
    cannot choose its address by sending the header itself). One answer for the sign-in
    throttle (AXES_CLIENT_IP_CALLABLE) and the audit log."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    return forwarded[-hops] if len(forwarded) >= hops else remote


def sign_in_name(request: HttpRequest, credentials: dict[str, object] | None) -> str:
    """The account a sign-in names, as the throttle counts it: emails in any case are one."""
    name = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(name).strip().lower()
