"""REST API of quarterly returns: /api/v1/returns/ (scoped), upload, review steps, history.

Thin views over `metrics.returns`. Status codes say who must act: 400 the caller's input or
file (with every finding, row and column), 403 a role that may see the body but not do this,
404 a return or body outside the caller's scope (the same as one that does not exist), 409 the
return's state or window (with the reason, e.g. "The 2021-22 Q3 return closed on …").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import REOPEN_RETURN, REVIEW_RETURN, SIGN_OFF_RETURN, SUBMIT_RETURN
from accounts.scope import can, organisations_visible_to
from metrics.models import (
    Finding,
    FrameworkEdition,
    Period,
    Return,
    ReturnEvent,
    ReturnState,
    ReturnVersion,
    Severity,
)
from metrics.periods import PeriodLabelError, parse_label, period_from_label
from metrics.returnfile import MAX_FILE_BYTES, FileRejected
from metrics.returns import (
    NextAction,
    Preview,
    ReturnActionRefused,
    ReturnRejected,
    completeness,
    edition_for,
    findings_justify,
    next_actions,
    next_actions_many,
    return_accept,
    return_preview,
    return_reopen,
    return_send_back,
    return_sign_off,
    return_upload,
    return_window,
    returns_visible_to,
)
from metrics.views_returns import CONTENT_TYPES, event_changes, event_description, template_download
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
    findings = FindingOutSerializer(many=True)


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
        return NextActionSerializer(actions, many=True).data  # type: ignore[return-value]


class WindowSerializer(serializers.Serializer):
    state = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # as NextActionSerializer.label
    reason = serializers.CharField()
    accepts_returns = serializers.BooleanField()


class ReturnDetailSerializer(ReturnSerializer):
    window = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()

    class Meta(ReturnSerializer.Meta):
        fields = [*ReturnSerializer.Meta.fields, "window", "versions", "findings"]

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
        return VersionSerializer(versions, many=True).data  # type: ignore[return-value]

    @extend_schema_field(StoredFindingSerializer(many=True))
    def get_findings(self, record: Return) -> list[dict[str, Any]]:
        if record.current_version_id is None:
            return []
        findings = Finding.objects.filter(version_id=record.current_version_id).select_related(
            "justified_by"
        )
        return StoredFindingSerializer(findings, many=True).data  # type: ignore[return-value]


class ChangeCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    removed = serializers.IntegerField()


class ValueChangeSerializer(serializers.Serializer):
    metric_code = serializers.CharField()
    period_end = serializers.DateField()
    old = serializers.FloatField(allow_null=True)
    new = serializers.FloatField(allow_null=True)
    kind = serializers.CharField()


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
    changed_values = ValueChangeSerializer(many=True, help_text="Changed and removed values")


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
    file = serializers.FileField(help_text="The return file, CSV or XLSX")
    dry_run = serializers.BooleanField(
        default=False, help_text="true: validate and compare only; nothing is stored"
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


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # IsAuthenticated has run
    return request.user


def _period(text: str, field: str = "period") -> Period:
    try:
        return period_from_label(text)
    except PeriodLabelError as bad:
        raise ValidationError({field: [str(bad)]}) from bad


def _edition(period: Period) -> FrameworkEdition:
    try:
        return edition_for(period)
    except FrameworkEdition.DoesNotExist as missing:
        raise ValidationError(
            {"period": [f"The framework edition for {period.label} is not loaded yet."]}
        ) from missing


def _organisation(user: User, ods_code: str) -> Organisation:
    organisation = organisations_visible_to(user).filter(ods_code=ods_code.strip().upper()).first()
    if organisation is None:
        raise NotFound(f"No organisation {ods_code} within your scope.")
    return organisation


def _require(user: User, action_name: str, organisation: Organisation, what: str) -> None:
    if not can(user, action_name, organisation):
        raise PermissionDenied(f"You can see {organisation.name} but may not {what}.")


def _findings_out(findings: Iterable[Any]) -> list[dict[str, Any]]:
    return FindingOutSerializer(findings, many=True).data  # type: ignore[return-value]


def _rejected(message: str, findings: Sequence[Any] = ()) -> Response:
    if not findings:  # a refused file: one finding for the whole file
        findings = [
            {
                "row": None,
                "column": "",
                "code": "file_rejected",
                "severity": Severity.BLOCKING,
                "message": message,
            }
        ]
    return Response(
        {"detail": message, "findings": _findings_out(findings)},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _conflict(refused: ReturnActionRefused) -> Response:
    return Response({"detail": refused.message}, status=status.HTTP_409_CONFLICT)


def _dry_run(preview: Preview) -> dict[str, Any]:
    return {
        "dry_run": True,
        "blocking": preview.blocking,
        "duplicate_of": preview.duplicate_of.number if preview.duplicate_of else None,
        "values": len(preview.result.values),
        "sha256": preview.sha256,
        "findings": _findings_out(preview.result.findings),
        "changes": {k: preview.count(k) for k in ("new", "changed", "unchanged", "removed")},
        "changed_values": ValueChangeSerializer(
            [c for c in preview.changes if c.kind in ("changed", "removed")], many=True
        ).data,
    }


class FileRenderer(BaseRenderer):
    """Passes a file's bytes through; errors (dicts) go out as JSON text."""

    charset = None

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


class CsvRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxRenderer(FileRenderer):
    media_type = CONTENT_TYPES["xlsx"]
    format = "xlsx"


ERRORS = {
    400: OpenApiResponse(RejectionSerializer, description="Bad input or file; what and where"),
    403: OpenApiResponse(DetailSerializer, description="Your role may see but not do this"),
    404: OpenApiResponse(DetailSerializer, description="Not found within your scope"),
    409: OpenApiResponse(DetailSerializer, description="Refused by the return's state or window"),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


# --- views -----------------------------------------------------------------------------------


class ReturnFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(method="filter_period", label='Quarter, e.g. "2021-22 Q3"')
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact", label="ODS code"
    )
    state = django_filters.ChoiceFilter(choices=ReturnState.choices)

    class Meta:
        model = Return
        fields = ["period", "organisation", "state"]

    def filter_period(self, queryset: QuerySet[Return], name: str, value: str) -> QuerySet[Return]:
        try:
            year, quarter = parse_label(value)
        except PeriodLabelError as bad:
            raise ValidationError({"period": [str(bad)]}) from bad
        queryset = queryset.filter(period__year=year)
        return queryset.filter(period__quarter=quarter) if quarter else queryset


@extend_schema(tags=["returns"])
class ReturnViewSet(viewsets.GenericViewSet):
    """Quarterly returns within the caller's scope, each with what the caller may do next."""

    serializer_class = ReturnSerializer
    filterset_class = ReturnFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Return]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Return.objects.none()
        return (
            returns_visible_to(_user(self.request))
            .select_related(
                "organisation",
                "period",
                "edition",
                "current_version__uploaded_by",
                "current_version__signed_off_by",
                "current_version__reviewed_by",
            )
            .defer("current_version__file_content")
            .order_by("-period__year", "-period__quarter", "organisation__ods_code")
        )

    def _actions(self, records: Sequence[Return]) -> dict[int, list[NextAction]]:
        items = [(r.organisation, r.period, r) for r in records]
        actions = next_actions_many(items=items, user=_user(self.request))
        return {r.pk: a for r, a in zip(records, actions, strict=True)}

    def _one(self, record: Return | None = None) -> Response:
        record = record or self.get_object()
        actions = next_actions(
            organisation=record.organisation,
            period=record.period,
            return_record=record,
            user=_user(self.request),
        )
        context = {**self.get_serializer_context(), "next_actions": {record.pk: actions}}
        return Response(ReturnDetailSerializer(record, context=context).data)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None
        context = {**self.get_serializer_context(), "next_actions": self._actions(page)}
        return self.get_paginated_response(ReturnSerializer(page, many=True, context=context).data)

    @extend_schema(responses={200: ReturnDetailSerializer, **_errors(404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._one()

    @extend_schema(
        request={"multipart/form-data": UploadInputSerializer},
        responses={
            201: UploadResultSerializer,
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="UploadOutcome",
                    serializers=[UploadResultSerializer, DryRunSerializer],
                    resource_type_field_name=None,
                ),
                description="dry_run: what the file would do; else an identical file, kept",
            ),
            **_errors(400, 403, 404, 409),
        },
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request) -> Response:
        """Upload a return file: validated, compared with the last version, stored as a new
        immutable version — or, with dry_run=true, only validated and compared."""
        user = _user(request)
        given = UploadInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        organisation = _organisation(user, data["organisation"])
        period = _period(data["period"])
        edition = _edition(period)
        _require(user, SUBMIT_RETURN, organisation, "submit its returns")
        upload = data["file"]
        if upload.size > MAX_FILE_BYTES:
            return _rejected(
                f"The file is {upload.size / 1024 / 1024:.1f} MiB; the largest file Oversight "
                f"accepts is {MAX_FILE_BYTES // 1024 // 1024} MiB."
            )
        args = {
            "organisation": organisation,
            "period": period,
            "edition": edition,
            "file_name": upload.name or "return",
            "content": upload.read(),
            "user": user,
        }
        try:
            if data["dry_run"]:
                return Response(_dry_run(return_preview(**args)))
            version, created = return_upload(**args)
        except FileRejected as rejected:
            return _rejected(rejected.message)
        except ReturnRejected as rejected:
            return _rejected(str(rejected), rejected.findings)
        except ReturnActionRefused as refused:
            return _conflict(refused)
        result = {
            "return_id": version.return_record_id,
            "duplicate": not created,
            "version": VersionSerializer(version).data,
            "findings": StoredFindingSerializer(version.findings.all(), many=True).data,
        }
        return Response(result, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=JustifyInputSerializer,
        responses={200: ReturnDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def justify(self, request: Request, pk: str) -> Response:
        """Justify warnings of the current version (needed before sign-off)."""
        record = self.get_object()
        user = _user(request)
        if not (
            can(user, SUBMIT_RETURN, record.organisation)
            or can(user, SIGN_OFF_RETURN, record.organisation)
        ):
            raise PermissionDenied(
                f"You can see {record.organisation.name} but may not justify its warnings."
            )
        given = JustifyInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        justifications = _finding_ids(record, given.validated_data["justifications"])
        try:
            findings_justify(return_record=record, justifications=justifications, user=user)
        except ReturnActionRefused as refused:
            return _conflict(refused)
        return self._one(self.get_object())

    @extend_schema(request=None, responses={200: ReturnDetailSerializer, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str) -> Response:
        """Sign off the current version (someone other than its uploader)."""
        record = self.get_object()
        _require(_user(request), SIGN_OFF_RETURN, record.organisation, "sign off its returns")
        try:
            return_sign_off(return_record=record, user=_user(request))
        except ReturnActionRefused as refused:
            return _conflict(refused)
        return self._one(self.get_object())

    @extend_schema(request=None, responses={200: ReturnDetailSerializer, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Accept the signed-off version: it is frozen and feeds the national figures."""
        record = self.get_object()
        _require(_user(request), REVIEW_RETURN, record.organisation, "review its returns")
        try:
            return_accept(return_record=record, user=_user(request))
        except ReturnActionRefused as refused:
            return _conflict(refused)
        return self._one(self.get_object())

    @extend_schema(
        request=SendBackInputSerializer,
        responses={200: ReturnDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str) -> Response:
        """Send the signed-off version back with a reason; the body uploads a corrected one."""
        record = self.get_object()
        _require(_user(request), REVIEW_RETURN, record.organisation, "review its returns")
        given = SendBackInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            return_send_back(
                return_record=record, user=_user(request), reason=given.validated_data["reason"]
            )
        except ReturnActionRefused as refused:
            return _conflict(refused)
        return self._one(self.get_object())

    @extend_schema(
        request=ReopenInputSerializer,
        responses={200: ReturnDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Let this body upload outside the window (or change an accepted return) until expiry."""
        record = self.get_object()
        _require(_user(request), REOPEN_RETURN, record.organisation, "reopen its returns")
        given = ReopenInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            return_reopen(
                organisation=record.organisation,
                period=record.period,
                edition=record.edition,
                user=_user(request),
                reason=given.validated_data["reason"],
                expires_at=given.validated_data["expires_at"],
            )
        except ReturnActionRefused as refused:
            # The input was read; what is left to refuse is about the expiry or the reason.
            raise ValidationError({"detail": refused.message}) from refused
        return self._one(self.get_object())

    @extend_schema(responses={200: EventSerializer(many=True), **_errors(404)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request: Request, pk: str) -> Response:
        """Every upload, justification, sign-off, review, reopening and value change."""
        record = self.get_object()
        events = record.events.select_related("actor", "version").defer("version__file_content")
        return Response(EventSerializer(events, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("organisation", str, required=True, description="ODS code"),
            OpenApiParameter("period", str, required=True, description='e.g. "2021-22 Q3"'),
            OpenApiParameter("format", str, enum=["csv", "xlsx"], description="Default csv"),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            **_errors(400, 404),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[CsvRenderer, XlsxRenderer, JSONRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def template(self, request: Request) -> HttpResponse:
        """A return file pre-filled for a body and quarter, to fill in and upload."""
        user = _user(request)
        file_format = request.query_params.get("format", "csv")
        if file_format not in CONTENT_TYPES:
            raise ValidationError({"format": ["Choose csv or xlsx."]})
        organisation = _organisation(user, request.query_params.get("organisation", ""))
        period = _period(request.query_params.get("period", ""))
        content, name = template_download(
            organisation=organisation,
            period=period,
            edition=_edition(period),
            file_format=file_format,
            user=user,
        )
        response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
        response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
        return response

    @extend_schema(
        parameters=[OpenApiParameter("period", str, required=True, description="2021-22 Q3")],
        responses={200: CompletenessSerializer, **_errors(400, 404)},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def completeness(self, request: Request) -> Response:
        """Who has returned for a quarter over the bodies the caller reviews; who to chase."""
        user = _user(request)
        if not organisations_visible_to(user, REVIEW_RETURN).exists():
            raise NotFound("Completeness is for regional and national teams.")
        period = _period(request.query_params.get("period", ""))
        report = completeness(user=user, period=period, edition=_edition(period))
        by_region = [
            {"region": code, "region_name": name, **vars(counts)}
            for code, name, counts in report.by_region
        ]
        return Response(
            {
                "period": period.label,
                "totals": vars(report.totals),
                "by_region": by_region,
                "chase": ChaseSerializer(report.chase, many=True).data,
            }
        )


def _finding_ids(record: Return, given: dict[str, str]) -> dict[int, str]:
    """The justifications by finding id; 400 naming any id that is not a warning to justify."""
    warnings = set(
        Finding.objects.filter(
            version_id=record.current_version_id, severity=Severity.WARNING
        ).values_list("id", flat=True)
    )
    justifications: dict[int, str] = {}
    unknown = []
    for key, text in given.items():
        if not key.isdigit() or int(key) not in warnings:
            unknown.append(key)
        else:
            justifications[int(key)] = text
    if unknown:
        raise ValidationError(
            {"justifications": [f"Not warnings of the current version: {', '.join(unknown)}."]}
        )
    return justifications
