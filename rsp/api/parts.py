"""REST API of a case's parts: actions (progress, closure, RAG), exit criteria (change, status),
workstreams (add an action) and milestones (achieved). Each answer is the part as the case
file shows it to the caller, with the actions they may take next."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scope import request_user
from oversight.errors import NotFound
from rsp.access import case_visible, part_visible
from rsp.api import inputs
from rsp.api.cases import metric_for, user_by_email, valid
from rsp.api.serializers import (
    ActionSerializer,
    CriterionSerializer,
    action_payload,
    criterion_payload,
)
from rsp.criteria import CriterionInput, criterion_change, criterion_set_status
from rsp.models import Action, Case, ExitCriterion, Milestone, Workstream
from rsp.plan import (
    ActionInput,
    action_add,
    action_close,
    action_override_rag,
    action_propose_closure,
    action_reject_closure,
    action_replan,
    action_update,
    milestone_achieve,
)
from rsp.selectors import case_file


def _action_answer(request: Request, action_id: int, case: Case, code: int = 200) -> Response:
    fresh = case_visible(request.user, case.pk)
    planned = next(
        (a for a in case_file(request.user, fresh).actions if a.action.pk == action_id), None
    )
    if planned is None:
        raise NotFound("No such action.")
    return Response(ActionSerializer(action_payload(planned)).data, status=code)


def _criterion_answer(request: Request, criterion_id: int, case: Case) -> Response:
    fresh = case_visible(request.user, case.pk)
    for criterion, allowed in case_file(request.user, fresh).criteria:
        if criterion.pk == criterion_id:
            return Response(CriterionSerializer(criterion_payload(criterion, allowed)).data)
    raise NotFound("No such criterion.")


class ActionViewSet(viewsets.GenericViewSet):
    """Actions of the improvement plans you can see."""

    serializer_class = ActionSerializer
    lookup_value_regex = r"\d+"

    def _action(self, pk: str) -> Action:
        return part_visible(self.request.user, Action, pk, case_path="workstream__case")

    def retrieve(self, request: Request, pk: str) -> Response:
        found = self._action(pk)
        return _action_answer(request, found.pk, found.workstream.case)

    def _do(self, pk: str, operation: Any, **arguments: Any) -> Response:
        found = self._action(pk)
        operation(action=found, user=request_user(self.request), **arguments)
        return _action_answer(self.request, found.pk, found.workstream.case)

    @extend_schema(request=inputs.ProgressInput, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str) -> Response:
        """The owner or the case's team records progress (per cent) with a note."""
        return self._do(pk, action_update, **valid(inputs.ProgressInput, request))

    @extend_schema(request=inputs.NoteInput, responses=ActionSerializer)
    @action(detail=True, methods=["post"], url_path="propose-closure")
    def propose_closure(self, request: Request, pk: str) -> Response:
        """The owner proposes closure; someone else closes."""
        return self._do(pk, action_propose_closure, **valid(inputs.NoteInput, request))

    @extend_schema(request=inputs.NoteInput, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self._do(pk, action_close, **valid(inputs.NoteInput, request))

    @extend_schema(request=inputs.ReasonInput, responses=ActionSerializer)
    @action(detail=True, methods=["post"], url_path="reject-closure")
    def reject_closure(self, request: Request, pk: str) -> Response:
        return self._do(pk, action_reject_closure, **valid(inputs.ReasonInput, request))

    @extend_schema(request=inputs.ReplanInput, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def replan(self, request: Request, pk: str) -> Response:
        """Move the due date, with the reason (the case's team)."""
        return self._do(pk, action_replan, **valid(inputs.ReplanInput, request))

    @extend_schema(request=inputs.RagInput, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def rag(self, request: Request, pk: str) -> Response:
        """Override the computed RAG with a reason (rag "" goes back to the computed one)."""
        return self._do(pk, action_override_rag, **valid(inputs.RagInput, request))


class WorkstreamViewSet(viewsets.GenericViewSet):
    serializer_class = ActionSerializer
    lookup_value_regex = r"\d+"

    @extend_schema(request=inputs.ActionInputSerializer, responses={201: ActionSerializer})
    @action(detail=True, methods=["post"])
    def actions(self, request: Request, pk: str) -> Response:
        """Add an action to the workstream."""
        data = valid(inputs.ActionInputSerializer, request)
        workstream = part_visible(request.user, Workstream, pk)
        given = ActionInput(
            title=data["title"],
            owner=user_by_email(data["owner"], "owner"),
            due_on=data["due_on"],
            starts_on=data["starts_on"],
            description=data["description"],
        )
        added = action_add(workstream=workstream, given=given, user=request_user(request))
        return _action_answer(request, added.pk, workstream.case, status.HTTP_201_CREATED)


class CriterionViewSet(viewsets.GenericViewSet):
    serializer_class = CriterionSerializer
    lookup_value_regex = r"\d+"

    def _criterion(self, pk: str) -> ExitCriterion:
        return part_visible(self.request.user, ExitCriterion, pk)

    def retrieve(self, request: Request, pk: str) -> Response:
        found = self._criterion(pk)
        return _criterion_answer(request, found.pk, found.case)

    @extend_schema(request=inputs.CriterionInputSerializer, responses=CriterionSerializer)
    @action(detail=True, methods=["post"])
    def change(self, request: Request, pk: str) -> Response:
        """Change the criterion, with the reason (recorded with who and what it was)."""
        data = valid(inputs.CriterionInputSerializer, request)
        found = self._criterion(pk)
        given = CriterionInput(
            description=data["description"],
            metric=metric_for(found.case, data["metric"]),
            comparator=data["comparator"],
            target=data["target"],
        )
        criterion_change(
            criterion=found, given=given, reason=data["reason"], user=request_user(request)
        )
        return _criterion_answer(request, found.pk, found.case)

    @extend_schema(request=inputs.StatusInput, responses=CriterionSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str) -> Response:
        """Set an unmeasured criterion's status, with the evidence."""
        data = valid(inputs.StatusInput, request)
        found = self._criterion(pk)
        criterion_set_status(criterion=found, **data, user=request_user(request))
        return _criterion_answer(request, found.pk, found.case)


class MilestoneViewSet(viewsets.GenericViewSet):
    serializer_class = CriterionSerializer
    lookup_value_regex = r"\d+"

    @extend_schema(request=inputs.AchieveInput, responses={200: None})
    @action(detail=True, methods=["post"])
    def achieve(self, request: Request, pk: str) -> Response:
        found = part_visible(request.user, Milestone, pk)
        data = valid(inputs.AchieveInput, request)
        done = milestone_achieve(milestone=found, **data, user=request_user(request))
        return Response({"id": done.pk, "achieved_on": done.achieved_on})
