"""Oversight settings: one module, every value from the environment.

Without environment these are the production profile: DEBUG off, Celery tasks sent to the
workers, and SECRET_KEY and DATABASE_URL required — a deployment missing one refuses to start
and names it. The development profile is environment values too: ``make demo`` writes them to
``.env.local`` (git-ignored), read here for whatever the environment leaves unset, so the
README's ``manage.py`` commands work after the demo. ``OVERSIGHT_ENV_FILE`` names another file
("" for none: the tests and the deployment checks read only their own environment). The
production profile passes ``manage.py check --deploy`` without warnings.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from oversight.env import (
    env_file_load,
    envbool,
    envint,
    envlist,
    envrequired,
    envsecret,
    envstr,
)

BASE_DIR = Path(__file__).resolve().parent.parent

ENV_FILE = os.environ.get("OVERSIGHT_ENV_FILE", str(BASE_DIR / ".env.local"))
if ENV_FILE:
    env_file_load(Path(ENV_FILE))

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envsecret("SECRET_KEY")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # The admin site, for national admins who are staff only (accounts.admin_site).
    "accounts.admin_site.NationalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    # Failed sign-ins and API tokens counted per (account, client IP): lockout and cool-off.
    "axes",
    "mozilla_django_oidc",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "oversight",
    "accounts",
    "metrics",
    "segmentation",
    "rsp",
    "systemlens",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their caching): no-store for signed-in answers.
    "oversight.security.SecurityHeaders",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CsrfViewMiddleware, which reads the body: permission and size are decided first.
    "oversight.uploads.BodyGuard",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signs out sessions idle too long or past the absolute limit, before any view sees them.
    "oversight.security.SessionLimits",
    # The request the audit log describes (ip, path), and denials and exports as they answer.
    "accounts.audit.AuditTrail",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Near the end, so it sees the answer of the view (and of Django's DEBUG error pages) first.
    "oversight.middleware.BrandedErrorPages",
    # Domain errors a page did not handle become their 404/403/409 page with the reason.
    "oversight.pages.DomainErrorMiddleware",
    # Last: a sign-in refused for too many failures becomes the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oversight.urls"
WSGI_APPLICATION = "oversight.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.scope",
            ],
        },
    },
]

# The embedded default is a SQLite file beside the code; tests and production use PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        envrequired("DATABASE_URL", "postgres://user@host:5432/oversight"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
        # A persistent connection is checked before each request reuses it: after a database
        # restart the next request reconnects instead of failing (tests/chaos).
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses any sign-in from a (account, client IP) locked out for failures.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# As the NCSC advises: a long password, not a common one and not the user's own details; no
# composition rules (so not Django's all-digits check). They apply where people choose a
# password (forms, `grant_role --password`); the demo's users are created in code.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sessions end after this long without a request, and this long after signing in in any case
# (NCSC: re-authenticate periodically; the framework's data is not for unattended screens).
SESSION_IDLE_MINUTES = envint("SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = envint("SESSION_ABSOLUTE_HOURS", 10)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60  # the cookie and the session row, when idle
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# No anonymous user row: guardian only needs one for anonymous object permissions, unused here.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # One storage in every profile: collectstatic always writes the manifest production
    # needs, and with DEBUG on, Django serves the unhashed names without it.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Request size: the largest file Oversight accepts is 10 MiB (a return, a case document), and a
# post carries one file and a few fields; BodyGuard refuses a longer Content-Length before the
# body is read (oversight/uploads.py). Fields other than files: Django's own 2.5 MiB. Files up
# to the limit stay in memory (the operations read them whole anyway): none goes to /tmp.
REQUEST_MAX_BYTES = envint("REQUEST_MAX_BYTES", 10 * 1024 * 1024 + 64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a bad token then gets 401 with a WWW-Authenticate challenge.
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Operations raise oversight.errors; this one handler turns them into 400/403/404/409.
    "EXCEPTION_HANDLER": "oversight.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Oversight API",
    "DESCRIPTION": (
        "NHS System Oversight Framework: the registry of overseen bodies, quarterly returns, "
        "national quartiles, SPC and flags. Every list is scoped to the caller's role."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe every endpoint: for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's refusals (400/401/403/404/409) documented in one place.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "oversight.api_schema.document_refusals",
    ],
    # One name per choice set that several fields share (else drf-spectacular warns).
    "ENUM_NAME_OVERRIDES": {
        "MethodologyEnum": "metrics.models.catalogue.Methodology",
        "CriterionStatusEnum": "segmentation.models.CriterionStatus",
        "DecisionStateEnum": "segmentation.models.DecisionState",
        "ReturnStateEnum": "metrics.models.returns.ReturnState",
        "RunStatusEnum": "metrics.models.calculation.RunStatus",
        "FlagKindEnum": "metrics.engine.kinds.FLAG_KIND_CHOICES",
        "RollupMethodEnum": "metrics.engine.kinds.ROLLUP_METHOD_CHOICES",
    },
}

CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
# Tasks go to the workers; the embedded demo (.env.local) runs them in-process instead.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The calculation has a queue of its own, so that a run never waits behind what the previous
# run's publication set off (proposals, exit criteria, roll-ups: the default queue). A worker
# started without -Q consumes both; docker-compose.yml gives each its own worker. Each queue
# has its own routing key: left to Celery, both would be bound to `celery`, and a run's message
# would reach both queues.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CALCULATION_QUEUE = "calculation"
CELERY_TASK_QUEUES = (
    Queue(CELERY_TASK_DEFAULT_QUEUE, routing_key=CELERY_TASK_DEFAULT_QUEUE),
    Queue(CALCULATION_QUEUE, routing_key=CALCULATION_QUEUE),
)
CELERY_TASK_ROUTES = {
    "metrics.tasks.recalculate": {"queue": CALCULATION_QUEUE},
    "metrics.tasks.run_part": {"queue": CALCULATION_QUEUE},
}
# Publishing must not hang a request when Redis is down: fail fast, the sweeper re-sends.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    # A message a worker took but never acknowledged (killed mid-run: acks_late) is delivered
    # again after this long, so it must outlast the longest run (Redis's default, an hour). The
    # chaos tests shorten it; the sweeper resets a dead worker's run sooner in any case.
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600),
}
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # The sweeper: re-sends recalculations that never reached the broker, resets dead runs.
    "sweep-pending-runs": {"task": "metrics.tasks.sweep_pending_runs", "schedule": 60.0},
    # Proposals of published runs whose task never reached the broker.
    "sweep-proposals": {"task": "segmentation.sweep_proposals", "schedule": 300.0},
    # Support cases: actions due soon or overdue, reviews due (each reminder sent once).
    "rsp-reminders": {"task": "rsp.send_reminders", "schedule": 3600.0},
}

# Email (notifications): the console in development, SMTP (EMAIL_HOST, …) in production.
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Oversight <oversight@nhs.invalid>")
# Where emails point their links: the site as users reach it.
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# API tokens (accounts.tokens): stored as a digest, shown once, valid this many days.
API_TOKEN_DAYS = envint("API_TOKEN_DAYS", 90)

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures from one client IP for
# one account (or one client IP's bad API tokens), that pair is refused for the cool-off. The
# admin site signs in through the same backends, so the same counts hold there.
AXES_ENABLED = envbool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = envint("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "oversight.security.sign_in_name"
AXES_CLIENT_IP_CALLABLE = "oversight.security.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False  # the audit log says it, once, as JSON
# How many proxies in front of the app append to X-Forwarded-For (0: none, use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Single sign-on by OpenID Connect (NHS CIS2, Entra ID), off unless OIDC_RP_CLIENT_ID is set.
# Users are found by (issuer, subject) (accounts.sso); roles still come from role assignments.
OIDC_RP_CLIENT_ID = envstr("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = envsecret("OIDC_RP_CLIENT_SECRET") if OIDC_ENABLED else ""
OIDC_OP_ISSUER = envstr("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = envstr("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = envstr("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = envstr("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = envstr("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = envstr("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = envstr("OIDC_RP_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = envstr("OIDC_PROVIDER_NAME", "your NHS account")
OIDC_USE_PKCE = True
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("accounts.sso.IssuerSubjectBackend")

# The audit log: one JSON line per security event (sign-ins, failures, lockouts, denials,
# uploads, decisions, exports, token and role changes) on the "oversight.audit" logger, to
# stdout, and to AUDIT_LOG_FILE as well when it is set (accounts.audit.audit_log).
# AUDIT_LOG_STREAM: "stdout" (the default: a container's log), "stderr" (keeps a command's own
# output, e.g. `api_token issue`'s key, alone on stdout) or "none" (the file only).
AUDIT_LOG_FILE = envstr("AUDIT_LOG_FILE", "")
AUDIT_LOG_STREAM = envstr("AUDIT_LOG_STREAM", "stdout")
if AUDIT_LOG_STREAM not in {"stdout", "stderr", "none"}:
    raise ImproperlyConfigured("AUDIT_LOG_STREAM must be stdout, stderr or none")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "oversight.jsonlog.JsonLines"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "audit": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": f"ext://sys.{AUDIT_LOG_STREAM}",
        }
        if AUDIT_LOG_STREAM != "none"
        else {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "oversight.audit": {"handlers": ["audit"], "level": "INFO", "propagate": False},
        # Its own lines repeat what the audit log says of each failure and lockout.
        "axes": {"level": "ERROR"},
    },
}
if AUDIT_LOG_FILE:
    LOGGING["handlers"]["audit_file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": AUDIT_LOG_FILE,
        "formatter": "json",
    }
    LOGGING["loggers"]["oversight.audit"]["handlers"].append("audit_file")

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Demo
# `manage.py demo_data` runs these steps in order, each `step(*, ods_folder, stdout)` and each
# safe to re-run; later apps append theirs (returns, calculation runs). The reports print last.
DEMO_STEPS = [
    "oversight.demo.load_registry",
    "accounts.demo.create_users",
    "metrics.demo.load_returns",
    "metrics.demo.run_calculations",
    "segmentation.demo.review_quarter",
    "systemlens.demo.load_oversight",
    "rsp.demo.support_cases",
]
# Years of synthetic return history the demo loads (the smoke test asks for fewer).
DEMO_HISTORY_YEARS = envint("DEMO_HISTORY_YEARS", 5)
DEMO_REPORTS = ["accounts.demo.print_logins"]
