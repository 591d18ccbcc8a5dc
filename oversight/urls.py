"""Root URLs: the composition root, so it may name every app."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from metrics.calculation import urls as calculation_urls
from metrics.catalogue import urls as catalogue_urls
from metrics.results import urls as results_urls
from metrics.returns import urls as returns_urls
from oversight import api, views
from rsp import urls as rsp_urls
from segmentation import urls as segmentation_urls
from systemlens import urls as systemlens_urls

# The parts of metrics, segmentation, rsp and systemlens: each with its pages, API router and
# API paths.
PARTS = (
    catalogue_urls,
    returns_urls,
    results_urls,
    calculation_urls,
    segmentation_urls,
    rsp_urls,
    systemlens_urls,
)

# An unexpected error: 503 while the database is not answering, else 500; never a traceback.
handler500 = "oversight.outages.server_error"

router = DefaultRouter()
# "api-" names: the pages below own "region-detail", "system-detail", "organisation-detail".
router.register("regions", api.RegionViewSet, basename="api-region")
router.register("systems", api.SystemViewSet, basename="api-system")
router.register("organisations", api.OrganisationViewSet, basename="api-organisation")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("roles/", views.role_policy, name="role-policy"),
    path("help/<slug:slug>/", views.info_page, name="info-page"),
    # Signing in and out, single sign-on and API tokens (named by string: accounts sits above).
    path("accounts/", include("accounts.urls")),
    path("organisations/", views.directory, name="directory"),
    path("organisations/regions/<str:code>/", views.region_detail, name="region-detail"),
    path("organisations/systems/<str:code>/", views.system_detail, name="system-detail"),
    path("organisations/<str:code>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<str:code>/sector/", views.organisation_sector, name="organisation-sector"),
    path("api/v1/", include(router.urls)),
    *(path("", include(module.urlpatterns)) for module in PARTS),
    *(path("api/v1/", include([*module.router.urls, *module.api_urlpatterns])) for module in PARTS),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Signed-in users only (SPECTACULAR_SETTINGS SERVE_PERMISSIONS); a browser is sent to sign in.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
