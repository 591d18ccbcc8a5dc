"""Pages and API routes of the catalogue (included from oversight/urls.py)."""

from django.urls import URLPattern, path
from rest_framework.routers import SimpleRouter

from metrics.catalogue import api, views

router = SimpleRouter()
router.register("editions", api.EditionViewSet, basename="edition")
router.register("metrics", api.MetricViewSet, basename="metric")
router.register("periods", api.PeriodViewSet, basename="period")

# Page names start "catalogue-" or "periods" so that they never meet the router's own
# "<basename>-list" and "<basename>-detail" names in reverse().
urlpatterns: list[URLPattern] = [
    path("catalogue/", views.catalogue_index, name="catalogue-index"),
    # Before the edition pattern, which would otherwise read "upload" as an edition code.
    path("catalogue/upload/", views.catalogue_upload, name="catalogue-upload"),
    path("catalogue/<slug:edition>/", views.edition_detail, name="catalogue-edition"),
    path(
        "catalogue/<slug:edition>/catalogue.csv",
        views.catalogue_download,
        name="catalogue-download",
    ),
    path(
        "catalogue/<slug:edition>/metrics/<str:code>/",
        views.metric_detail,
        name="catalogue-metric",
    ),
    path(
        "catalogue/<slug:edition>/metrics/<str:code>/edit/",
        views.metric_edit,
        name="catalogue-metric-edit",
    ),
    path("periods/", views.period_list, name="periods"),
    path("periods/create/", views.period_create, name="periods-create"),
]
api_urlpatterns: list[URLPattern] = []
