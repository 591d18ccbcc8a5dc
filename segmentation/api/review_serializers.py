"""Serializers of the regional review's API: decisions, views, requests, publications,
notifications, and the actions each object offers its caller."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from accounts.roles import PUBLISH_SEGMENTATION
from accounts.scope import regions_visible_to
from metrics.calculation.api import RunLinkSerializer, run_link
from segmentation.actions import Action
from segmentation.api.serializers import MethodLinkSerializer, method_link
from segmentation.models import (
    Notification,
    Publication,
    SegmentDecision,
    SystemView,
    ViewRequest,
)
from segmentation.publication import PublicationStatus


class ActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    # DRF's metaclass moves declared fields off the class, so this does not shadow Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, help_text="Why not, when not allowed")


def actions_payload(actions: list[Action]) -> list[dict[str, Any]]:
    return [vars(a) for a in actions]


class DecisionSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    organisation_name = serializers.CharField(source="organisation.name")
    period = serializers.CharField(source="period.label")
    method = serializers.SerializerMethodField()
    proposal_run = serializers.SerializerMethodField()
    differs_from_proposal = serializers.BooleanField()
    state_label = serializers.CharField(source="get_state_display")
    recorded_by = serializers.CharField(source="recorded_by.email")
    confirmed_by = serializers.CharField(source="confirmed_by.email", allow_null=True)
    sent_back_by = serializers.CharField(source="sent_back_by.email", allow_null=True)
    published_at = serializers.DateTimeField(source="publication.published_at", allow_null=True)
    system_view = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = SegmentDecision
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "period",
            "method",
            "segment",
            "proposed_segment",
            "differs_from_proposal",
            "proposal",
            "proposal_run",
            "proposal_criteria_met",
            "rationale",
            "capability",
            "system_context",
            "tackling_variation",
            "four_purposes",
            "system_view",
            "state",
            "state_label",
            "recorded_by",
            "recorded_at",
            "confirmed_by",
            "confirmed_at",
            "sent_back_by",
            "sent_back_at",
            "sent_back_reason",
            "publication",
            "published_at",
            "supersedes",
            "change_reason",
            "actions",
        ]

    @extend_schema_field(MethodLinkSerializer)
    def get_method(self, decision: SegmentDecision) -> dict[str, Any]:
        return method_link(decision.method)

    @extend_schema_field(RunLinkSerializer(allow_null=True))
    def get_proposal_run(self, decision: SegmentDecision) -> dict[str, Any] | None:
        if decision.proposal_run_id is None:
            return None
        return run_link(decision.proposal_run_id, self.context.get("request"))

    @extend_schema_field(
        {"type": "object", "nullable": True, "properties": {"id": {"type": "integer"}}}
    )
    def get_system_view(self, decision: SegmentDecision) -> dict[str, Any] | None:
        view = decision.system_view
        if view is None:
            return None
        return {"id": view.pk, "text": view.text, "suggested_segment": view.suggested_segment}

    @extend_schema_field(ActionSerializer(many=True))
    def get_actions(self, decision: SegmentDecision) -> list[dict[str, Any]]:
        return actions_payload(self.context.get("actions", {}).get(decision.pk, []))


class SystemViewSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    period = serializers.CharField(source="period.label")
    author = serializers.CharField(source="author.email")

    class Meta:
        model = SystemView
        fields = [
            "id",
            "organisation",
            "period",
            "author",
            "text",
            "suggested_segment",
            "recorded_at",
        ]


class ViewRequestSerializer(serializers.ModelSerializer):
    system = serializers.CharField(source="system.ods_code")
    period = serializers.CharField(source="period.label")
    requested_by = serializers.CharField(source="requested_by.email")

    class Meta:
        model = ViewRequest
        fields = ["id", "system", "period", "requested_by", "requested_at", "note"]


class PublicationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.ods_code")
    period = serializers.CharField(source="period.label")
    published_by = serializers.CharField(source="published_by.email")
    decisions = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = [
            "id",
            "region",
            "period",
            "published_by",
            "published_at",
            "missing",
            "note",
            "decisions",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_decisions(self, publication: Publication) -> list[int]:
        return list(publication.decisions.values_list("pk", flat=True))


class BodyStateSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()
    segment = serializers.IntegerField(allow_null=True)


class PublicationStatusSerializer(serializers.Serializer):
    region = serializers.CharField()
    period = serializers.CharField()
    method = MethodLinkSerializer(allow_null=True)
    ready = BodyStateSerializer(many=True)
    published = BodyStateSerializer(many=True)
    missing = BodyStateSerializer(many=True)
    actions = ActionSerializer(many=True)


def _state(decision: SegmentDecision) -> dict[str, Any]:
    return {
        "organisation": decision.organisation.ods_code,
        "name": decision.organisation.name,
        "state": decision.get_state_display(),
        "segment": decision.segment,
    }


def publish_action(status: PublicationStatus, user: User) -> Action:
    """May this user publish the region's quarter now, and why not."""
    if not regions_visible_to(user, PUBLISH_SEGMENTATION).filter(pk=status.region.pk).exists():
        return Action("publish", "Publish", False, "Only the region's regional leads publish.")
    if not status.ready:
        return Action("publish", "Publish", False, "There is no confirmed decision to publish.")
    if status.missing:
        reason = f"{len(status.missing)} bodies have no confirmed decision: accept that to publish."
        return Action("publish", "Publish", True, reason)
    return Action("publish", "Publish", True)


def publication_status_payload(status: PublicationStatus, user: User) -> dict[str, Any]:
    return {
        "region": status.region.ods_code,
        "period": status.period.label,
        "method": method_link(status.method) if status.method else None,
        "ready": [_state(d) for d in status.ready],
        "published": [_state(d) for d in status.published],
        "missing": [
            {"organisation": o.ods_code, "name": o.name, "state": why, "segment": None}
            for o, why in status.missing
        ],
        "actions": actions_payload([publish_action(status, user)]),
    }


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_label", "subject", "body", "url", "created_at", "read_at"]
