"""Pages and API routes of segmentation (included from oversight/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from segmentation.api import decisions, league, proposals
from segmentation.views import decide, inbox, national, review, systems

router = SimpleRouter()
router.register("segmentation/proposals", proposals.ProposalViewSet, basename="api-proposal")
router.register("segmentation/methods", proposals.MethodViewSet, basename="api-method")
router.register("segmentation/decisions", decisions.DecisionViewSet, basename="api-decision")
router.register("segmentation/views", decisions.SystemViewViewSet, basename="api-system-view")
router.register(
    "segmentation/view-requests", decisions.ViewRequestViewSet, basename="api-view-request"
)
router.register(
    "segmentation/publications", decisions.PublicationViewSet, basename="api-publication"
)
router.register(
    "segmentation/notifications", decisions.NotificationViewSet, basename="api-notification"
)

api_urlpatterns: list = [
    path(
        "segmentation/league-table/",
        league.LeagueTableView.as_view(),
        name="api-segmentation-league-table",
    ),
    path(
        "segmentation/trace/",
        proposals.ValueTraceView.as_view(),
        name="api-segmentation-trace",
    ),
]

Q = "segmentation/<str:period>/"

urlpatterns: list = [
    path("segmentation/", review.index, name="segmentation-index"),
    path("segmentation/notifications/", inbox.notifications, name="segmentation-notifications"),
    path(
        "segmentation/notifications/<int:pk>/open/",
        inbox.notification_open,
        name="segmentation-notification-open",
    ),
    path(Q + "regions/<str:code>/", review.region_review, name="segmentation-region"),
    path(Q + "bodies/<str:ods>/", review.body_review, name="segmentation-body"),
    path(Q + "bodies/<str:ods>/decide/", decide.decision_new, name="segmentation-decide"),
    path(Q + "bodies/<str:ods>/view/", decide.view_new, name="segmentation-view-new"),
    path(
        Q + "decisions/<int:pk>/confirm/",
        decide.decision_confirm_view,
        name="segmentation-confirm",
    ),
    path(
        Q + "decisions/<int:pk>/send-back/",
        decide.decision_send_back_view,
        name="segmentation-send-back",
    ),
    path(Q + "systems/<str:code>/", systems.system_review, name="segmentation-system"),
    path(Q + "regions/<str:code>/publish/", national.publish, name="segmentation-publish"),
    path(Q + "national/", national.national, name="segmentation-national"),
    path(
        Q + "national/<str:table>.<str:file_format>",
        national.export,
        name="segmentation-export",
    ),
    path(Q + "differences/", national.differences, name="segmentation-differences"),
    path(Q + "compare/", national.compare, name="segmentation-compare"),
]
