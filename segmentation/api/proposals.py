"""REST API of proposals and their provenance: /api/v1/segmentation/proposals/ (each with its
criteria and links down to the values), /proposals/{id}/trace/ (the criteria with the results,
versions and flags they read), /trace/ (a value up to its flags and proposals), /methods/."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import organisation_for
from metrics.calculation.api import RunLinkSerializer, run_link
from metrics.catalogue.filters import PeriodFilter
from oversight.errors import InputRejected
from segmentation.access import period_named, proposals_visible
from segmentation.api.links import api_url
from segmentation.api.serializers import (
    MethodLinkSerializer,
    MethodSerializer,
    ProposalSerializer,
    TracedFlagSerializer,
    TracedResultSerializer,
    flag_payload,
    method_link,
    result_payload,
)
from segmentation.models import Proposal, SegmentationMethod
from segmentation.trace import proposal_trace, value_trace


class ProposalFilter(django_filters.FilterSet):
    period = PeriodFilter(label='Quarter, e.g. "2021-22 Q3" or "2021-22-q3"')
    method = django_filters.CharFilter(field_name="method__code", label="Method code")
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact", label="Organisation ODS code"
    )
    region = django_filters.CharFilter(field_name="organisation__region__ods_code")
    system = django_filters.CharFilter(field_name="organisation__system__ods_code")
    segment = django_filters.NumberFilter()

    class Meta:
        model = Proposal
        fields = ["period", "method", "organisation", "region", "system", "segment"]


class CriterionTraceSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    status = serializers.CharField()
    evidence = serializers.CharField()
    results = TracedResultSerializer(many=True)
    flags = TracedFlagSerializer(many=True)
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Metrics read but without a result"
    )


class ProposalTraceSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    organisation = serializers.CharField()
    period = serializers.CharField()
    segment = serializers.IntegerField(allow_null=True)
    method = MethodLinkSerializer()
    run = RunLinkSerializer()
    criteria = CriterionTraceSerializer(many=True)


class ProposalViewSet(viewsets.ReadOnlyModelViewSet):
    """Proposed segments of the bodies you oversee, each with its criteria and their evidence.

    Every criterion links its metrics to their results (value, quartile, score, the accepted
    return version) and its flags to their evidence, all of the proposal's run.
    """

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter

    def get_queryset(self) -> QuerySet[Proposal]:
        return (
            proposals_visible(self.request.user)
            .select_related("organisation__region", "organisation__system", "period", "method")
            .order_by("-period__year", "-period__quarter", "method__code", "organisation__name")
        )

    @extend_schema(responses=ProposalTraceSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def trace(self, request: Request, pk: str) -> Response:
        proposal = self.get_object()
        traced = proposal_trace(proposal)
        payload = {
            "proposal": proposal.pk,
            "organisation": proposal.organisation.ods_code,
            "period": proposal.period.label,
            "segment": proposal.segment,
            "method": method_link(proposal.method, proposal.method_version),
            "run": run_link(proposal.run_id, request),
            "criteria": [
                {
                    **{k: t.criterion[k] for k in ("code", "label", "status", "evidence")},
                    "results": [result_payload(r, request) for r in t.results],
                    "flags": [flag_payload(f) for f in t.flags],
                    "missing": t.missing,
                }
                for t in traced.criteria
            ],
        }
        return Response(ProposalTraceSerializer(payload).data)


class ProposalUseSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    url = serializers.CharField()
    method = MethodLinkSerializer()
    segment = serializers.IntegerField(allow_null=True)
    criteria = serializers.ListField(child=serializers.DictField())
    decisions = serializers.ListField(child=serializers.DictField())


class ValueTraceSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    metric = serializers.CharField()
    period = serializers.CharField()
    run = RunLinkSerializer()
    result = TracedResultSerializer(allow_null=True)
    values = serializers.ListField(child=serializers.DictField(), help_text="As submitted")
    flags = TracedFlagSerializer(many=True)
    proposals = ProposalUseSerializer(many=True)


class ValueTraceView(APIView):
    """A body's value of a metric in a quarter, up to every flag it raised and every proposal
    (and the criteria of it) that read it. Proposals only for those who oversee the body."""

    @extend_schema(
        responses=ValueTraceSerializer,
        parameters=[
            OpenApiParameter("organisation", OpenApiTypes.STR, required=True),
            OpenApiParameter("metric", OpenApiTypes.STR, required=True),
            OpenApiParameter("period", OpenApiTypes.STR, required=True),
        ],
    )
    def get(self, request: Request) -> Response:
        wanted = {k: request.query_params.get(k, "") for k in ("organisation", "metric", "period")}
        missing = {k: ["Required."] for k, v in wanted.items() if not v}
        if missing:
            raise InputRejected("Name the organisation, metric and period.", missing)
        organisation = organisation_for(request.user, wanted["organisation"])
        traced = value_trace(
            user=request.user,
            organisation=organisation,
            metric_code=wanted["metric"],
            period=period_named(wanted["period"]),
        )
        return Response(ValueTraceSerializer(_value_payload(traced, request)).data)


def _value_payload(traced: Any, request: Request) -> dict[str, Any]:
    return {
        "organisation": traced.organisation.ods_code,
        "metric": traced.metric.code,
        "period": traced.period.label,
        "run": run_link(traced.run.pk, request),
        "result": result_payload(traced.result, request) if traced.result else None,
        "values": [
            {"period_end": v.period_end, "value": v.value, "row": v.row} for v in traced.values
        ],
        "flags": [flag_payload(f) for f in traced.flags],
        "proposals": [
            {
                "proposal": use.proposal.pk,
                "url": api_url("api-proposal-detail", request, args=[use.proposal.pk]),
                "method": method_link(use.proposal.method, use.proposal.method_version),
                "segment": use.proposal.segment,
                "criteria": [{k: c[k] for k in ("code", "label", "status")} for c in use.criteria],
                "decisions": [
                    {"id": d.pk, "segment": d.segment, "state": d.state} for d in use.decisions
                ],
            }
            for use in traced.proposals
        ],
    }


class MethodViewSet(viewsets.ReadOnlyModelViewSet):
    """Segmentation methods: each edition's methodology with every parameter, named."""

    serializer_class = MethodSerializer
    lookup_field = "code"
    queryset = SegmentationMethod.objects.select_related("edition").order_by(
        "edition__code", "code"
    )
