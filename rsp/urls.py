"""Pages and API routes of support cases (included from oversight/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from rsp.api import cases, parts
from rsp.views import actions as action_views
from rsp.views import cases as case_views
from rsp.views import national as national_views
from rsp.views import parts as part_views

router = SimpleRouter()
router.register("cases", cases.CaseViewSet, basename="api-case")
router.register("case-actions", parts.ActionViewSet, basename="api-case-action")
router.register("case-workstreams", parts.WorkstreamViewSet, basename="api-case-workstream")
router.register("case-criteria", parts.CriterionViewSet, basename="api-case-criterion")
router.register("case-milestones", parts.MilestoneViewSet, basename="api-case-milestone")

api_urlpatterns: list = []

urlpatterns: list = [
    path("cases/", case_views.case_index, name="case-list"),
    path("cases/system/new/", national_views.system_case_new, name="case-system-new"),
    path("cases/<int:pk>/", case_views.case_detail, name="case-detail"),
    path("cases/<int:pk>/print/", case_views.case_print, name="case-print"),
    path("cases/<int:pk>/appoint/", case_views.case_appoint, name="case-appoint"),
    path("cases/<int:pk>/details/", case_views.case_details, name="case-details"),
    path("cases/<int:pk>/exit/", case_views.case_exit_page, name="case-exit"),
    path(
        "cases/<int:pk>/documents/<int:document>/",
        case_views.document_download,
        name="case-document",
    ),
    path("cases/<int:pk>/stocktake/edit/", part_views.stocktake_edit, name="case-stocktake-edit"),
    path("cases/<int:pk>/criteria/new/", part_views.criterion_new, name="case-criterion-new"),
    path(
        "cases/<int:pk>/criteria/<int:criterion>/change/",
        part_views.criterion_edit,
        name="case-criterion-change",
    ),
    path(
        "cases/<int:pk>/criteria/<int:criterion>/status/",
        part_views.criterion_status,
        name="case-criterion-status",
    ),
    path("cases/<int:pk>/workstreams/new/", part_views.workstream_new, name="case-workstream-new"),
    path(
        "cases/<int:pk>/workstreams/<int:workstream>/actions/new/",
        action_views.action_new,
        name="case-action-new",
    ),
    path("cases/<int:pk>/actions/<int:action>/", action_views.action_detail, name="case-action"),
    path(
        "cases/<int:pk>/actions/<int:action>/<str:step>/",
        action_views.action_form,
        name="case-action-step",
    ),
    path("cases/<int:pk>/milestones/new/", part_views.milestone_new, name="case-milestone-new"),
    path(
        "cases/<int:pk>/milestones/<int:milestone>/achieved/",
        part_views.milestone_done,
        name="case-milestone-achieved",
    ),
    path("cases/<int:pk>/reviews/new/", part_views.review_new, name="case-review-new"),
    path("cases/<int:pk>/notes/new/", part_views.note_new, name="case-note-new"),
    path("cases/<int:pk>/documents/new/", part_views.document_new, name="case-document-new"),
    path("cases/<int:pk>/<str:part>/", case_views.case_part, name="case-part"),
]
