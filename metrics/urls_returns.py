"""Pages and API routes of the returns part of metrics (included from oversight/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics import api_returns
from metrics import views_returns as views

router = SimpleRouter()
router.register("returns", api_returns.ReturnViewSet, basename="api-return")
api_urlpatterns: list = []

ONE = "returns/<str:ods_code>/<str:period>/"

urlpatterns = [
    path("returns/", views.returns_list, name="returns-list"),
    # Before the return pages: "completeness" is not an ODS code.
    path(
        "returns/completeness/<str:period>/",
        views.returns_completeness,
        name="returns-completeness",
    ),
    path(ONE, views.return_detail, name="return-detail"),
    path(ONE + "upload/", views.return_upload, name="return-upload"),
    path(ONE + "preview/<int:draft>/", views.return_preview, name="return-preview"),
    path(ONE + "justify/", views.return_justify, name="return-justify"),
    path(ONE + "sign-off/", views.return_sign_off_view, name="return-sign-off"),
    path(ONE + "accept/", views.return_accept_view, name="return-accept"),
    path(ONE + "send-back/", views.return_send_back_view, name="return-send-back"),
    path(ONE + "reopen/", views.return_reopen_view, name="return-reopen"),
    path(ONE + "history/", views.return_history, name="return-history"),
    path(ONE + "versions/<int:number>/file", views.version_file, name="return-version-file"),
    path(
        ONE + "versions/<int:number>/findings.csv",
        views.version_findings,
        name="return-version-findings",
    ),
    path(
        ONE + "template.<str:file_format>",
        views.return_template,
        name="return-template",
    ),
]
