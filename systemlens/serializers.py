"""What the system lens's API shows. A meeting's internal notes appear only for those who run
oversight of its body (``MeetingSerializer`` drops the key for everyone else)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.scope import AnyUser
from systemlens.access import sees_internal_notes
from systemlens.models import (
    AgendaItem,
    Agreement,
    AgreementReview,
    AgreementVersion,
    Concern,
    Meeting,
    MeetingAction,
    Priority,
    ServedSystem,
    SystemRollup,
)


def ods_code() -> serializers.SlugRelatedField[Any]:
    """A registry body (region, ICS, organisation) by its ODS code."""
    return serializers.SlugRelatedField[Any](slug_field="ods_code", read_only=True)


def metric_code() -> serializers.SlugRelatedField[Any]:
    return serializers.SlugRelatedField[Any](slug_field="code", read_only=True)


class PrioritySerializer(serializers.ModelSerializer):
    metric = metric_code()

    class Meta:
        model = Priority
        fields = ["position", "title", "owner", "metric", "target"]


class AgreementVersionSerializer(serializers.ModelSerializer):
    priorities = PrioritySerializer(many=True, read_only=True)
    recorded_by = serializers.EmailField(source="recorded_by.email", read_only=True)

    class Meta:
        model = AgreementVersion
        fields = [
            "number",
            "delivery_arrangements",
            "governance_arrangements",
            "places_and_collaboratives",
            "agreed_on",
            "agreed_by",
            "change_note",
            "recorded_by",
            "recorded_at",
            "priorities",
        ]


class AgreementReviewSerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="period.label", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    recorded_by = serializers.EmailField(source="recorded_by.email", read_only=True)

    class Meta:
        model = AgreementReview
        fields = [
            "id",
            "period",
            "version",
            "held_on",
            "rating",
            "outcome",
            "next_steps",
            "recorded_by",
            "recorded_at",
        ]


class AgreementSerializer(serializers.ModelSerializer):
    system = ods_code()
    versions = AgreementVersionSerializer(many=True, read_only=True)
    reviews = AgreementReviewSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "system", "year", "year_label", "versions", "reviews"]


class ConcernSerializer(serializers.ModelSerializer):
    organisation = ods_code()
    metric = metric_code()
    period = serializers.CharField(source="period.label", read_only=True, default=None)
    status = serializers.CharField(source="status_label", read_only=True)

    class Meta:
        model = Concern
        fields = [
            "id",
            "organisation",
            "title",
            "flag_id",
            "flag_kind",
            "metric",
            "period",
            "seriousness",
            "risk_and_impact",
            "body_understanding",
            "maturity",
            "action_taken",
            "outcome",
            "outcome_reason",
            "status",
            "opened_at",
            "assessed_at",
            "closed_at",
        ]


class AgendaItemSerializer(serializers.ModelSerializer):
    metric = metric_code()

    class Meta:
        model = AgendaItem
        fields = ["position", "title", "flag_id", "metric", "proposal", "case_reference"]


class MeetingActionSerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="owner.email", read_only=True)

    class Meta:
        model = MeetingAction
        fields = ["id", "meeting", "description", "owner", "due_on", "done_at"]


class MeetingSerializer(serializers.ModelSerializer):
    organisation = ods_code()
    agenda = AgendaItemSerializer(many=True, read_only=True)
    actions = MeetingActionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organisation",
            "place",
            "held_on",
            "attendees",
            "notes",
            "internal_notes",
            "agenda",
            "actions",
            "recorded_at",
        ]
        extra_kwargs = {"internal_notes": {"required": False}}

    def to_representation(self, instance: Meeting) -> dict[str, Any]:
        data = super().to_representation(instance)
        visible = getattr(instance, "internal_visible", None)
        if visible is None:  # a single meeting read without the list's annotation
            user: AnyUser = self.context["request"].user
            visible = sees_internal_notes(user, instance.organisation)
        if not visible:
            data.pop("internal_notes", None)
        return data


class SystemRollupSerializer(serializers.ModelSerializer):
    system = ods_code()
    metric = metric_code()
    period = serializers.CharField(source="period.label", read_only=True)

    class Meta:
        model = SystemRollup
        fields = [
            "system",
            "period",
            "metric",
            "method",
            "value",
            "numerator",
            "denominator",
            "included",
            "missing",
            "run_id",
        ]


class ServedSystemSerializer(serializers.ModelSerializer):
    organisation = ods_code()
    system = ods_code()

    class Meta:
        model = ServedSystem
        fields = ["organisation", "system", "is_lead"]
