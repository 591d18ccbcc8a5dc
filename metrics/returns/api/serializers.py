"""What the returns API reads and writes: its serializers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from accounts.models import User
from metrics.models.catalogue import FrameworkEdition
from metrics.models.returns import (
    Finding,
    Return,
    ReturnEvent,
    ReturnVersion,
    Severity,
)
from metrics.returns.changes import AcceptedComparison, changes_since_accepted
from metrics.returns.events import event_changes, event_description
from metrics.returns.policy import (
    NextAction,
    return_window,
)
from oversight.models import Organisation

# --- output ----------------------------------------------------------------------------------


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class FindingOutSerializer(serializers.Serializer):
    """A finding of validation, stored or not: where it is and what is wrong."""

    row = serializers.IntegerField(allow_null=True, help_text="Line of the file (header = 1)")
    column = serializers.CharField(allow_blank=True)
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    message = serializers.CharField()


class RejectionSerializer(serializers.Serializer):
    detail = serializers.CharField()
    # A refused file lists its findings; a refused field (a missing file, a bad period) is named
    # by its own key beside the detail instead.
    findings = FindingOutSerializer(many=True, required=False)


class StoredFindingSerializer(serializers.ModelSerializer):
    justified_by = serializers.SlugRelatedField[User](slug_field="email", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "row",
            "column",
            "code",
            "severity",
            "message",
            "metric_code",
            "justification",
            "justified_by",
        ]


class NextActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["upload", "justify", "sign_off", "accept", "send_back", "reopen"]
    )
    # DRF's metaclass moves declared fields off the class, so this does not shadow Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, help_text="Why not, when not allowed")


class VersionSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField[User](slug_field="email", read_only=True)
    signed_off_by = serializers.SlugRelatedField[User](slug_field="email", read_only=True)
    reviewed_by = serializers.SlugRelatedField[User](slug_field="email", read_only=True)

    class Meta:
        model = ReturnVersion
        fields = [
            "number",
            "file_name",
            "file_sha256",
            "file_size",
            "uploaded_by",
            "uploaded_at",
            "value_count",
            "signed_off_by",
            "signed_off_at",
            "reviewed_by",
            "reviewed_at",
            "accepted",
            "review_reason",
        ]


class ReturnSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField[Organisation](slug_field="ods_code", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    period = serializers.CharField(source="period.label", read_only=True)
    period_slug = serializers.CharField(source="period.slug", read_only=True)
    edition = serializers.SlugRelatedField[FrameworkEdition](slug_field="code", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    current_version = VersionSerializer(read_only=True, allow_null=True)
    next_actions = serializers.SerializerMethodField()

    class Meta:
        model = Return
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "period",
            "period_slug",
            "edition",
            "state",
            "state_label",
            "current_version",
            "updated_at",
            "next_actions",
        ]

    @extend_schema_field(NextActionSerializer(many=True))
    def get_next_actions(self, record: Return) -> list[dict[str, Any]]:
        actions: list[NextAction] = self.context["next_actions"][record.pk]
        return NextActionSerializer(actions, many=True).data  # type: ignore[return-value]  # many=True: DRF's ReturnList of dicts; the stubs type .data as one object's


class WindowSerializer(serializers.Serializer):
    state = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # as NextActionSerializer.label
    reason = serializers.CharField()
    accepts_returns = serializers.BooleanField()


class ChangeCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    removed = serializers.IntegerField()
    refused = serializers.IntegerField(
        help_text="Values whose row has a blocking problem: neither new nor removed"
    )


class ValueChangeSerializer(serializers.Serializer):
    metric_code = serializers.CharField()
    period_end = serializers.DateField()
    old = serializers.FloatField(allow_null=True)
    new = serializers.FloatField(allow_null=True)
    kind = serializers.CharField()


class ReviewedChangeSerializer(ValueChangeSerializer):
    comment = serializers.CharField(allow_blank=True, help_text="The body's comment on the value")


class SinceAcceptedSerializer(serializers.Serializer):
    """The current version against the last accepted one (what the approver and region review)."""

    current_version = serializers.IntegerField(source="current_number")
    accepted_version = serializers.IntegerField(
        source="accepted_number", allow_null=True, help_text="Null: nothing accepted yet"
    )
    counts = ChangeCountsSerializer()
    values = serializers.SerializerMethodField(help_text="New, changed and removed values")

    @extend_schema_field(ReviewedChangeSerializer(many=True))
    def get_values(self, comparison: AcceptedComparison) -> list[dict[str, Any]]:
        rows = [
            {**vars(change), "kind": change.kind, "comment": comment}
            for change, comment in comparison.rows
        ]
        return ReviewedChangeSerializer(rows, many=True).data  # type: ignore[return-value]  # many=True: DRF's ReturnList of dicts; the stubs type .data as one object's


class FollowUpSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text='e.g. "calculation_run"')
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, as above
    url = serializers.CharField(help_text="Its page")
    api_url = serializers.CharField(allow_blank=True, help_text="Its API resource")


class ReturnDetailSerializer(ReturnSerializer):
    window = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    changes_since_accepted = serializers.SerializerMethodField()

    class Meta(ReturnSerializer.Meta):
        fields = [
            *ReturnSerializer.Meta.fields,
            "window",
            "versions",
            "findings",
            "changes_since_accepted",
        ]

    @extend_schema_field(SinceAcceptedSerializer(allow_null=True))
    def get_changes_since_accepted(self, record: Return) -> dict[str, Any] | None:
        comparison = changes_since_accepted(record)
        return None if comparison is None else SinceAcceptedSerializer(comparison).data

    @extend_schema_field(WindowSerializer)
    def get_window(self, record: Return) -> dict[str, Any]:
        return WindowSerializer(return_window(record, record.period)).data

    @extend_schema_field(VersionSerializer(many=True))
    def get_versions(self, record: Return) -> list[dict[str, Any]]:
        versions = (
            record.versions.defer("file_content")
            .select_related("uploaded_by", "signed_off_by", "reviewed_by")
            .order_by("number")
        )
        return VersionSerializer(versions, many=True).data  # type: ignore[return-value]  # many=True: DRF's ReturnList of dicts; the stubs type .data as one object's

    @extend_schema_field(StoredFindingSerializer(many=True))
    def get_findings(self, record: Return) -> list[dict[str, Any]]:
        if record.current_version_id is None:
            return []
        findings = Finding.objects.filter(version_id=record.current_version_id).select_related(
            "justified_by"
        )
        return StoredFindingSerializer(findings, many=True).data  # type: ignore[return-value]  # many=True: DRF's ReturnList of dicts; the stubs type .data as one object's


class DryRunSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    blocking = serializers.BooleanField(help_text="True: the file cannot be submitted as it is")
    duplicate_of = serializers.IntegerField(
        allow_null=True, help_text="The version an identical file is already stored as"
    )
    values = serializers.IntegerField(help_text="Values read from the file")
    sha256 = serializers.CharField()
    findings = FindingOutSerializer(many=True)
    changes = ChangeCountsSerializer()
    changed_values = ValueChangeSerializer(
        many=True, help_text="Changed, removed and refused values"
    )


class UploadResultSerializer(serializers.Serializer):
    return_id = serializers.IntegerField()
    duplicate = serializers.BooleanField(help_text="True: an identical file was already stored")
    version = VersionSerializer()
    findings = StoredFindingSerializer(many=True)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField[User](slug_field="email", read_only=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    version = serializers.IntegerField(source="version.number", allow_null=True, read_only=True)
    description = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    class Meta:
        model = ReturnEvent
        fields = [
            "at",
            "actor",
            "action",
            "action_label",
            "version",
            "description",
            "changes",
            "detail",
        ]

    def get_description(self, event: ReturnEvent) -> str:
        return event_description(event)

    def get_changes(self, event: ReturnEvent) -> list[str]:
        return event_changes(event)


class CountsSerializer(serializers.Serializer):
    expected = serializers.IntegerField()
    submitted = serializers.IntegerField()
    signed_off = serializers.IntegerField()
    accepted = serializers.IntegerField()
    sent_back = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()


class RegionCountsSerializer(CountsSerializer):
    region = serializers.CharField(help_text="Region ODS code")
    region_name = serializers.CharField()


class ChaseSerializer(serializers.Serializer):
    ods_code = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField(source="region.name")
    system = serializers.CharField(source="system.name", allow_null=True, default=None)
    state = serializers.CharField(
        source="return_state", allow_null=True, help_text="null: nothing submitted yet"
    )


class CompletenessSerializer(serializers.Serializer):
    period = serializers.CharField()
    totals = CountsSerializer()
    by_region = RegionCountsSerializer(many=True)
    chase = ChaseSerializer(many=True)


# --- input -----------------------------------------------------------------------------------


class UploadInputSerializer(serializers.Serializer):
    organisation = serializers.CharField(max_length=10, help_text="ODS code of the body")
    period = serializers.CharField(max_length=20, help_text='"2021-22 Q3" or "2021-22-q3"')
    # An empty file is the reader's to refuse, in the {detail, findings} of every refusal.
    file = serializers.FileField(help_text="The return file, CSV or XLSX", allow_empty_file=True)
    dry_run = serializers.BooleanField(
        default=False, help_text="true: validate and compare only; nothing is stored"
    )
    cancel_sign_off = serializers.BooleanField(
        default=False,
        help_text="true: store the version even though the return is signed off, cancelling "
        "the sign-off (refused with 409 and code cancels_sign_off without it)",
    )


class SignOffInputSerializer(serializers.Serializer):
    declaration = serializers.BooleanField(
        default=False,
        help_text="true: the approver confirms that the current version is complete and "
        "correct for the body and that each warning's justification is true (the page's "
        "declaration); the sign-off is refused without it",
    )


class JustifyInputSerializer(serializers.Serializer):
    justifications = serializers.DictField(
        child=serializers.CharField(max_length=2000),
        allow_empty=False,
        help_text='{"<finding id>": "why the value is right"}',
    )


class SendBackInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReopenInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    expires_at = serializers.DateTimeField(help_text="When the reopening ends")


# --- helpers ---------------------------------------------------------------------------------


class AcceptedReturnSerializer(ReturnDetailSerializer):
    """The accepted return, and what accepting it started (the quarter's calculation run)."""

    started = serializers.SerializerMethodField()

    class Meta(ReturnDetailSerializer.Meta):
        fields = [*ReturnDetailSerializer.Meta.fields, "started"]

    @extend_schema_field(FollowUpSerializer(many=True))
    def get_started(self, record: Return) -> list[dict[str, Any]]:
        started = self.context.get("started", [])
        return FollowUpSerializer(started, many=True).data  # type: ignore[return-value]  # many=True: DRF's ReturnList of dicts; the stubs type .data as one object's
