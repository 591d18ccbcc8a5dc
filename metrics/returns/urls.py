"""Pages and API routes of returns (included from oversight/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics.returns.api.views import ReturnViewSet
from metrics.returns.views import lists, return_page, review

router = SimpleRouter()
router.register("returns", ReturnViewSet, basename="api-return")
api_urlpatterns: list = []

ONE = "returns/<str:ods_code>/<str:period>/"

urlpatterns = [
    path("returns/", lists.returns_list, name="returns-list"),
    # Before the return pages: "completeness" is not an ODS code.
    path(
        "returns/completeness/<str:period>/",
        lists.returns_completeness,
        name="returns-completeness",
    ),
    path(ONE, return_page.return_detail, name="return-detail"),
    path(ONE + "upload/", return_page.return_upload, name="return-upload"),
    path(ONE + "preview/<int:draft>/", return_page.return_preview, name="return-preview"),
    path(ONE + "justify/", review.return_justify, name="return-justify"),
    path(ONE + "sign-off/", review.return_sign_off_view, name="return-sign-off"),
    path(ONE + "accept/", review.return_accept_view, name="return-accept"),
    path(ONE + "send-back/", review.return_send_back_view, name="return-send-back"),
    path(ONE + "reopen/", review.return_reopen_view, name="return-reopen"),
    path(ONE + "history/", return_page.return_history, name="return-history"),
    path(ONE + "versions/<int:number>/file", return_page.version_file, name="return-version-file"),
    path(
        ONE + "versions/<int:number>/findings.csv",
        return_page.version_findings,
        name="return-version-findings",
    ),
    path(
        ONE + "template.<str:file_format>",
        return_page.return_template,
        name="return-template",
    ),
]
