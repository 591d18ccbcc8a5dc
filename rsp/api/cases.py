"""REST API of support cases: /api/v1/cases/ and the case's parts. Scoped exactly as the pages
(``rsp.access``): outside scope and unknown are the same 404; a body never gets internal-only
notes, documents or events. Each object lists the caller's permitted actions; the operations
raise the domain errors the API's one handler turns into 400/403/404/409."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.scope import request_user, system_for
from metrics.models.catalogue import Metric
from oversight.errors import InputRejected
from rsp.access import accesses, case_visible, part_visible
from rsp.actions import case_actions
from rsp.api import inputs
from rsp.api.serializers import (
    CaseFileSerializer,
    CaseListItemSerializer,
    allowed_payload,
    case_file_payload,
    case_summary,
)
from rsp.cases import (
    Appointment,
    case_appoint_lead,
    case_exit,
    case_open_for_system,
    case_update_details,
)
from rsp.criteria import CriterionInput, criterion_add
from rsp.documents import MAX_DOCUMENT_BYTES, Upload, document_add
from rsp.models import Case, Programme
from rsp.notes import note_add
from rsp.plan import milestone_add, workstream_add
from rsp.reviews import ReviewInput, review_record
from rsp.selectors import case_file, case_list
from rsp.stocktake import stocktake_record


def valid(serializer_class: type, request: Request) -> dict[str, Any]:
    given = serializer_class(data=request.data)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


def user_by_email(email: str, field: str) -> User:
    found = User.objects.filter(email__iexact=email, is_active=True).first()
    if found is None:
        raise InputRejected("No such person.", {field: [f"Nobody signs in as {email}."]})
    return found


def metric_for(case: Case, code: str) -> Metric | None:
    """The metric of that code in the case's programme's edition (the latest with it)."""
    if not code:
        return None
    metric = (
        Metric.objects.filter(code__iexact=code, edition__code=case.programme.edition_code).first()
        or Metric.objects.filter(code__iexact=code).order_by("-edition_id").first()
    )
    if metric is None:
        raise InputRejected("No such metric.", {"metric": [f"There is no metric {code}."]})
    return metric


def read_upload(file: Any) -> bytes:
    """At most one byte more than the limit: enough to refuse an oversize file, never more."""
    return bytes(file.read(MAX_DOCUMENT_BYTES + 1))


class CaseViewSet(viewsets.GenericViewSet):
    """Support cases in your scope. POST (national admins) opens a case for a whole system;
    the detail's POST actions change the case and answer with the whole case file."""

    lookup_value_regex = r"\d+"
    serializer_class = CaseFileSerializer
    parser_classes = (JSONParser, MultiPartParser, FormParser)

    def get_queryset(self) -> QuerySet[Case]:
        return case_list(self.request.user)

    def _case(self, pk: str) -> Case:
        return case_visible(self.request.user, pk)

    def _file(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        fresh = case_visible(self.request.user, case.pk)
        payload = case_file_payload(case_file(self.request.user, fresh))
        return Response(CaseFileSerializer(payload).data, status=code)

    @extend_schema(responses=CaseListItemSerializer(many=True))
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None
        access = accesses(request.user, page)
        rows = [
            {**case_summary(c), "actions": allowed_payload(case_actions(c, access[c.pk], []))}
            for c in page
        ]
        return self.get_paginated_response(CaseListItemSerializer(rows, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._file(self._case(pk))

    @extend_schema(request=inputs.SystemCaseInput, responses={201: CaseFileSerializer})
    def create(self, request: Request) -> Response:
        data = valid(inputs.SystemCaseInput, request)
        user = request_user(request)
        system = system_for(user, data["system"])
        programme = Programme.objects.filter(
            edition_code=data["edition"], segment=data["segment"]
        ).first()
        if programme is None:
            raise InputRejected(
                "No such programme.", {"segment": ["That edition has no programme for it."]}
            )
        case = case_open_for_system(
            system=system,
            programme=programme,
            entered_on=data["entered_on"],
            cqc_recommended_entry=data["cqc_recommended_entry"],
            reason=data["reason"],
            user=user,
        )
        return self._file(case, status.HTTP_201_CREATED)

    @extend_schema(request=inputs.AppointInput, responses=CaseFileSerializer)
    @action(detail=True, methods=["post"])
    def appoint(self, request: Request, pk: str) -> Response:
        """Appoint the lead (a SID, jointly: name the three parties)."""
        data = valid(inputs.AppointInput, request)
        case = self._case(pk)
        appointment = Appointment(lead=user_by_email(data.pop("lead"), "lead"), **data)
        user = request_user(request)
        return self._file(case_appoint_lead(case=case, appointment=appointment, user=user))

    @extend_schema(request=inputs.DetailsInput, responses=CaseFileSerializer)
    @action(detail=True, methods=["post"])
    def details(self, request: Request, pk: str) -> Response:
        """The indicative exit date and whether entry was on CQC's recommendation."""
        data = valid(inputs.DetailsInput, request)
        case = case_update_details(case=self._case(pk), **data, user=request_user(request))
        return self._file(case)

    @extend_schema(request=inputs.StocktakeInput, responses=CaseFileSerializer)
    @action(detail=True, methods=["post"])
    def stocktake(self, request: Request, pk: str) -> Response:
        data = valid(inputs.StocktakeInput, request)
        case = self._case(pk)
        stocktake_record(case=case, **data, user=request_user(request))
        return self._file(case)

    @extend_schema(request=inputs.CriterionInputSerializer, responses=CaseFileSerializer)
    @action(detail=True, methods=["post"])
    def criteria(self, request: Request, pk: str) -> Response:
        data = valid(inputs.CriterionInputSerializer, request)
        case = self._case(pk)
        given = CriterionInput(
            description=data["description"],
            metric=metric_for(case, data["metric"]),
            comparator=data["comparator"],
            target=data["target"],
        )
        criterion_add(case=case, given=given, user=request_user(request), at_entry=data["at_entry"])
        return self._file(case, status.HTTP_201_CREATED)

    @extend_schema(request=inputs.WorkstreamInput, responses=CaseFileSerializer)
    @action(detail=True, methods=["post"])
    def workstreams(self, request: Request, pk: str) -> Response:
        data = valid(inputs.WorkstreamInput, request)
        case = self._case(pk)
        workstream_add(case=case, **data, user=request_user(request))
        return self._file(case, status.HTTP_201_CREATED)

    @extend_schema(request=inputs.MilestoneInput, responses=CaseFileSerializer)
    @action(detail=True, methods=["post"])
    def milestones(self, request: Request, pk: str) -> Response:
        data = valid(inputs.MilestoneInput, request)
        case = self._case(pk)
        milestone_add(case=case, **data, user=request_user(request))
        return self._file(case, status.HTTP_201_CREATED)

    @extend_schema(request=inputs.ReviewInputSerializer, responses=CaseFileSerializer)
    @action(detail=True, methods=["post"])
    def reviews(self, request: Request, pk: str) -> Response:
        data = valid(inputs.ReviewInputSerializer, request)
        case = self._case(pk)
        review_record(case=case, given=ReviewInput(**data), user=request_user(request))
        return self._file(case, status.HTTP_201_CREATED)

    @extend_schema(request=inputs.CaseNoteInput, responses=CaseFileSerializer)
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str) -> Response:
        data = valid(inputs.CaseNoteInput, request)
        case = self._case(pk)
        note_add(case=case, **data, user=request_user(request))
        return self._file(case, status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": inputs.DocumentInput}, responses=CaseFileSerializer
    )
    @action(detail=True, methods=["post"])
    def documents(self, request: Request, pk: str) -> Response:
        """Add a document (multipart): PDF, PNG, JPEG, CSV, text or .xlsx, at most 10 MiB."""
        from rsp.models import Action, ExitCriterion

        data = valid(inputs.DocumentInput, request)
        case = self._case(pk)
        user = request_user(request)
        upload = Upload(
            file_name=data["file"].name,
            content=read_upload(data["file"]),
            kind=data["kind"],
            title=data["title"],
            internal=data["internal"],
            action=part_visible(user, Action, data["action"], case_path="workstream__case")
            if data["action"]
            else None,
            criterion=part_visible(user, ExitCriterion, data["criterion"])
            if data["criterion"]
            else None,
        )
        document_add(case=case, upload=upload, user=user)
        return self._file(case, status.HTTP_201_CREATED)

    @extend_schema(request=inputs.ExitInput, responses=CaseFileSerializer)
    @action(detail=True, methods=["post"])
    def exit(self, request: Request, pk: str) -> Response:
        """Record the exit: every criterion met, CQC's exit recommendation where entry was on
        CQC's; the body is no longer proposed for the programme."""
        data = valid(inputs.ExitInput, request)
        case = case_exit(case=self._case(pk), **data, user=request_user(request))
        return self._file(case)
