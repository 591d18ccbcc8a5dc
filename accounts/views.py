"""Signing in, and the API tokens page: a user's own tokens (a national admin's: everyone's)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import EDIT_REGISTRY
from accounts.scope import is_national, request_user
from accounts.tokens import (
    lockout_message,
    token_for,
    token_issue,
    token_revoke,
    tokens_visible_to,
)


def locked_out(
    request: HttpRequest, original: HttpResponse | None, credentials: dict[str, object] | None
) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE), 429 either way: the
    API's ``{"detail": …}`` for an API call, else the page that says how long to wait."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429)
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": settings.AXES_COOLOFF_MINUTES,
    }
    return render(request, "registration/locked_out.html", context, status=429)


class SignInView(auth_views.LoginView):
    """Django's sign-in, with the single sign-on button when OIDC is set up."""

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = settings.OIDC_ENABLED
        context["sso_provider"] = settings.OIDC_PROVIDER_NAME
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        help_text="For example, the trust's data warehouse upload. Up to 100 characters.",
        max_length=100,
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the tokens; a POST issues one for the user and shows its key this once."""
    user = request_user(request)
    form = TokenForm(request.POST if request.method == "POST" else None)
    key = ""
    if form.is_valid():
        _token, key = token_issue(user=user, issued_by=user, name=form.cleaned_data["name"])
        form = TokenForm()
    tokens = tokens_visible_to(user)
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "key": key,
            "tokens": tokens,
            "now": timezone.now(),
            "everyone": is_national(user, EDIT_REGISTRY),
            "days": settings.API_TOKEN_DAYS,
        },
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    token = token_revoke(token=token_for(user, pk), revoked_by=user)
    messages.success(request, f"API token {token.prefix}… is revoked: it no longer signs in.")
    return redirect("api-tokens")
