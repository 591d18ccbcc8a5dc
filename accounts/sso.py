"""Single sign-on by OpenID Connect (NHS CIS2, Entra ID), through mozilla-django-oidc.

Off unless OIDC_RP_CLIENT_ID is set (settings). The provider's signed id_token names the person
by (issuer, subject); that pair finds the user (``SignInIdentity``), never the email alone.
The first sign-in links the pair to the account with the provider's email, provided that account
has no identity at that issuer yet (accounts are provisioned by ``grant_role`` before anyone
uses them); an account with none is created without roles, so it sees nothing until a role
is granted. What a user may see and do still comes from role assignments only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponseBase
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts.audit import Event, audit_log
from accounts.models import SignInIdentity, User


class SignInRefused(SuspiciousOperation):
    """The provider's answer does not sign anyone in here; the message says why."""


@transaction.atomic
def sso_user(*, issuer: str, subject: str, email: str, full_name: str = "") -> User:
    """The user (issuer, subject) names, linking or creating on the first sign-in."""
    identity = (
        SignInIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    if identity is not None:
        return identity.user
    email = email.strip().lower()
    if not email:
        raise SignInRefused("The provider gave no email for a first sign-in.")
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, full_name=full_name.strip())
    elif SignInIdentity.objects.filter(user=user, issuer=issuer).exists():
        # Someone else at the provider now claims this email: it is not theirs to take over.
        raise SignInRefused(f"{email} is already linked to another account at {issuer}.")
    SignInIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    audit_log(Event.SSO_LINKED, user=user, obj=f"user:{user.pk}", issuer=issuer, subject=subject)
    return user


def _audiences(claims: dict[str, Any]) -> list[str]:
    audience = claims.get("aud", [])
    return [audience] if isinstance(audience, str) else list(audience)


class IssuerSubjectBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow (token endpoint, JWKS, RS256 signature, nonce) with the
    user found by the id_token's (iss, sub); the issuer and the audience are checked too."""

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        if payload.get("iss") != settings.OIDC_OP_ISSUER:
            raise SignInRefused(f"The id_token's issuer {payload.get('iss')!r} is not ours.")
        if settings.OIDC_RP_CLIENT_ID not in _audiences(payload):
            raise SignInRefused("The id_token was not issued for this service.")
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub", payload["sub"]) != payload["sub"]:
            raise SignInRefused("The userinfo answer is about someone else.")
        return sso_user(
            issuer=payload["iss"],
            subject=str(payload["sub"]),
            email=str(claims.get("email") or payload.get("email") or ""),
            full_name=str(claims.get("name") or ""),
        )


def _require_enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404("Single sign-on is not set up.")


class SsoStart(OIDCAuthenticationRequestView):
    def get(self, request: HttpRequest) -> HttpResponseBase:
        _require_enabled()
        return super().get(request)


class SsoCallback(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponseBase:
        _require_enabled()
        return super().get(request)
