"""The returns API's views: thin, each calling one operation of `metrics.returns`."""

from __future__ import annotations

from collections.abc import Sequence

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import REVIEW_RETURN, SUBMIT_RETURN
from accounts.scope import (
    NO_SUCH_ORGANISATION,
    organisation_for,
    organisations_visible_to,
    request_user,
)
from metrics.catalogue.editions import edition_for
from metrics.catalogue.periods import PeriodLabelError, parse_label, period_from_label
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.returns import (
    Finding,
    Return,
    ReturnState,
    Severity,
)
from metrics.returns.api.responses import (
    CsvRenderer,
    XlsxRenderer,
    dry_run_payload,
    refusals,
    rejection,
    rejection_body,
    sign_off_conflict,
)
from metrics.returns.api.serializers import (
    AcceptedReturnSerializer,
    ChaseSerializer,
    CompletenessSerializer,
    DryRunSerializer,
    EventSerializer,
    JustifyInputSerializer,
    ReopenInputSerializer,
    ReturnDetailSerializer,
    ReturnSerializer,
    SendBackInputSerializer,
    SignOffInputSerializer,
    StoredFindingSerializer,
    UploadInputSerializer,
    UploadResultSerializer,
    VersionSerializer,
)
from metrics.returns.completeness import completeness, returns_visible_to
from metrics.returns.downloads import CONTENT_TYPES, template_download
from metrics.returns.file import MAX_FILE_BYTES, FileRejected, too_large_message
from metrics.returns.policy import (
    NextAction,
    ReturnRejected,
    SignOffWouldBeCancelled,
    next_actions,
    next_actions_many,
)
from metrics.returns.review import (
    findings_justify,
    return_accept,
    return_reopen,
    return_send_back,
    return_sign_off,
)
from metrics.returns.signals import FollowUp
from metrics.returns.upload import return_preview, return_upload
from oversight.errors import NotFound as DomainNotFound
from oversight.uploads import body_check


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


def upload_check(
    request: HttpRequest, caller: User, length: int, **kwargs: object
) -> HttpResponse | None:
    """Before the body is read (``oversight.uploads``): a caller who sees no body at all gets
    404, and a post too large for any return file 413, in the shape of every refusal. (The
    body names the organisation, so a caller within some scope is judged once it is read.)"""
    if not organisations_visible_to(caller).exists():
        raise DomainNotFound(NO_SUCH_ORGANISATION)
    if length <= settings.REQUEST_MAX_BYTES:
        return None
    body = rejection_body(too_large_message(length, what="This upload"))
    return JsonResponse(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


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
            returns_visible_to(request_user(self.request))
            .select_related(
                "organisation",
                "period",
                "edition",
                "current_version__uploaded_by",
                "current_version__signed_off_by",
                "current_version__reviewed_by",
                "accepted_version",
            )
            .defer("current_version__file_content", "accepted_version__file_content")
            .order_by("-period__year", "-period__quarter", "organisation__ods_code")
        )

    def _actions(self, records: Sequence[Return]) -> dict[int, list[NextAction]]:
        items = [(r.organisation, r.period, r) for r in records]
        actions = next_actions_many(items=items, user=request_user(self.request))
        return {r.pk: a for r, a in zip(records, actions, strict=True)}

    def _one(self, record: Return | None = None, started: list[FollowUp] | None = None) -> Response:
        record = record or self.get_object()
        actions = next_actions(
            organisation=record.organisation,
            period=record.period,
            return_record=record,
            user=request_user(self.request),
        )
        context = {**self.get_serializer_context(), "next_actions": {record.pk: actions}}
        if started is not None:
            context["started"] = [follow_up.as_detail() for follow_up in started]
            return Response(AcceptedReturnSerializer(record, context=context).data)
        return Response(ReturnDetailSerializer(record, context=context).data)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None
        context = {**self.get_serializer_context(), "next_actions": self._actions(page)}
        return self.get_paginated_response(ReturnSerializer(page, many=True, context=context).data)

    @extend_schema(responses={200: ReturnDetailSerializer, **refusals(404)})
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
            **refusals(400, 403, 404, 409, 413),
        },
    )
    @body_check(upload_check)
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request) -> Response:
        """Upload a return file: validated, compared with the last version, stored as a new
        immutable version — or, with dry_run=true, only validated and compared."""
        user = request_user(request)
        given = UploadInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        organisation = organisation_for(
            user, data["organisation"], SUBMIT_RETURN, "submit its returns"
        )
        period = _period(data["period"])
        edition = _edition(period)
        upload = data["file"]
        if upload.size > MAX_FILE_BYTES:
            return rejection(
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
                return Response(dry_run_payload(return_preview(**args)))
            version, created = return_upload(**args, cancel_sign_off=data["cancel_sign_off"])
        except SignOffWouldBeCancelled as cancelling:
            return sign_off_conflict(cancelling.message)
        except FileRejected as rejected:
            return rejection(rejected.message)
        except ReturnRejected as rejected:
            return rejection(str(rejected), rejected.findings)
        result = {
            "return_id": version.return_record_id,
            "duplicate": not created,
            "version": VersionSerializer(version).data,
            "findings": StoredFindingSerializer(version.findings.all(), many=True).data,
        }
        return Response(result, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=JustifyInputSerializer,
        responses={200: ReturnDetailSerializer, **refusals(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def justify(self, request: Request, pk: str) -> Response:
        """Justify warnings of the current version (needed before sign-off)."""
        record = self.get_object()
        user = request_user(request)
        given = JustifyInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        justifications = _finding_ids(record, given.validated_data["justifications"])
        findings_justify(return_record=record, justifications=justifications, user=user)
        return self._one(self.get_object())

    @extend_schema(
        request=SignOffInputSerializer,
        responses={200: ReturnDetailSerializer, **refusals(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str) -> Response:
        """Sign off the current version (someone other than its uploader), confirming the
        declaration; see changes_since_accepted and findings for what is being signed off."""
        record = self.get_object()
        given = SignOffInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return_sign_off(
            return_record=record,
            user=request_user(request),
            declaration=given.validated_data["declaration"],
        )
        return self._one(self.get_object())

    @extend_schema(
        request=None, responses={200: AcceptedReturnSerializer, **refusals(403, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Accept the signed-off version: it is frozen and feeds the national figures.
        ``started`` names the calculation run the acceptance started, with its links."""
        acceptance = return_accept(return_record=self.get_object(), user=request_user(request))
        return self._one(self.get_object(), started=acceptance.started)

    @extend_schema(
        request=SendBackInputSerializer,
        responses={200: ReturnDetailSerializer, **refusals(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str) -> Response:
        """Send the signed-off version back with a reason; the body uploads a corrected one."""
        record = self.get_object()
        given = SendBackInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return_send_back(
            return_record=record,
            user=request_user(request),
            reason=given.validated_data["reason"],
        )
        return self._one(self.get_object())

    @extend_schema(
        request=ReopenInputSerializer,
        responses={200: ReturnDetailSerializer, **refusals(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Let this body upload outside the window (or change an accepted return) until expiry."""
        record = self.get_object()
        given = ReopenInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return_reopen(
            organisation=record.organisation,
            period=record.period,
            edition=record.edition,
            user=request_user(request),
            reason=given.validated_data["reason"],
            expires_at=given.validated_data["expires_at"],
        )
        return self._one(self.get_object())

    @extend_schema(responses={200: EventSerializer(many=True), **refusals(404)})
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
            **refusals(400, 404),
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
        user = request_user(request)
        file_format = request.query_params.get("format", "csv")
        if file_format not in CONTENT_TYPES:
            raise ValidationError({"format": ["Choose csv or xlsx."]})
        organisation = organisation_for(user, request.query_params.get("organisation", ""))
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
        responses={200: CompletenessSerializer, **refusals(400, 404)},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def completeness(self, request: Request) -> Response:
        """Who has returned for a quarter over the bodies the caller reviews; who to chase."""
        user = request_user(request)
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
