"""Pages and API routes of the results part of metrics (included from oversight/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics import api_results
from metrics import views_results as views

router = SimpleRouter()
router.register("results", api_results.ResultViewSet, basename="api-result")
router.register("flags", api_results.FlagViewSet, basename="api-flag")
router.register("runs", api_results.RunViewSet, basename="api-run")

api_urlpatterns: list = [
    path(
        "organisations/<str:code>/spc/<str:metric_code>/",
        api_results.SpcView.as_view(),
        name="api-organisation-spc",
    ),
]

urlpatterns = [
    path("organisations/<str:code>/profile/", views.profile, name="organisation-profile"),
    path(
        "organisations/<str:code>/metrics/<str:metric_code>/",
        views.metric_detail,
        name="organisation-metric",
    ),
    path("runs/", views.runs_list, name="runs-list"),
    path("runs/<int:run_id>/", views.run_detail, name="run-detail"),
]
