"""REST API of the league table: /api/v1/segmentation/league-table/?period=…&method=…, scoped
exactly as the page (the bodies the caller oversees, ranked nationally within peer groups)."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oversight.errors import InputRejected, NotFound
from segmentation.access import period_named
from segmentation.league import league_table
from segmentation.methods import review_method
from segmentation.models import SegmentationMethod


class LeagueRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    peer_group = serializers.CharField()
    ods_code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    region_code = serializers.CharField()
    region_name = serializers.CharField()
    system_code = serializers.CharField(allow_blank=True)
    segment = serializers.IntegerField(allow_null=True)
    segment_source = serializers.CharField(help_text="published or proposed")
    proposed_segment = serializers.IntegerField(allow_null=True)
    average_score = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    run_id = serializers.IntegerField()
    method = serializers.CharField()
    method_version = serializers.IntegerField()


class LeagueTableView(APIView):
    """The quarter's league table: within each peer group by segment, then average score."""

    @extend_schema(
        responses=LeagueRowSerializer(many=True),
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, required=True),
            OpenApiParameter("method", OpenApiTypes.STR, description="Default: the review's"),
        ],
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("period", "")
        if not text:
            raise InputRejected("Name the quarter.", {"period": ["Required."]})
        period = period_named(text)
        code = request.query_params.get("method")
        method = (
            SegmentationMethod.objects.filter(code=code).first() if code else review_method(period)
        )
        if method is None:
            raise NotFound("No such method, or no proposals for the quarter yet.")
        rows = league_table(user=request.user, period=period, method=method)
        return Response(LeagueRowSerializer([asdict(r) for r in rows], many=True).data)
