"""REST API of SPC rebases: /api/v1/organisations/<code>/spc/<metric>/rebases/ lists a body's
recorded rebases of a metric (anyone who may see the body) and records one (POST: those who
review its data, in their scope) through the same call as the page (metrics.results.rebasing)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import request_user, require
from metrics.calculation.rebases import REASON_MAX, RECORD_REBASE, rebases_of
from metrics.models.calculation import SpcRebase
from metrics.results.rebasing import rebase_record, rebase_subject


class RebaseInputSerializer(serializers.Serializer):
    starts = serializers.CharField(help_text='The quarter the new segment starts, "2022-23 Q1"')
    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why the process changed")


class RebaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.CharField()
    metric = serializers.CharField()
    starts = serializers.CharField(help_text="The quarter whose first point starts the segment")
    reason = serializers.CharField()
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    requested_runs = serializers.ListField(child=serializers.IntegerField())


def rebase_payload(rebase: SpcRebase) -> dict[str, Any]:
    return {
        "id": rebase.pk,
        "organisation": rebase.organisation.ods_code,
        "metric": rebase.metric.code,
        "starts": rebase.starts.label,
        "reason": rebase.reason,
        "recorded_by": rebase.recorded_by.email,
        "recorded_at": rebase.recorded_at,
        "requested_runs": rebase.requested_runs,
    }


class RebaseListView(APIView):
    """A body's recorded SPC rebases of one metric; POST records one (and asks for the
    recalculation of every quarter with results from then on). 404 outside your scope."""

    @extend_schema(responses=RebaseSerializer(many=True))
    def get(self, request: Request, code: str, metric_code: str) -> Response:
        subject = rebase_subject(user=request.user, ods_code=code, metric_code=metric_code)
        rebases = rebases_of(subject.organisation, subject.metric)
        return Response(RebaseSerializer([rebase_payload(r) for r in rebases], many=True).data)

    @extend_schema(request=RebaseInputSerializer, responses={201: RebaseSerializer})
    def post(self, request: Request, code: str, metric_code: str) -> Response:
        user = request_user(request)
        subject = rebase_subject(user=user, ods_code=code, metric_code=metric_code)
        # Who may first: a viewer hears 403, not what is wrong with what they sent.
        require(user, RECORD_REBASE, subject.organisation, "record an SPC rebase for it")
        given = RebaseInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        rebase = rebase_record(user=user, subject=subject, **given.validated_data)
        return Response(RebaseSerializer(rebase_payload(rebase)).data, status.HTTP_201_CREATED)
