"""Pages and API routes of results (included from oversight/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics.results import api, rebase_api, rebase_views, views

router = SimpleRouter()
router.register("results", api.ResultViewSet, basename="api-result")
router.register("flags", api.FlagViewSet, basename="api-flag")

api_urlpatterns: list = [
    path(
        "organisations/<str:code>/spc/<str:metric_code>/",
        api.SpcView.as_view(),
        name="api-organisation-spc",
    ),
    path(
        "organisations/<str:code>/spc/<str:metric_code>/rebases/",
        rebase_api.RebaseListView.as_view(),
        name="api-organisation-spc-rebases",
    ),
]

urlpatterns = [
    path("organisations/<str:code>/profile/", views.profile, name="organisation-profile"),
    path(
        "organisations/<str:code>/metrics/<str:metric_code>/",
        views.metric_detail,
        name="organisation-metric",
    ),
    path(
        "organisations/<str:code>/metrics/<str:metric_code>/rebases/new/",
        rebase_views.rebase_new,
        name="organisation-metric-rebase",
    ),
]
