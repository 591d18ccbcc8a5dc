"""REST API of calculation results: /api/v1/results/, /flags/ and an organisation's SPC.

Thin views over metrics.results.selectors: every list reads the current run of each quarter
(or one run, ``?run=<id>``, to explain an earlier answer) and only bodies in the caller's
scope. Quartile thresholds are national figures, not about any one body, so each result
carries its peer group's P25/P50/P75 and n."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics.calculation.api import RunLinkSerializer, run_link
from metrics.catalogue.filters import PeriodFilter
from metrics.engine.kinds import FlagKind, choices
from metrics.models.results import Flag, MetricResult, SpcSeries
from metrics.results.chart_data import chart_from_series
from metrics.results.mdc import assurance_label, variation_label
from metrics.results.selectors import (
    evidence_in_words,
    flags_list,
    peer_figures,
    results_list,
    spc_series_get,
)
from oversight.ids import id_from

RUN_PARAMETER = OpenApiParameter(
    "run",
    OpenApiTypes.INT,
    description="Read this run's rows instead of each quarter's current run (to explain them)",
)


def _run_id(request: Request) -> int | None:
    return id_from(request.query_params.get("run"), name="run")


class ThresholdsSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    p25 = serializers.FloatField()
    p50 = serializers.FloatField()
    p75 = serializers.FloatField()
    method = serializers.CharField()


# --- results -----------------------------------------------------------------------------------


class ResultFilter(django_filters.FilterSet):
    period = PeriodFilter(label='Quarter, e.g. "2021-22 Q3" or "2021-22-q3"')
    metric = django_filters.CharFilter(field_name="metric__code", label="Metric code")
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact", label="Organisation ODS code"
    )
    peer_group = django_filters.CharFilter(label='Peer group, e.g. "trust:acute"')

    class Meta:
        model = MetricResult
        fields = ["period", "metric", "organisation", "peer_group"]


class ResultSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    organisation_name = serializers.CharField(source="organisation.name")
    metric = serializers.CharField(source="metric.code")
    metric_name = serializers.CharField(source="metric.name")
    edition = serializers.CharField(source="metric.edition.code")
    period = serializers.CharField(source="period.label")
    score = serializers.DecimalField(
        max_digits=3, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    peer_group_size = serializers.IntegerField(help_text="Bodies with a result in the group")
    thresholds = serializers.SerializerMethodField(help_text="Null with fewer than 4 bodies")
    version = serializers.SerializerMethodField(help_text="The accepted return version used")
    run = serializers.SerializerMethodField()

    class Meta:
        model = MetricResult
        fields = [
            "organisation",
            "organisation_name",
            "metric",
            "metric_name",
            "edition",
            "period",
            "peer_group",
            "value",
            "rank",
            "peer_group_size",
            "percentile",
            "quartile",
            "score",
            "thresholds",
            "months",
            "version",
            "run",
            "computed_in",
        ]

    @extend_schema_field(ThresholdsSerializer(allow_null=True))
    def get_thresholds(self, result: MetricResult) -> dict[str, Any] | None:
        thresholds = peer_figures(result).thresholds
        if thresholds is None:
            return None
        return thresholds | {"method": "linear interpolation between closest ranks"}

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "number": {"type": "integer"}},
        }
    )
    def get_version(self, result: MetricResult) -> dict[str, int]:
        return {"id": result.version_id, "number": result.version.number}

    @extend_schema_field(RunLinkSerializer)
    def get_run(self, result: MetricResult) -> dict[str, Any]:
        return run_link(result.run_id, self.context.get("request"))


@extend_schema(parameters=[RUN_PARAMETER])
class ResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Each body's quarter value of each metric with its national rank, quartile and score."""

    serializer_class = ResultSerializer
    filterset_class = ResultFilter

    def get_queryset(self) -> QuerySet[MetricResult]:
        return results_list(user=self.request.user, run_id=_run_id(self.request))


# --- flags -------------------------------------------------------------------------------------


class FlagFilter(django_filters.FilterSet):
    period = PeriodFilter(label='Quarter, e.g. "2021-22 Q3" or "2021-22-q3"')
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact", label="Organisation ODS code"
    )
    kind = django_filters.ChoiceFilter(choices=choices(FlagKind))
    metric = django_filters.CharFilter(field_name="metric__code", label="Metric code")

    class Meta:
        model = Flag
        fields = ["period", "organisation", "kind", "metric"]


class FlagSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    metric = serializers.CharField(source="metric.code", allow_null=True, default=None)
    period = serializers.CharField(source="period.label")
    kind_label = serializers.CharField(source="get_kind_display")
    evidence = serializers.SerializerMethodField(
        help_text="Values, thresholds and rules; reasons[].text, in words (rendered when read)"
    )
    parameters = serializers.JSONField(help_text="The definition of the kind the run used")
    run = serializers.SerializerMethodField()

    class Meta:
        model = Flag
        fields = [
            "id",
            "organisation",
            "metric",
            "period",
            "kind",
            "kind_label",
            "evidence",
            "parameters",
            "run",
        ]

    @extend_schema_field(RunLinkSerializer)
    def get_run(self, flag: Flag) -> dict[str, Any]:
        return run_link(flag.run_id, self.context.get("request"))

    @extend_schema_field(serializers.JSONField())
    def get_evidence(self, flag: Flag) -> dict[str, Any]:
        return evidence_in_words(flag)


@extend_schema(parameters=[RUN_PARAMETER])
class FlagViewSet(viewsets.ReadOnlyModelViewSet):
    """Flags raised on bodies in scope, each with its evidence and the run that raised it."""

    serializer_class = FlagSerializer
    filterset_class = FlagFilter

    def get_queryset(self) -> QuerySet[Flag]:
        return flags_list(user=self.request.user, run_id=_run_id(self.request))


# --- runs --------------------------------------------------------------------------------------


# --- SPC -----------------------------------------------------------------------------------------


class SpcSignalSerializer(serializers.Serializer):
    rule = serializers.CharField()
    direction = serializers.CharField()
    classification = serializers.CharField()


class SpcPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.FloatField()
    segment = serializers.IntegerField()
    special_cause = serializers.CharField(allow_null=True, help_text="First rule, or null")
    direction = serializers.CharField(allow_null=True)
    classification = serializers.CharField(
        allow_null=True, help_text="improvement, concern, high or low (neutral); null: common"
    )
    signals = SpcSignalSerializer(many=True)


class SpcSegmentSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    mean = serializers.FloatField()
    ucl = serializers.FloatField()
    lcl = serializers.FloatField()
    upper_two_sigma = serializers.FloatField()
    lower_two_sigma = serializers.FloatField()
    trial = serializers.BooleanField()


class IconSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True)
    # DRF's metaclass takes declared fields off the class, so "label" is safe as a field name.
    # DRF's metaclass moves declared fields off the class, so this does not shadow Field.label.
    label = serializers.CharField()  # type: ignore[assignment]


class SpcSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    metric = serializers.CharField()
    metric_name = serializers.CharField()
    period = serializers.CharField()
    polarity = serializers.CharField()
    target = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField()
    ucl = serializers.FloatField()
    lcl = serializers.FloatField()
    upper_two_sigma = serializers.FloatField()
    lower_two_sigma = serializers.FloatField()
    trial = serializers.BooleanField(help_text="Fewer than 13 points: limits shown, no flags")
    variation = IconSerializer()
    assurance = IconSerializer()
    points = SpcPointSerializer(many=True)
    segments = SpcSegmentSerializer(many=True)
    run = RunLinkSerializer()


def spc_payload(series: SpcSeries, request: Request | None) -> dict[str, Any]:
    chart = chart_from_series(
        series.result,
        title=series.metric.name,
        unit=series.metric.unit,
        variation=series.variation,
        assurance=series.assurance,
        neutral=series.metric.polarity == "neutral",
    )
    return {
        "organisation": series.organisation.ods_code,
        "metric": series.metric.code,
        "metric_name": series.metric.name,
        "period": series.period.label,
        "polarity": series.metric.polarity,
        "target": chart.target,
        "mean": series.mean,
        "ucl": series.ucl,
        "lcl": series.lcl,
        "upper_two_sigma": series.upper_two_sigma,
        "lower_two_sigma": series.lower_two_sigma,
        "trial": series.trial,
        "variation": {"code": series.variation, "label": variation_label(series.variation)},
        "assurance": {
            "code": series.assurance or None,
            "label": assurance_label(series.assurance or None),
        },
        "points": [
            {
                "date": p.when,
                "value": p.value,
                "segment": p.segment,
                "special_cause": p.rule,
                "direction": p.direction,
                "classification": p.classification,
                "signals": [
                    {"rule": r, "direction": d, "classification": c} for r, d, c in p.signals
                ],
            }
            for p in chart.points
        ],
        "segments": [vars(s) for s in chart.segments],
        "run": run_link(series.run_id, request),
    }


class SpcView(APIView):
    """A body's SPC chart of one metric: points, limits, special causes and icons.

    The latest quarter with results by default; ``?period=`` for another, ``?run=`` for one run.
    404 when the body is outside your scope or has no series for the metric.
    """

    @extend_schema(
        responses=SpcSerializer,
        parameters=[
            RUN_PARAMETER,
            OpenApiParameter("period", OpenApiTypes.STR, description='e.g. "2021-22 Q3"'),
        ],
    )
    def get(self, request: Request, code: str, metric_code: str) -> Response:
        series = spc_series_get(
            user=request.user,
            ods_code=code,
            metric_code=metric_code,
            period=request.query_params.get("period"),
            run_id=_run_id(request),
        )
        return Response(SpcSerializer(spc_payload(series, request)).data)
