"""Pages and API routes of the catalogue part of metrics (included from oversight/urls.py)."""

from django.urls import URLPattern, path
from rest_framework.routers import SimpleRouter

from metrics import api_catalogue, views_catalogue

router = SimpleRouter()
router.register("editions", api_catalogue.EditionViewSet, basename="edition")
router.register("metrics", api_catalogue.MetricViewSet, basename="metric")
router.register("periods", api_catalogue.PeriodViewSet, basename="period")

# Page names start "catalogue-" or "periods" so that they never meet the router's own
# "<basename>-list" and "<basename>-detail" names in reverse().
urlpatterns: list[URLPattern] = [
    path("catalogue/", views_catalogue.catalogue_index, name="catalogue-index"),
    # Before the edition pattern, which would otherwise read "upload" as an edition code.
    path("catalogue/upload/", views_catalogue.catalogue_upload, name="catalogue-upload"),
    path("catalogue/<slug:edition>/", views_catalogue.edition_detail, name="catalogue-edition"),
    path(
        "catalogue/<slug:edition>/catalogue.csv",
        views_catalogue.catalogue_download,
        name="catalogue-download",
    ),
    path(
        "catalogue/<slug:edition>/metrics/<str:code>/",
        views_catalogue.metric_detail,
        name="catalogue-metric",
    ),
    path(
        "catalogue/<slug:edition>/metrics/<str:code>/edit/",
        views_catalogue.metric_edit,
        name="catalogue-metric-edit",
    ),
    path("periods/", views_catalogue.period_list, name="periods"),
    path("periods/create/", views_catalogue.period_create, name="periods-create"),
]
api_urlpatterns: list[URLPattern] = []
