"""REST API of calculation runs: /api/v1/runs/, each with its parameters, timings and inputs."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.scope import is_national
from metrics.calculation.selectors import run_inputs, runs_list
from metrics.catalogue.filters import PeriodFilter
from metrics.models.calculation import CalculationRun
from metrics.models.returns import ReturnVersion


class RunLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()


def run_link(run_id: int, request: Request | None) -> dict[str, Any]:
    return {"id": run_id, "url": reverse("api-run-detail", args=[run_id], request=request)}


class RunFilter(django_filters.FilterSet):
    period = PeriodFilter(label='Quarter, e.g. "2021-22 Q3" or "2021-22-q3"')
    edition = django_filters.CharFilter(field_name="edition__code")
    status = django_filters.CharFilter()

    class Meta:
        model = CalculationRun
        fields = ["period", "edition", "status"]


class RunSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-run-detail")
    period = serializers.CharField(source="period.label")
    edition = serializers.CharField(source="edition.code")
    status_label = serializers.CharField(source="get_status_display")
    progress = serializers.FloatField(help_text="Share of the steps done, 0 to 1")
    is_current = serializers.BooleanField(help_text="Its results are the quarter's results")
    duration_seconds = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(help_text="Blank unless you are a national user")

    class Meta:
        model = CalculationRun
        fields = [
            "id",
            "url",
            "period",
            "edition",
            "status",
            "status_label",
            "is_current",
            "reason",
            "progress",
            "steps_done",
            "steps_total",
            "method_version",
            "incremental",
            "requested_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "attempts",
            "superseded_by",
        ]

    def get_duration_seconds(self, run: CalculationRun) -> float | None:
        if run.started_at is None or run.finished_at is None:
            return None
        return (run.finished_at - run.started_at).total_seconds()

    def get_reason(self, run: CalculationRun) -> str:
        # "Accepted RA1 v2" names another body's input: national users only.
        request = self.context.get("request")
        return run.reason if request is not None and is_national(request.user) else ""


class RunDetailSerializer(RunSerializer):
    inputs_in_scope = serializers.IntegerField(help_text="Return versions of bodies you see")
    inputs = serializers.SerializerMethodField(help_text="Paginated list of those versions")

    class Meta(RunSerializer.Meta):
        fields = [
            *RunSerializer.Meta.fields,
            "parameters",
            "metric_ids",
            "series_recalculated",
            "error",
            "inputs_in_scope",
            "inputs",
        ]

    def get_inputs(self, run: CalculationRun) -> str:
        return reverse("api-run-inputs", args=[run.pk], request=self.context.get("request"))


class RunInputSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="pk")
    organisation = serializers.CharField(source="return_record.organisation.ods_code")
    period = serializers.CharField(source="return_record.period.label")

    class Meta:
        model = ReturnVersion
        fields = ["version", "organisation", "period", "number", "file_sha256", "uploaded_at"]


class RunViewSet(viewsets.ReadOnlyModelViewSet):
    """Calculation runs: status, progress, method, parameters, timings and (scoped) inputs."""

    filterset_class = RunFilter

    def get_queryset(self) -> QuerySet[CalculationRun]:
        return runs_list(user=self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve":
            return RunDetailSerializer
        if self.action == "inputs":
            return RunInputSerializer
        return RunSerializer

    def get_object(self) -> CalculationRun:
        run = super().get_object()
        run.inputs_in_scope = run_inputs(user=self.request.user, run=run).count()
        return run

    @extend_schema(filters=False, responses=RunInputSerializer(many=True))
    @action(detail=True, url_path="inputs", url_name="inputs", filterset_class=None)
    def inputs(self, request: Request, pk: str) -> Response:
        """The return versions this run read, of bodies in your scope."""
        run = self.get_object()
        page = self.paginate_queryset(run_inputs(user=request.user, run=run))
        serializer = RunInputSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(serializer.data)
