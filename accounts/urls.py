"""Signing in and out (password or single sign-on) and the API tokens page, under /accounts/."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import sso, views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", views.api_tokens, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    # mozilla-django-oidc's names: its views reverse them.
    path("sso/", sso.SsoStart.as_view(), name="oidc_authentication_init"),
    path("sso/callback/", sso.SsoCallback.as_view(), name="oidc_authentication_callback"),
]
