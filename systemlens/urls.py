"""Pages and API routes of the system lens (included from oversight/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from systemlens import api, api_meetings, body_views, forms_views, local_views, views

router = SimpleRouter()
router.register("systemlens/agreements", api.AgreementViewSet, basename="api-agreement")
router.register("systemlens/concerns", api.ConcernViewSet, basename="api-concern")
router.register("systemlens/local-metrics", api.LocalMetricViewSet, basename="api-local-metric")
router.register("systemlens/meetings", api_meetings.MeetingViewSet, basename="api-meeting")
router.register(
    "systemlens/actions", api_meetings.MeetingActionViewSet, basename="api-meeting-action"
)
router.register("systemlens/rollups", api_meetings.RollupViewSet, basename="api-rollup")
router.register("systemlens/across", api_meetings.ServedSystemViewSet, basename="api-served-system")

api_urlpatterns: list = []

urlpatterns = [
    path("ics/<str:code>/", views.system_page, name="system-lens"),
    path(
        "ics/<str:code>/agreement/<int:year>/", views.agreement_page, name="system-lens-agreement"
    ),
    path(
        "ics/<str:code>/agreement/<int:year>/versions/new/",
        forms_views.agreement_version_new,
        name="system-lens-agreement-new",
    ),
    path(
        "ics/<str:code>/agreement/<int:year>/reviews/new/",
        forms_views.review_new,
        name="system-lens-review-new",
    ),
    path("ics/<str:code>/meetings/new/", forms_views.meeting_new, name="system-lens-meeting-new"),
    path("ics/<str:code>/concerns/new/", forms_views.concern_new, name="system-lens-concern-new"),
    path("meetings/<int:pk>/", forms_views.meeting_page, name="system-lens-meeting"),
    path(
        "meetings/actions/<int:pk>/done/", forms_views.action_done, name="system-lens-action-done"
    ),
    path("concerns/<int:pk>/", forms_views.concern_page, name="system-lens-concern"),
    path(
        "ics/<str:code>/local-metrics/new/",
        local_views.local_metric_new,
        name="system-lens-local-metric-new",
    ),
    path("bodies/<str:code>/oversight/", body_views.body_page, name="system-lens-body"),
]
