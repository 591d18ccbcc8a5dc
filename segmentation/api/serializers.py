"""Serializers of segmentation's API: proposals with their criteria, traces, methods."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from metrics.calculation.api import RunLinkSerializer, run_link
from metrics.results.selectors import flag_texts
from segmentation.api.links import api_url, flags_url, result_url, value_trace_url
from segmentation.methods import parameters_json
from segmentation.models import CriterionStatus, Proposal, SegmentationMethod


class MethodLinkSerializer(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    rules = serializers.CharField()
    illustrative = serializers.BooleanField()


def method_link(method: SegmentationMethod, version: int | None = None) -> dict[str, Any]:
    return {
        "code": method.code,
        "version": method.version if version is None else version,
        "name": method.name,
        "rules": method.rules,
        "illustrative": method.illustrative,
    }


class MethodSerializer(serializers.ModelSerializer):
    edition = serializers.CharField(source="edition.code")
    # DRF's metaclass moves declared fields off the class, so this does not shadow Field.label.
    label = serializers.CharField(help_text='Code and version, e.g. "sof-2021-22 v2"')  # type: ignore[assignment]
    parameters = serializers.SerializerMethodField()

    class Meta:
        model = SegmentationMethod
        fields = [
            "code",
            "name",
            "edition",
            "rules",
            "primary",
            "illustrative",
            "note",
            "version",
            "label",
            "parameters",
        ]

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_parameters(self, method: SegmentationMethod) -> dict[str, Any]:
        return parameters_json(method)


class CriterionMetricSerializer(serializers.Serializer):
    code = serializers.CharField()
    result = serializers.CharField(help_text="The result (value, quartile, score, version)")
    trace = serializers.CharField(help_text="The value up: its flags and proposals")


class CriterionFlagSerializer(serializers.Serializer):
    metric = serializers.CharField()
    kind = serializers.CharField()
    flags = serializers.CharField(help_text="The flag with its evidence")


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    group = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    status = serializers.ChoiceField(choices=CriterionStatus.choices)
    evidence = serializers.CharField()
    metrics = CriterionMetricSerializer(many=True)
    flags = CriterionFlagSerializer(many=True)


def criteria_payload(proposal: Proposal, request: Any) -> list[dict[str, Any]]:
    where = {
        "ods": proposal.organisation.ods_code,
        "period": proposal.period.label,
    }
    return [
        {
            **{k: c[k] for k in ("code", "group", "label", "status", "evidence")},
            "metrics": [
                {
                    "code": code,
                    "result": result_url(request, metric=code, run=proposal.run_id, **where),
                    "trace": value_trace_url(request, metric=code, **where),
                }
                for code in c.get("metrics", [])
            ],
            "flags": [
                {
                    **f,
                    "flags": flags_url(request, metric=f["metric"], run=proposal.run_id, **where),
                }
                for f in c.get("flags", [])
            ],
        }
        for c in proposal.criteria
    ]


class DomainScoreSerializer(serializers.Serializer):
    theme = serializers.CharField()
    name = serializers.CharField()
    average = serializers.CharField(allow_null=True)


class ProposalSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.ods_code")
    organisation_name = serializers.CharField(source="organisation.name")
    kind = serializers.CharField(source="organisation.kind")
    region = serializers.CharField(source="organisation.region.ods_code")
    system = serializers.CharField(source="organisation.system.ods_code", allow_null=True)
    period = serializers.CharField(source="period.label")
    method = serializers.SerializerMethodField()
    run = serializers.SerializerMethodField()
    average_score = serializers.DecimalField(
        max_digits=4, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    criteria = serializers.SerializerMethodField()
    domain_scores = DomainScoreSerializer(many=True)
    trace = serializers.SerializerMethodField(help_text="Each criterion down to the values")

    class Meta:
        model = Proposal
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "kind",
            "region",
            "system",
            "peer_group",
            "period",
            "method",
            "run",
            "segment",
            "basis",
            "summary",
            "average_score",
            "scored_metrics",
            "criteria",
            "domain_scores",
            "computed_at",
            "trace",
        ]

    @extend_schema_field(MethodLinkSerializer)
    def get_method(self, proposal: Proposal) -> dict[str, Any]:
        return method_link(proposal.method, proposal.method_version)

    @extend_schema_field(RunLinkSerializer)
    def get_run(self, proposal: Proposal) -> dict[str, Any]:
        return run_link(proposal.run_id, self.context.get("request"))

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, proposal: Proposal) -> list[dict[str, Any]]:
        return criteria_payload(proposal, self.context.get("request"))

    def get_trace(self, proposal: Proposal) -> str:
        return api_url("api-proposal-trace", self.context.get("request"), args=[proposal.pk])


# --- traces ----------------------------------------------------------------------------------


class VersionLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    file_name = serializers.CharField()
    file_sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    return_url = serializers.CharField(help_text="The return, with its versions")
    file_url = serializers.CharField(help_text="The uploaded file (signed-in page)")


def version_payload(result: Any, request: Any) -> dict[str, Any]:
    """The accepted return version a result was computed from, and where its upload is."""
    version = result.version
    record = version.return_record
    file_page = f"/returns/{record.organisation.ods_code}/{record.period.slug}/versions/"
    file_page += f"{version.number}/file"
    return {
        "id": version.pk,
        "number": version.number,
        "file_name": version.file_name,
        "file_sha256": version.file_sha256,
        "uploaded_at": version.uploaded_at,
        "return_url": api_url("api-return-detail", request, args=[record.pk]),
        "file_url": request.build_absolute_uri(file_page) if request else file_page,
    }


class TracedResultSerializer(serializers.Serializer):
    metric = serializers.CharField()
    metric_name = serializers.CharField()
    value = serializers.FloatField()
    quartile = serializers.IntegerField(allow_null=True)
    score = serializers.CharField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    peer_group_size = serializers.IntegerField()
    thresholds = serializers.DictField(allow_null=True)
    version = VersionLinkSerializer()


def result_payload(result: Any, request: Any) -> dict[str, Any]:
    thresholds = None
    if getattr(result, "threshold_n", None) is not None:
        thresholds = {
            "n": result.threshold_n,
            "p25": result.p25,
            "p50": result.p50,
            "p75": result.p75,
        }
    return {
        "metric": result.metric.code,
        "metric_name": result.metric.name,
        "value": result.value,
        "quartile": result.quartile,
        "score": None if result.score is None else str(result.score),
        "rank": result.rank,
        "peer_group_size": result.peer_group_size,
        "thresholds": thresholds,
        "version": version_payload(result, request),
    }


class TracedFlagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    metric = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    evidence = serializers.ListField(child=serializers.CharField())


def flag_payload(flag: Any) -> dict[str, Any]:
    return {
        "id": flag.pk,
        "metric": flag.metric.code if flag.metric else None,
        "kind": flag.kind,
        "kind_label": flag.get_kind_display(),
        "evidence": flag_texts(flag),
    }
