"""REST API of oversight meetings and their actions, system roll-ups and oversight across
ICSs (the rest of the system lens's API; see ``systemlens.api``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.scope import request_user, systems_visible_to
from metrics.catalogue.filters import PeriodFilter
from metrics.models.catalogue import Metric
from oversight.errors import InputRejected, NotFound
from oversight.ids import IdField
from segmentation.models import Proposal
from systemlens.access import actions_of, bodies_overseen, meetings_visible, with_internal_flag
from systemlens.across import oversight_across_set
from systemlens.api_inputs import body_named, system_named, valid_input
from systemlens.meetings import (
    ActionInput,
    AgendaInput,
    MeetingInput,
    meeting_action_done,
    meeting_record,
)
from systemlens.models import Meeting, MeetingAction, ServedSystem, SystemRollup
from systemlens.serializers import (
    MeetingActionSerializer,
    MeetingSerializer,
    ServedSystemSerializer,
    SystemRollupSerializer,
)


class AgendaInputSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    flag = IdField(required=False, allow_null=True, default=None)
    metric = IdField(required=False, allow_null=True, default=None)
    proposal = IdField(required=False, allow_null=True, default=None)
    case_reference = serializers.CharField(required=False, allow_blank=True, default="")


class MeetingActionInputSerializer(serializers.Serializer):
    description = serializers.CharField(allow_blank=True)
    owner = serializers.EmailField(help_text="The owner's email address")
    due_on = serializers.DateField()


class MeetingInputSerializer(serializers.Serializer):
    organisation = serializers.CharField(help_text="ODS code of the ICS or organisation met")
    place = serializers.CharField(allow_blank=True, default="")
    held_on = serializers.DateField()
    attendees = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(allow_blank=True, default="")
    internal_notes = serializers.CharField(allow_blank=True, default="")
    agenda = AgendaInputSerializer(many=True, default=list)
    actions = MeetingActionInputSerializer(many=True, default=list)


def _agenda(items: list[dict[str, Any]]) -> list[AgendaInput]:
    found = []
    for n, item in enumerate(items, start=1):
        metric = Metric.objects.filter(pk=item["metric"], local_to__isnull=True).first()
        proposal = Proposal.objects.filter(pk=item["proposal"]).first()
        if (item["metric"] and metric is None) or (item["proposal"] and proposal is None):
            raise InputRejected(
                "No such metric or proposal.", {"agenda": [f"Agenda item {n}: not found."]}
            )
        found.append(
            AgendaInput(
                title=item["title"],
                flag_id=item["flag"],
                metric=metric,
                proposal=proposal,
                case_reference=item["case_reference"],
            )
        )
    return found


def _actions(items: list[dict[str, Any]]) -> list[ActionInput]:
    owners = {u.email: u for u in User.objects.filter(email__in=[i["owner"] for i in items])}
    unknown = [i["owner"] for i in items if i["owner"] not in owners]
    if unknown:
        raise InputRejected("Unknown owner.", {"actions": [f"No user {e}." for e in unknown]})
    return [ActionInput(i["description"], owners[i["owner"]], i["due_on"]) for i in items]


class MeetingFilter(django_filters.FilterSet):
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact"
    )
    system = django_filters.CharFilter(
        field_name="organisation__system__ods_code", lookup_expr="iexact"
    )

    class Meta:
        model = Meeting
        fields = ["organisation", "system"]


class MeetingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Oversight meetings with the bodies you oversee (or your own body). Internal notes are
    shown only to the oversight team. POST records one with its agenda and actions."""

    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter

    def get_queryset(self) -> QuerySet[Meeting]:
        meetings = meetings_visible(self.request.user).select_related("organisation")
        return with_internal_flag(meetings, self.request.user).prefetch_related(
            "agenda__metric", "actions__owner"
        )

    @extend_schema(request=MeetingInputSerializer, responses=MeetingSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = valid_input(MeetingInputSerializer, request)
        details = MeetingInput(**{k: data[k] for k in MeetingInput.__dataclass_fields__})
        meeting = meeting_record(
            organisation=body_named(data["organisation"]),
            details=details,
            agenda=_agenda(data["agenda"]),
            actions=_actions(data["actions"]),
            user=request_user(request),
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=meeting.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class MeetingActionViewSet(viewsets.ReadOnlyModelViewSet):
    """Your open meeting actions (the owner's list). ``done`` marks one done."""

    serializer_class = MeetingActionSerializer

    def get_queryset(self) -> QuerySet[MeetingAction]:
        return actions_of(self.request.user).select_related("owner")

    @extend_schema(request=None, responses=MeetingActionSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str) -> Response:
        found = MeetingAction.objects.filter(
            pk=pk, meeting__in=meetings_visible(request.user)
        ).first()
        if found is None:
            raise NotFound("No such action.")
        done = meeting_action_done(action=found, user=request_user(request))
        return Response(self.get_serializer(done).data)


class RollupFilter(django_filters.FilterSet):
    system = django_filters.CharFilter(field_name="system__ods_code", lookup_expr="iexact")
    period = PeriodFilter(label='Quarter, e.g. "2021-22 Q3"')
    metric = django_filters.CharFilter(field_name="metric__code")

    class Meta:
        model = SystemRollup
        fields = ["system", "period", "metric"]


class RollupViewSet(viewsets.ReadOnlyModelViewSet):
    """System roll-ups of the ICSs you see: each metric's ICS value derived from its
    organisations' accepted values, with the bodies counted and those missing."""

    serializer_class = SystemRollupSerializer
    filterset_class = RollupFilter

    def get_queryset(self) -> QuerySet[SystemRollup]:
        return (
            SystemRollup.objects.filter(system__in=systems_visible_to(self.request.user))
            .select_related("system", "metric", "period")
            .order_by("system__ods_code", "period__year", "period__quarter", "metric__code")
        )


class AcrossInputSerializer(serializers.Serializer):
    organisation = serializers.CharField(help_text="The trust's ODS code")
    lead = serializers.CharField(help_text="ODS code of the agreed lead ICS")
    served = serializers.ListField(child=serializers.CharField(), default=list)


class ServedSystemViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bodies overseen across ICSs: each one's lead ICS and the other ICSs it serves. POST
    replaces a body's lead and served ICSs."""

    serializer_class = ServedSystemSerializer

    def get_queryset(self) -> QuerySet[ServedSystem]:
        return (
            ServedSystem.objects.filter(organisation__in=bodies_overseen(self.request.user))
            .select_related("organisation", "system")
            .order_by("organisation__ods_code", "-is_lead", "system__ods_code")
        )

    @extend_schema(request=AcrossInputSerializer, responses=ServedSystemSerializer(many=True))
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = valid_input(AcrossInputSerializer, request)
        rows = oversight_across_set(
            organisation=body_named(data["organisation"]),
            lead=system_named(data["lead"]),
            served=[system_named(code) for code in data["served"]],
            user=request_user(request),
        )
        return Response(self.get_serializer(rows, many=True).data, status=status.HTTP_201_CREATED)
