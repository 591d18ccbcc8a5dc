"""Pages and API routes of support cases (included from oversight/urls.py)."""

from rest_framework.routers import SimpleRouter

from rsp.api import cases, parts

router = SimpleRouter()
router.register("cases", cases.CaseViewSet, basename="api-case")
router.register("case-actions", parts.ActionViewSet, basename="api-case-action")
router.register("case-workstreams", parts.WorkstreamViewSet, basename="api-case-workstream")
router.register("case-criteria", parts.CriterionViewSet, basename="api-case-criterion")
router.register("case-milestones", parts.MilestoneViewSet, basename="api-case-milestone")

api_urlpatterns: list = []

urlpatterns: list = []
