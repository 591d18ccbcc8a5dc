"""Request bodies are read only once the request may be answered: permission and size first.

Django reads a request's whole body the first time anything touches ``request.POST`` or
``request.FILES``, and CsrfViewMiddleware touches them for every POST, before the view runs: a
62 MB post was read whole (into a temporary file) and only then refused. ``BodyGuard``, placed
before CsrfViewMiddleware, decides from the headers alone, in this order:

1. the view's own check (``@body_check(check)`` on a page view or an API action), called with
   the signed-in caller and the declared length: it raises ``NotFound`` / ``NotPermitted`` for a
   caller who may not post there at all — so "not yours" is answered without reading a byte —
   and may answer a body too large in the shape of the view's other refusals;
2. the request size limit for every view, ``REQUEST_MAX_BYTES`` (settings): 413.

Django reads at most Content-Length bytes of a body (none without the header), so the header is
the whole truth about what would be read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.views import APIView

from oversight.errors import DomainError
from oversight.pages import domain_error_response

MIB = 1024 * 1024

# check(request, caller, content_length, **view_kwargs) -> a refusal, or None to go on.
BodyCheck = Callable[..., HttpResponse | None]
View = TypeVar("View", bound=Callable[..., Any])


class RequestTooLarge(DomainError):
    status = 413


def body_check(check: BodyCheck) -> Callable[[View], View]:
    """Mark a view (or an API action) with the check ``BodyGuard`` runs before its body is read.

    Put it outermost on a page view (its attribute is then on what the URL calls); on a DRF
    action anywhere among its decorators."""

    def mark(view: View) -> View:
        view.body_check = check  # type: ignore[attr-defined]  # read back by BodyGuard
        return view

    return mark


def content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def size_text(length: int) -> str:
    return f"{length / MIB:.1f} MiB"


class BodyGuard:
    """Runs a view's ``body_check`` and the request size limit before anything reads the body
    (settings: MIDDLEWARE, before CsrfViewMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        length = content_length(request)
        check = _check_of(view, request.method or "")
        try:
            if check is not None:
                caller = _caller(request, api=_is_api(view))
                if caller is not None:
                    answer = check(request, caller, length, **kwargs)
                    if answer is not None:
                        return answer
            limit: int = settings.REQUEST_MAX_BYTES
            if length > limit:
                raise RequestTooLarge(
                    f"This request is {size_text(length)}; Oversight accepts at most "
                    f"{limit // MIB} MiB in one upload. Nothing was read or stored."
                )
        except DomainError as refused:
            if _is_api(view):
                return JsonResponse({"detail": refused.message}, status=refused.status)
            return domain_error_response(request, refused)
        return None


def _is_api(view: Callable[..., Any]) -> bool:
    return hasattr(view, "cls") and hasattr(view, "actions")  # DRF's as_view() of a viewset


def _check_of(view: Callable[..., Any], method: str) -> BodyCheck | None:
    if _is_api(view):
        action = getattr(view, "actions", {}).get(method.lower(), "")
        handler = getattr(getattr(view, "cls", None), action, None) if action else None
        return getattr(handler, "body_check", None)
    return getattr(view, "body_check", None)


def _caller(request: HttpRequest, *, api: bool) -> AbstractBaseUser | None:
    """The signed-in caller, found without reading the body; None when anonymous (the view's
    own login check answers then).

    A session is Django's; for the API, the configured authentications other than the session
    (whose CSRF check reads the body) are asked as DRF would ask them.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    if not api:
        return None
    wrapped = Request(request)
    for authentication in APIView().get_authenticators():
        if isinstance(authentication, SessionAuthentication):
            continue
        try:
            found = authentication.authenticate(wrapped)
        except APIException:  # a bad token: DRF answers it in the view
            return None
        if found is not None:
            return found[0]
    return None
