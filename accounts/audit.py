"""The audit trail, in two forms.

- ``audit_log`` — the one function that writes the **audit log**: a JSON line on the
  ``oversight.audit`` logger (settings.LOGGING: stdout, and AUDIT_LOG_FILE when set) for each
  security event: sign-ins, failures and lockouts (the receivers below), denials and exports
  (``AuditTrail``, which sees every answer), uploads and decisions (their operations), API
  tokens and role changes. Each line holds time, event, user id, client IP, path, object and
  outcome. It is the stream a security team reads, keeps and alerts on, outside the database.
- ``audit_record`` — an ``AuditEvent`` row, the durable trail of registry and access changes
  that the service shows and queries; written in the change's own transaction. It also goes
  through ``audit_log``, so the log holds every event the table does (and many more).

Operations are called from pages, the API, commands and tasks alike; they do not have the
request, so ``AuditTrail`` keeps the current one for ``audit_log`` to read its IP and path
(none in a command or a task: those lines say so with nulls).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from accounts.models import AuditEvent, User
from oversight.models import Organisation
from oversight.security import client_ip

AUDIT = logging.getLogger("oversight.audit")
_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


class Event(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKED_OUT = "locked_out"
    LOGOUT = "logout"
    DENIED = "denied"
    EXPORT = "export"
    UPLOAD = "upload"
    DECISION = "decision"
    SSO_LINKED = "sso_linked"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    REFUSED = "refused"


def audit_log(
    event: str,
    *,
    outcome: str = Outcome.SUCCESS,
    user: User | AnonymousUser | None = None,
    obj: str = "",
    request: HttpRequest | None = None,
    **detail: object,
) -> None:
    """Write one line of the audit log. ``user`` defaults to the request's; ``obj`` names what
    the event is about (``"return_version:12"``, a file name); ``detail`` adds plain values."""
    request = request if request is not None else _current_request.get()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    line: dict[str, object] = {
        "user": user.pk if user is not None and user.is_authenticated else None,
        "ip": client_ip(request) if request is not None else None,
        "path": request.path if request is not None else None,
        "object": obj or None,
        "outcome": str(outcome),
    }
    if detail:
        line["detail"] = detail
    AUDIT.info(str(event), extra={"audit": line})


def audit_record(
    action: str,
    *,
    actor: User | None,
    subject: User | None = None,
    organisation: Organisation | None = None,
    **detail: object,
) -> AuditEvent:
    """One row of the audit trail; ``actor`` None means the service itself (a command, the
    demo). Call it inside the transaction that makes the change, so both commit or neither."""
    event = AuditEvent.objects.create(
        action=action, actor=actor, subject=subject, organisation=organisation, detail=detail
    )
    audit_log(
        action,
        user=actor,
        obj=f"user:{subject.pk}" if subject else (organisation.ods_code if organisation else ""),
        audit_event=event.pk,
        change=detail,
    )
    return event


# --- what every answer tells ------------------------------------------------------------------

DENIALS = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class AuditTrail:
    """Keeps the request for ``audit_log`` while the view runs; then logs a denial (401, 403,
    and a signed-in user's 404, which is what "outside your scope" answers) or an export (a
    file sent as an attachment to a signed-in user). An anonymous 404 is noise, not a denial."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        status = response.status_code
        if status in DENIALS and (status != 404 or _signed_in(request)):
            audit_log(
                Event.DENIED,
                outcome=DENIALS[status],
                request=request,
                method=request.method,
                status=status,
            )
        elif status == 200 and _signed_in(request):
            disposition = response.get("Content-Disposition", "")
            if disposition.startswith("attachment"):
                audit_log(Event.EXPORT, request=request, obj=_file_name(disposition))
        return response


def _file_name(disposition: str) -> str:
    _, _, name = disposition.partition("filename=")
    return name.strip().strip('"')


# --- signing in and out -----------------------------------------------------------------------


@receiver(user_logged_in)
def _logged_in(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_log(Event.LOGIN, user=user, request=request, backend=getattr(user, "backend", ""))


@receiver(user_login_failed)
def _login_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; the name tried is kept.
    audit_log(
        Event.LOGIN_FAILED,
        outcome=Outcome.FAILURE,
        user=AnonymousUser(),
        request=request,
        username=str(credentials.get("username") or ""),
    )


@receiver(user_logged_out)
def _logged_out(sender: object, request: HttpRequest | None, user: User | None, **_: Any) -> None:
    audit_log(Event.LOGOUT, user=user, request=request)


def locked_out(sender: object, request: HttpRequest, username: str, **_: Any) -> None:
    """django-axes' ``user_locked_out`` (connected in AccountsConfig.ready)."""
    audit_log(
        Event.LOCKED_OUT,
        outcome=Outcome.REFUSED,
        user=AnonymousUser(),
        request=request,
        username=username or "",
    )
