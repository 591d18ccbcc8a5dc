"""Pages and API routes of segmentation (included from oversight/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from segmentation.api import proposals

router = SimpleRouter()
router.register("segmentation/proposals", proposals.ProposalViewSet, basename="api-proposal")
router.register("segmentation/methods", proposals.MethodViewSet, basename="api-method")

api_urlpatterns: list = [
    path(
        "segmentation/trace/",
        proposals.ValueTraceView.as_view(),
        name="api-segmentation-trace",
    ),
]

urlpatterns: list = []
