"""What the API's writes take (validated shapes only: the rules are the operations')."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from rsp.models import Rag, ReviewKind, Theme


class SystemCaseInput(serializers.Serializer):
    system = serializers.CharField(help_text="The ICS's ODS code")
    edition = serializers.CharField(help_text='e.g. "sof-2021-22"')
    segment = serializers.IntegerField(help_text="The programme's segment, e.g. 4 for RSP")
    entered_on = serializers.DateField()
    cqc_recommended_entry = serializers.BooleanField(default=False)
    reason = serializers.CharField(allow_blank=True)


class AppointInput(serializers.Serializer):
    lead = serializers.EmailField(help_text="The lead's email")
    system_party = serializers.CharField(allow_blank=True, default="")
    regional_party = serializers.CharField(allow_blank=True, default="")
    national_party = serializers.CharField(allow_blank=True, default="")
    reports_to = serializers.CharField(allow_blank=True, default="")


class DetailsInput(serializers.Serializer):
    indicative_exit_on = serializers.DateField(allow_null=True)
    cqc_recommended_entry = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


class StocktakeInput(serializers.Serializer):
    held_on = serializers.DateField()
    partners = serializers.CharField(allow_blank=True)
    root_causes = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="theme → text; themes: " + ", ".join(Theme.values),
    )
    recommended_exit_criteria = serializers.CharField(allow_blank=True, default="")
    reason = serializers.CharField(allow_blank=True, default="")


class CriterionInputSerializer(serializers.Serializer):
    description = serializers.CharField(allow_blank=True)
    metric = serializers.CharField(
        allow_blank=True, default="", help_text="Metric code of the case's latest edition"
    )
    comparator = serializers.CharField(allow_blank=True, default="", help_text="gte, lte, gt, lt")
    target = serializers.FloatField(allow_null=True, default=None)
    at_entry = serializers.BooleanField(default=False)
    reason = serializers.CharField(allow_blank=True, default="", help_text="For a change")


class StatusInput(serializers.Serializer):
    status = serializers.CharField(help_text="met or not_met")
    evidence = serializers.CharField(allow_blank=True)


class WorkstreamInput(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    lead_name = serializers.CharField(allow_blank=True, default="")


class ActionInputSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    owner = serializers.EmailField(help_text="The owner's email")
    due_on = serializers.DateField()
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    description = serializers.CharField(allow_blank=True, default="")


class ProgressInput(serializers.Serializer):
    progress = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, default="")


@extend_schema_serializer(component_name="CaseReasonInput")
class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class RagInput(serializers.Serializer):
    rag = serializers.ChoiceField(
        choices=[("", "computed"), Rag.RED, Rag.AMBER, Rag.GREEN], allow_blank=True
    )
    reason = serializers.CharField(allow_blank=True)


class MilestoneInput(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    due_on = serializers.DateField()


class AchieveInput(serializers.Serializer):
    achieved_on = serializers.DateField()


class ReviewInputSerializer(serializers.Serializer):
    kind = serializers.CharField(default=ReviewKind.PROGRESS, help_text="progress or leadership")
    held_on = serializers.DateField()
    attendees = serializers.CharField(allow_blank=True)
    summary = serializers.CharField(allow_blank=True)
    decisions = serializers.CharField(allow_blank=True, default="")
    overall_rag = serializers.CharField(help_text="red, amber or green")
    next_review_on = serializers.DateField(required=False, allow_null=True, default=None)


class CaseNoteInput(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    internal = serializers.BooleanField(default=True)


class DocumentInput(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.CharField(default="evidence")
    title = serializers.CharField(allow_blank=True, default="")
    internal = serializers.BooleanField(default=False)
    action = serializers.IntegerField(required=False, allow_null=True, default=None)
    criterion = serializers.IntegerField(required=False, allow_null=True, default=None)


class ExitInput(serializers.Serializer):
    exited_on = serializers.DateField()
    decision = serializers.CharField(allow_blank=True)
    new_segment = serializers.IntegerField()


class ReplanInput(serializers.Serializer):
    due_on = serializers.DateField()
    reason = serializers.CharField(allow_blank=True)
