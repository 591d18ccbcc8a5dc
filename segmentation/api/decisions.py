"""REST API of the regional review: decisions (record, confirm, send back), ICS leads' views,
requests for views, publications and notifications. Scoped exactly as the pages; each object
says which actions the caller may take (segmentation.actions); the operations raise the
domain errors the API's one handler turns into 400/403/404/409."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import DECIDE_SEGMENT
from accounts.scope import (
    organisation_for,
    organisations_visible_to,
    region_for,
    request_user,
    system_for,
)
from metrics.catalogue.filters import PeriodFilter
from oversight.models import Region
from segmentation.access import (
    decisions_visible,
    period_named,
    publications_visible,
    system_views_visible,
    view_requests_visible,
)
from segmentation.actions import decision_actions
from segmentation.api.review_serializers import (
    DecisionSerializer,
    NotificationSerializer,
    PublicationSerializer,
    PublicationStatusSerializer,
    SystemViewSerializer,
    ViewRequestSerializer,
    publication_status_payload,
)
from segmentation.decisions import (
    Judgement,
    decision_confirm,
    decision_record,
    decision_send_back,
)
from segmentation.models import Notification, Publication, SegmentDecision, SystemView, ViewRequest
from segmentation.notifications import notification_read
from segmentation.publication import publication_publish, publication_status
from segmentation.system_views import system_view_record, views_request


class DecisionFilter(django_filters.FilterSet):
    period = PeriodFilter(label='Quarter, e.g. "2021-22 Q3" or "2021-22-q3"')
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact"
    )
    region = django_filters.CharFilter(field_name="organisation__region__ods_code")
    state = django_filters.CharFilter()

    class Meta:
        model = SegmentDecision
        fields = ["period", "organisation", "region", "state"]


class RecordInputSerializer(serializers.Serializer):
    organisation = serializers.CharField(help_text="ODS code")
    period = serializers.CharField(help_text='e.g. "2021-22 Q3"')
    segment = serializers.IntegerField()
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    capability = serializers.CharField(required=False, allow_blank=True, default="")
    system_context = serializers.CharField(required=False, allow_blank=True, default="")
    tackling_variation = serializers.BooleanField(required=False, allow_null=True, default=None)
    four_purposes = serializers.BooleanField(required=False, allow_null=True, default=None)
    change_reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


def _decision_actions(user_id: int, decisions: Sequence[SegmentDecision], user: Any) -> dict:
    deciding = set(
        organisations_visible_to(user, DECIDE_SEGMENT)
        .filter(id__in={d.organisation_id for d in decisions})
        .values_list("id", flat=True)
    )
    return {
        d.pk: decision_actions(d, user_id=user_id, may_decide=d.organisation_id in deciding)
        for d in decisions
    }


class DecisionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Regional decisions on bodies' segments: those you oversee, and your own body's published
    ones. POST records one (awaiting confirmation by another regional lead)."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[SegmentDecision]:
        return (
            decisions_visible(self.request.user)
            .select_related(
                "organisation",
                "period",
                "method",
                "recorded_by",
                "confirmed_by",
                "sent_back_by",
                "publication",
                "system_view",
            )
            .order_by("-period__year", "-period__quarter", "organisation__name", "-recorded_at")
        )

    def _context(self, decisions: Sequence[SegmentDecision]) -> dict[str, Any]:
        user = request_user(self.request)
        return {
            **self.get_serializer_context(),
            "actions": _decision_actions(user.pk, decisions, user),
        }

    def _one(self, decision: SegmentDecision, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=decision.pk)
        return Response(DecisionSerializer(fresh, context=self._context([fresh])).data, status=code)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None
        data = DecisionSerializer(page, many=True, context=self._context(page)).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._one(self.get_object())

    @extend_schema(request=RecordInputSerializer, responses={201: DecisionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = RecordInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        user = request_user(request)
        decision = decision_record(
            organisation=organisation_for(user, data["organisation"]),
            period=period_named(data["period"]),
            segment=data["segment"],
            judgement=Judgement(
                rationale=data["rationale"],
                capability=data["capability"],
                system_context=data["system_context"],
                tackling_variation=data["tackling_variation"],
                four_purposes=data["four_purposes"],
                change_reason=data["change_reason"],
            ),
            user=user,
        )
        return self._one(decision, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        """Confirm a decision another regional lead recorded (four eyes)."""
        decision = decision_confirm(decision=self.get_object(), user=request_user(request))
        return self._one(decision)

    @extend_schema(request=ReasonInputSerializer, responses=DecisionSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str) -> Response:
        """Send back a decision not yet published, with the reason."""
        given = ReasonInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        decision = decision_send_back(
            decision=self.get_object(),
            reason=given.validated_data["reason"],
            user=request_user(request),
        )
        return self._one(decision)


class SystemViewInputSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    period = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    suggested_segment = serializers.IntegerField(required=False, allow_null=True, default=None)


class SystemViewFilter(django_filters.FilterSet):
    period = PeriodFilter()
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact"
    )

    class Meta:
        model = SystemView
        fields = ["period", "organisation"]


class SystemViewViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """ICS leads' views on their organisations' proposals (POST: the ICS lead records one)."""

    serializer_class = SystemViewSerializer
    filterset_class = SystemViewFilter

    def get_queryset(self) -> QuerySet[SystemView]:
        return (
            system_views_visible(self.request.user)
            .select_related("organisation", "period", "author")
            .order_by("-recorded_at", "-pk")
        )

    @extend_schema(request=SystemViewInputSerializer, responses={201: SystemViewSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = SystemViewInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        user = request_user(request)
        view = system_view_record(
            organisation=organisation_for(user, data["organisation"]),
            period=period_named(data["period"]),
            text=data["text"],
            suggested_segment=data["suggested_segment"],
            user=user,
        )
        return Response(SystemViewSerializer(view).data, status=status.HTTP_201_CREATED)


class ViewRequestInputSerializer(serializers.Serializer):
    system = serializers.CharField(help_text="The ICS's ODS code")
    period = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ViewRequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Requests to ICS leads for their views (POST: a regional lead asks; asking twice is
    answered with the first request, and nobody is told twice)."""

    serializer_class = ViewRequestSerializer

    def get_queryset(self) -> QuerySet[ViewRequest]:
        return (
            view_requests_visible(self.request.user)
            .select_related("system", "period", "requested_by")
            .order_by("-requested_at")
        )

    @extend_schema(request=ViewRequestInputSerializer, responses={201: ViewRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ViewRequestInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        user = request_user(request)
        system = system_for(user, data["system"])
        asked = views_request(
            system=system, period=period_named(data["period"]), user=user, note=data["note"]
        )
        return Response(ViewRequestSerializer(asked).data, status=status.HTTP_201_CREATED)


class PublishInputSerializer(serializers.Serializer):
    region = serializers.CharField()
    period = serializers.CharField()
    accept_missing = serializers.BooleanField(
        default=False, help_text="Publish although some bodies have no confirmed decision"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _region(user: Any, code: str) -> Region:
    return region_for(user, code)


class PublicationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Publications of regions' confirmed decisions. POST publishes; GET status/ says what
    would be published and which bodies still miss a confirmed decision."""

    serializer_class = PublicationSerializer

    def get_queryset(self) -> QuerySet[Publication]:
        return (
            publications_visible(self.request.user)
            .select_related("region", "period", "published_by")
            .order_by("-published_at")
        )

    @extend_schema(request=PublishInputSerializer, responses={201: PublicationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = PublishInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        user = request_user(request)
        publication = publication_publish(
            region=_region(user, data["region"]),
            period=period_named(data["period"]),
            user=user,
            accept_missing=data["accept_missing"],
            note=data["note"],
        )
        return Response(PublicationSerializer(publication).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PublicationStatusSerializer)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def status(self, request: Request) -> Response:
        """?region=Y62&period=2021-22 Q4: ready, published and missing bodies, and whether you
        may publish."""
        user = request_user(request)
        region = _region(user, request.query_params.get("region", ""))
        period = period_named(request.query_params.get("period", ""))
        found = publication_status(region=region, period=period)
        return Response(PublicationStatusSerializer(publication_status_payload(found, user)).data)


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Your notifications, newest first; POST {id}/read/ marks one read."""

    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.filter(recipient_id=self.request.user.pk)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        notification = self.get_object()
        notification = notification_read(
            notification_id=notification.pk, user=request_user(request)
        )
        return Response(NotificationSerializer(notification).data)
