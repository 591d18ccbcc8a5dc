"""Pages and API routes of calculation runs (included from oversight/urls.py)."""

from django.urls import URLPattern, path
from rest_framework.routers import SimpleRouter

from metrics.calculation import api, views

router = SimpleRouter()
router.register("runs", api.RunViewSet, basename="api-run")
api_urlpatterns: list[URLPattern] = []

urlpatterns = [
    path("runs/", views.runs_list, name="runs-list"),
    path("runs/<int:run_id>/", views.run_detail, name="run-detail"),
]
