"""API tokens: issued for a number of days, revocable, stored as a digest, throttled on failure.

The one path for every API call with ``Authorization: Token <key>`` (settings: REST_FRAMEWORK
DEFAULT_AUTHENTICATION_CLASSES): ``token_authenticate`` finds the token by its prefix, checks
the key against its digest, and refuses a revoked or expired token with a 401 that says which
and when. A failed attempt counts in django-axes as a failed sign-in of the account
``TOKEN_ACCOUNT`` from the client's IP, so one address guessing keys is locked out for the
cool-off like a person guessing passwords (429, with the time to wait).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.request import Request

from accounts.audit import audit_record
from accounts.models import ApiToken, AuditEvent, User
from accounts.roles import EDIT_REGISTRY
from accounts.scope import AnyUser, is_national
from oversight.errors import NotFound

PREFIX_LENGTH = 8
KEYWORD = "Token"
# The account a failed token attempt counts against in django-axes: with AXES_LOCKOUT_PARAMETERS
# (username, ip_address), bad keys from one address add up whichever token they claim to be.
TOKEN_ACCOUNT = "(api token)"  # noqa: S105  (an account name in the throttle, not a secret)
# Writing last_used_at on each call would add a write to every read; once a minute says enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
REFUSAL = "oversight_token_refusal"  # the request's attribute: why its token was refused


class TokenRefused(Exception):
    """A key that does not sign anyone in; the message says why, for the 401."""


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(
    *, user: User, issued_by: User | None, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``, valid ``days`` (API_TOKEN_DAYS by default). Returns the token
    and its key: the only time the key exists outside the caller's hands."""
    days = settings.API_TOKEN_DAYS if days is None else days
    if days < 1:
        raise ValueError("A token must be valid for at least one day")
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    key = prefix + secrets.token_urlsafe(30)
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            prefix=prefix,
            digest=key_digest(key),
            name=name.strip(),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit_record(
            AuditEvent.Action.TOKEN_ISSUED,
            actor=issued_by,
            subject=user,
            token=prefix,
            expires=token.expires_at.isoformat(),
        )
    return token, key


def token_revoke(*, token: ApiToken, revoked_by: User | None) -> ApiToken:
    """Revoke a token now (revoking a revoked one changes nothing)."""
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
            revoked_at=timezone.now(), revoked_by=revoked_by
        )
        if changed:
            audit_record(
                AuditEvent.Action.TOKEN_REVOKED,
                actor=revoked_by,
                subject=token.user,
                token=token.prefix,
            )
    token.refresh_from_db()
    return token


def tokens_visible_to(user: AnyUser) -> QuerySet[ApiToken]:
    """A user's own tokens; everyone's for the national team that gives roles (national
    admins)."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if not user.is_authenticated:
        return tokens.none()
    return tokens if is_national(user, EDIT_REGISTRY) else tokens.filter(user_id=user.pk)


def token_for(user: AnyUser, pk: int) -> ApiToken:
    """Fetch-and-authorise: someone else's token and no token answer the same 404."""
    token = tokens_visible_to(user).filter(pk=pk).first()
    if token is None:
        raise NotFound("There is no such API token among yours.")
    return token


def _day(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y %H:%M")


def token_authenticate(key: str, now: datetime | None = None) -> ApiToken:
    """The live token whose key this is, or TokenRefused saying why not."""
    now = now or timezone.now()
    token = ApiToken.objects.select_related("user").filter(prefix=key[:PREFIX_LENGTH]).first()
    if token is None or not hmac.compare_digest(token.digest, key_digest(key)):
        raise TokenRefused("Invalid token.")
    if token.revoked_at is not None:
        raise TokenRefused(
            f"This API token was revoked on {_day(token.revoked_at)}: ask for a new one."
        )
    if token.expires_at <= now:
        raise TokenRefused(
            f"This API token expired on {_day(token.expires_at)}: ask for a new one."
        )
    if not token.user.is_active:
        raise TokenRefused("This API token's user is no longer active.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class TokensLockedOut(APIException):
    status_code = 429
    default_code = "locked_out"


def lockout_message() -> str:
    minutes = settings.AXES_COOLOFF_MINUTES
    return (
        f"Too many failed API token attempts from your address: refused for {minutes} minutes "
        "after the last one. Check the token, then try again after that."
    )


def _http_request(request: Request) -> HttpRequest:
    # django-axes marks and reads attributes on the Django request under DRF's wrapper.
    http: HttpRequest = request._request
    return http


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>``: a user, or 401 saying why, or 429 when locked out."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Invalid token header: send `Authorization: Token <key>`.")
        http = _http_request(request)
        # Asked twice in one request (oversight.uploads.BodyGuard asks before the view does):
        # a refusal is counted once.
        refusal = getattr(http, REFUSAL, None)
        if refusal is not None:
            raise AuthenticationFailed(refusal)
        credentials = {"username": TOKEN_ACCOUNT}
        if settings.AXES_ENABLED and not AxesProxyHandler.is_allowed(http, credentials):
            raise TokensLockedOut(lockout_message())
        try:
            token = token_authenticate(header[1].decode(errors="replace"))
        except TokenRefused as refused:
            setattr(http, REFUSAL, str(refused))
            # Counted by django-axes and written to the audit log by their receivers.
            user_login_failed.send(
                sender=type(self), credentials=credentials, request=http, reason=str(refused)
            )
            raise AuthenticationFailed(str(refused)) from refused
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token (as drf-spectacular does DRF's own)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'An API token with the prefix "Token", e.g. "Token 1a2b3c4d…"',
        }
