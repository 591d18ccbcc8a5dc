"""REST API of the system lens, scoped exactly as its pages (``systemlens.access``): ICS
agreements (versions, quarterly reviews), specific concerns (open, assess, close), oversight
meetings (internal notes only for the oversight team) and their actions, system roll-ups, and
oversight across ICSs. Writes call one operation each; the domain errors become 400/403/404/409
through the API's one handler."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scope import request_user
from metrics.catalogue.api import MetricSerializer
from metrics.models.catalogue import FrameworkEdition, Metric
from oversight.errors import InputRejected
from oversight.ids import IdField
from systemlens.access import (
    agreements_visible,
    concerns_visible,
)
from systemlens.agreements import (
    AgreementInput,
    PriorityInput,
    agreement_review_record,
    agreement_version_record,
    local_metric_add,
    metrics_for_priorities,
)
from systemlens.api_inputs import body_named, quarter_named, system_named, valid_input
from systemlens.concerns import concern_assess, concern_close, concern_open, concern_open_from_flag
from systemlens.models import (
    ASSESSMENT,
    Agreement,
    AgreementVersion,
    Concern,
    ConcernOutcome,
    ReviewRating,
)
from systemlens.serializers import (
    AgreementReviewSerializer,
    AgreementSerializer,
    ConcernSerializer,
)

# --- agreements ----------------------------------------------------------------------------------


# An agreement's financial year: its first calendar year (the model's small integer).
YEAR_MIN, YEAR_MAX = 2000, 2099


class PriorityInputSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    owner = serializers.CharField(allow_blank=True)
    metric = IdField(required=False, allow_null=True, default=None)
    target = serializers.FloatField(required=False, allow_null=True, default=None)


class AgreementVersionInputSerializer(serializers.Serializer):
    system = serializers.CharField(help_text="The ICS's ODS code")
    year = serializers.IntegerField(
        min_value=YEAR_MIN, max_value=YEAR_MAX, help_text="The financial year's first calendar year"
    )
    delivery_arrangements = serializers.CharField(allow_blank=True)
    governance_arrangements = serializers.CharField(allow_blank=True)
    places_and_collaboratives = serializers.CharField(allow_blank=True, default="")
    agreed_on = serializers.DateField()
    agreed_by = serializers.CharField(allow_blank=True)
    change_note = serializers.CharField(allow_blank=True, default="")
    priorities = PriorityInputSerializer(many=True, default=list)


class AgreementReviewInputSerializer(serializers.Serializer):
    period = serializers.CharField(help_text='e.g. "2021-22 Q3"')
    held_on = serializers.DateField()
    rating = serializers.ChoiceField(choices=ReviewRating.choices)
    outcome = serializers.CharField(allow_blank=True)
    next_steps = serializers.CharField(allow_blank=True)


class AgreementFilter(django_filters.FilterSet):
    system = django_filters.CharFilter(field_name="system__ods_code", lookup_expr="iexact")

    class Meta:
        model = Agreement
        fields = ["system", "year"]


class AgreementViewSet(viewsets.ReadOnlyModelViewSet):
    """ICS agreements with their region: every version (who agreed what when) and the
    quarterly reviews. POST a version to record one; POST to ``reviews`` a quarter's review."""

    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter

    def get_queryset(self) -> QuerySet[Agreement]:
        return (
            agreements_visible(self.request.user)
            .select_related("system")
            .prefetch_related(
                Prefetch(
                    "versions",
                    queryset=AgreementVersion.objects.select_related(
                        "recorded_by"
                    ).prefetch_related("priorities__metric"),
                ),
                "reviews__period",
                "reviews__version",
                "reviews__recorded_by",
            )
            .order_by("system__name", "-year")
        )

    @extend_schema(request=AgreementVersionInputSerializer, responses=AgreementSerializer)
    @action(detail=False, methods=["post"])
    def versions(self, request: Request) -> Response:
        data = valid_input(AgreementVersionInputSerializer, request)
        system = system_named(data["system"])
        metrics = Metric.objects.filter(metrics_for_priorities(system))
        priorities = [
            PriorityInput(
                title=p["title"],
                owner=p["owner"],
                metric=_metric(metrics, p["metric"]),
                target=p["target"],
            )
            for p in data["priorities"]
        ]
        terms = AgreementInput(**{k: data[k] for k in AgreementInput.__dataclass_fields__})
        version = agreement_version_record(
            system=system,
            year=data["year"],
            terms=terms,
            priorities=priorities,
            user=request_user(request),
        )
        agreement = self.get_queryset().get(pk=version.agreement_id)
        return Response(self.get_serializer(agreement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AgreementReviewInputSerializer, responses=AgreementReviewSerializer)
    @action(detail=True, methods=["post"])
    def reviews(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        data = valid_input(AgreementReviewInputSerializer, request)
        review = agreement_review_record(
            agreement=agreement,
            period=quarter_named(data["period"]),
            held_on=data["held_on"],
            rating=data["rating"],
            outcome=data["outcome"],
            next_steps=data["next_steps"],
            user=request_user(request),
        )
        return Response(AgreementReviewSerializer(review).data, status=status.HTTP_201_CREATED)


def _metric(metrics: QuerySet[Metric], metric_id: int | None) -> Metric | None:
    if metric_id is None:
        return None
    found = metrics.filter(pk=metric_id).first()
    if found is None:
        raise InputRejected("No such metric.", {"priorities": [f"No metric {metric_id}."]})
    return found


# --- concerns ------------------------------------------------------------------------------------


class ConcernInputSerializer(serializers.Serializer):
    organisation = serializers.CharField(required=False, help_text="ODS code (not with a flag)")
    flag = IdField(required=False, help_text="Open it from this flag's id")
    title = serializers.CharField(allow_blank=True, default="")


class AssessInputSerializer(serializers.Serializer):
    seriousness = serializers.CharField(allow_blank=True)
    risk_and_impact = serializers.CharField(allow_blank=True)
    body_understanding = serializers.CharField(allow_blank=True)
    maturity = serializers.CharField(allow_blank=True)
    action_taken = serializers.CharField(allow_blank=True)
    outcome = serializers.ChoiceField(choices=ConcernOutcome.choices)
    outcome_reason = serializers.CharField(allow_blank=True)


class ConcernFilter(django_filters.FilterSet):
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact"
    )
    system = django_filters.CharFilter(
        field_name="organisation__system__ods_code", lookup_expr="iexact"
    )

    class Meta:
        model = Concern
        fields = ["organisation", "system", "outcome"]


class ConcernViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Specific concerns about the bodies you oversee. POST opens one (by hand, or from a
    flag's id); ``assess`` records the framework's assessment and outcome; ``close`` closes."""

    serializer_class = ConcernSerializer
    filterset_class = ConcernFilter

    def get_queryset(self) -> QuerySet[Concern]:
        return concerns_visible(self.request.user).select_related(
            "organisation", "metric", "period"
        )

    @extend_schema(request=ConcernInputSerializer, responses=ConcernSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = valid_input(ConcernInputSerializer, request)
        user = request_user(request)
        if data.get("flag") is not None:
            concern = concern_open_from_flag(flag_id=data["flag"], title=data["title"], user=user)
        elif data.get("organisation"):
            body = body_named(data["organisation"])
            concern = concern_open(organisation=body, title=data["title"], user=user)
        else:
            raise InputRejected(
                "Say which body or flag.", {"organisation": ["Give a body or a flag."]}
            )
        return Response(self.get_serializer(concern).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssessInputSerializer, responses=ConcernSerializer)
    @action(detail=True, methods=["post"])
    def assess(self, request: Request, pk: str) -> Response:
        data = valid_input(AssessInputSerializer, request)
        concern = concern_assess(
            concern=self.get_object(),
            assessment={name: data[name] for name in ASSESSMENT},
            outcome=data["outcome"],
            outcome_reason=data["outcome_reason"],
            user=request_user(request),
        )
        return Response(self.get_serializer(concern).data)

    @extend_schema(request=None, responses=ConcernSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        concern = concern_close(concern=self.get_object(), user=request_user(request))
        return Response(self.get_serializer(concern).data)


# --- local metrics -------------------------------------------------------------------------------


class LocalMetricInputSerializer(serializers.Serializer):
    system = serializers.CharField(help_text="The ICS's ODS code")
    edition = serializers.SlugRelatedField(
        slug_field="code", queryset=FrameworkEdition.objects.all(), help_text="Edition code"
    )
    code = serializers.CharField(allow_blank=True)
    name = serializers.CharField(allow_blank=True)
    unit = serializers.CharField(allow_blank=True)
    polarity = serializers.CharField(help_text="higher_better, lower_better or neutral")


class LocalMetricViewSet(viewsets.GenericViewSet):
    """POST adds a local metric for one of an ICS's local strategic priorities: seen only by
    the ICS, its region and national users (GET it from /api/v1/metrics/)."""

    serializer_class = LocalMetricInputSerializer

    @extend_schema(request=LocalMetricInputSerializer, responses=MetricSerializer)
    def create(self, request: Request) -> Response:
        data = valid_input(LocalMetricInputSerializer, request)
        metric = local_metric_add(
            system=system_named(data.pop("system")), user=request_user(request), **data
        )
        return Response(MetricSerializer(metric).data, status=status.HTTP_201_CREATED)
