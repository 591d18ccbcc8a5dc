"""Pages and API routes of segmentation (included from oversight/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from segmentation.api import decisions, proposals

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
        "segmentation/trace/",
        proposals.ValueTraceView.as_view(),
        name="api-segmentation-trace",
    ),
]

urlpatterns: list = []
