"""The API's shapes of a case file. Payloads are built from ``rsp.selectors.CaseFile`` (the
pages read the same), so the API and the pages show the same parts to the same people; every
object lists the actions the caller may take, with the reason where not."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from rsp.actions import Allowed
from rsp.models import (
    Action,
    Case,
    CaseDocument,
    CaseEvent,
    CaseNote,
    ExitCriterion,
    ReviewMeeting,
    Stocktake,
)
from rsp.rag import RagReading
from rsp.selectors import CaseFile, PlannedAction


class AllowedSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, help_text="Why not, when not allowed")


def allowed_payload(allowed: list[Allowed]) -> list[dict[str, Any]]:
    return [
        {"action": a.action, "label": a.label, "allowed": a.allowed, "reason": a.reason}
        for a in allowed
    ]


def _person(user: Any) -> str | None:
    return user.get_full_name() if user is not None else None


class CaseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="The case file page")
    organisation = serializers.CharField(help_text="ODS code")
    organisation_name = serializers.CharField()
    whole_system = serializers.CharField(allow_null=True, help_text="The ICS, for a system case")
    region = serializers.CharField()
    programme = serializers.CharField()
    programme_kind = serializers.CharField(help_text="mandated_support, rsp or pip")
    segment = serializers.IntegerField()
    state = serializers.CharField(help_text="open, exited or withdrawn")
    route = serializers.CharField()
    entered_on = serializers.DateField()
    cqc_recommended_entry = serializers.BooleanField()
    lead = serializers.CharField(allow_null=True)
    indicative_exit_on = serializers.DateField(allow_null=True)
    exited_on = serializers.DateField(allow_null=True)
    exit_segment = serializers.IntegerField(allow_null=True)


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "url": case.get_absolute_url(),
        "organisation": case.organisation.ods_code,
        "organisation_name": case.organisation.name,
        "whole_system": case.system.ods_code if case.system else None,
        "region": case.organisation.region.name,
        "programme": case.programme.name,
        "programme_kind": case.programme.kind,
        "segment": case.segment,
        "state": case.state,
        "route": case.route,
        "entered_on": case.entered_on,
        "cqc_recommended_entry": case.cqc_recommended_entry,
        "lead": _person(case.lead),
        "indicative_exit_on": case.indicative_exit_on,
        "exited_on": case.exited_on,
        "exit_segment": case.exit_segment,
    }


class RagSerializer(serializers.Serializer):
    rag = serializers.CharField(help_text="red, amber, green or complete")
    label = serializers.CharField(help_text="In words, e.g. “Amber – at risk”")  # type: ignore[assignment]
    reason = serializers.CharField()
    computed = serializers.CharField()
    overridden = serializers.BooleanField()


def rag_payload(reading: RagReading) -> dict[str, Any]:
    return {
        "rag": reading.rag,
        "label": reading.label,
        "reason": reading.reason,
        "computed": reading.computed,
        "overridden": reading.overridden,
    }


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    file_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    internal = serializers.BooleanField()
    action = serializers.IntegerField(allow_null=True)
    uploaded_by = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    download = serializers.CharField()


def document_payload(document: CaseDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "kind": document.kind,
        "title": document.title,
        "file_name": document.file_name,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "internal": document.internal,
        "action": document.action_id,
        "uploaded_by": _person(document.uploaded_by),
        "uploaded_at": document.uploaded_at,
        "download": f"/cases/{document.case_id}/documents/{document.pk}/",
    }


@extend_schema_serializer(component_name="CaseAction")
class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    workstream = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    owner = serializers.CharField()
    starts_on = serializers.DateField()
    due_on = serializers.DateField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    progress_note = serializers.CharField(allow_blank=True)
    rag = RagSerializer()
    closure_proposed_by = serializers.CharField(allow_null=True)
    closed_by = serializers.CharField(allow_null=True)
    documents = DocumentSerializer(many=True)
    actions = AllowedSerializer(many=True)


def action_payload(planned: PlannedAction) -> dict[str, Any]:
    action: Action = planned.action
    return {
        "id": action.pk,
        "workstream": action.workstream_id,
        "title": action.title,
        "description": action.description,
        "owner": _person(action.owner),
        "starts_on": action.starts_on,
        "due_on": action.due_on,
        "status": action.status,
        "progress": action.progress,
        "progress_note": action.progress_note,
        "rag": rag_payload(planned.rag),
        "closure_proposed_by": _person(action.closure_proposed_by),
        "closed_by": _person(action.closed_by),
        "documents": [document_payload(d) for d in planned.documents],
        "actions": allowed_payload(planned.allowed),
    }


class WorkstreamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    lead_name = serializers.CharField(allow_blank=True)
    actions = ActionSerializer(many=True)


@extend_schema_serializer(component_name="CaseExitCriterion")
class CriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    metric = serializers.CharField(allow_null=True, help_text="Metric code, when measured")
    comparator = serializers.CharField(allow_blank=True)
    target = serializers.FloatField(allow_null=True)
    target_text = serializers.CharField(allow_blank=True)
    status = serializers.CharField(help_text="met or not_met")
    evidence = serializers.CharField(allow_blank=True)
    agreed_at_entry = serializers.BooleanField()
    evaluated_value = serializers.FloatField(allow_null=True)
    evaluated_period = serializers.CharField(allow_null=True)
    evaluated_run = serializers.IntegerField(allow_null=True)
    variation = serializers.CharField(allow_blank=True, help_text="SPC variation icon")
    assurance = serializers.CharField(allow_blank=True, help_text="SPC assurance icon")
    actions = AllowedSerializer(many=True)


def criterion_payload(criterion: ExitCriterion, allowed: list[Allowed]) -> dict[str, Any]:
    return {
        "id": criterion.pk,
        "description": criterion.description,
        "metric": criterion.metric.code if criterion.metric else None,
        "comparator": criterion.comparator,
        "target": criterion.target,
        "target_text": criterion.target_text,
        "status": criterion.status,
        "evidence": criterion.evidence,
        "agreed_at_entry": criterion.agreed_at_entry,
        "evaluated_value": criterion.evaluated_value,
        "evaluated_period": criterion.evaluated_period.label
        if criterion.evaluated_period
        else None,
        "evaluated_run": criterion.evaluated_run_id,
        "variation": criterion.variation,
        "assurance": criterion.assurance,
        "actions": allowed_payload(allowed),
    }


class StocktakeSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    partners = serializers.CharField()
    root_causes = serializers.DictField(child=serializers.CharField(), help_text="theme → text")
    recommended_exit_criteria = serializers.CharField(allow_blank=True)


def stocktake_payload(stocktake: Stocktake | None) -> dict[str, Any] | None:
    if stocktake is None:
        return None
    return {
        "held_on": stocktake.held_on,
        "partners": stocktake.partners,
        "root_causes": {r.theme: r.text for r in stocktake.root_causes.all()},
        "recommended_exit_criteria": stocktake.recommended_exit_criteria,
    }


class MilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_on = serializers.DateField()
    achieved_on = serializers.DateField(allow_null=True)
    actions = AllowedSerializer(many=True)


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    held_on = serializers.DateField()
    attendees = serializers.CharField()
    summary = serializers.CharField()
    decisions = serializers.CharField(allow_blank=True)
    overall_rag = serializers.CharField()
    overall_rag_label = serializers.CharField()
    next_review_on = serializers.DateField(allow_null=True)


def review_payload(review: ReviewMeeting) -> dict[str, Any]:
    return {
        "id": review.pk,
        "kind": review.kind,
        "held_on": review.held_on,
        "attendees": review.attendees,
        "summary": review.summary,
        "decisions": review.decisions,
        "overall_rag": review.overall_rag,
        "overall_rag_label": review.get_overall_rag_display(),
        "next_review_on": review.next_review_on,
    }


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    internal = serializers.BooleanField()
    author = serializers.CharField()
    at = serializers.DateTimeField()


def note_payload(note: CaseNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "text": note.text,
        "internal": note.internal,
        "author": _person(note.author),
        "at": note.at,
    }


@extend_schema_serializer(component_name="CaseEvent")
class EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    subject = serializers.CharField(allow_blank=True)
    actor = serializers.CharField(allow_null=True, help_text="None: the system (a run)")
    at = serializers.DateTimeField()
    what = serializers.CharField()
    why = serializers.CharField(allow_blank=True)


def event_payload(event: CaseEvent) -> dict[str, Any]:
    return {
        "action": event.action,
        "subject": event.subject,
        "actor": _person(event.actor),
        "at": event.at,
        "what": event.what,
        "why": event.why,
    }


class CaseFileSerializer(CaseSummarySerializer):
    system_party = serializers.CharField(allow_blank=True)
    regional_party = serializers.CharField(allow_blank=True)
    national_party = serializers.CharField(allow_blank=True)
    reports_to = serializers.CharField(allow_blank=True)
    exit_decision = serializers.CharField(allow_blank=True)
    exit_blockers = serializers.ListField(child=serializers.CharField())
    stocktake = StocktakeSerializer(allow_null=True)
    criteria = CriterionSerializer(many=True)
    workstreams = WorkstreamSerializer(many=True)
    milestones = MilestoneSerializer(many=True)
    reviews = ReviewSerializer(many=True)
    notes = NoteSerializer(many=True, help_text="Internal-only notes only for the case's team")
    documents = DocumentSerializer(many=True)
    events = EventSerializer(many=True, help_text="The timeline, newest first")
    actions = AllowedSerializer(many=True)


def case_file_payload(file: CaseFile) -> dict[str, Any]:
    case = file.case
    return {
        **case_summary(case),
        "system_party": case.system_party,
        "regional_party": case.regional_party,
        "national_party": case.national_party,
        "reports_to": case.reports_to,
        "exit_decision": case.exit_decision,
        "exit_blockers": file.exit_blockers,
        "stocktake": stocktake_payload(file.stocktake),
        "criteria": [criterion_payload(c, allowed) for c, allowed in file.criteria],
        "workstreams": [
            {
                "id": w.workstream.pk,
                "title": w.workstream.title,
                "lead_name": w.workstream.lead_name,
                "actions": [action_payload(a) for a in w.actions],
            }
            for w in file.workstreams
        ],
        "milestones": [
            {
                "id": m.pk,
                "title": m.title,
                "due_on": m.due_on,
                "achieved_on": m.achieved_on,
                "actions": allowed_payload(allowed),
            }
            for m, allowed in file.milestones
        ],
        "reviews": [review_payload(r) for r in file.reviews],
        "notes": [note_payload(n) for n in file.notes],
        "documents": [document_payload(d) for d in file.documents],
        "events": [event_payload(e) for e in file.events],
        "actions": allowed_payload(file.allowed),
    }


class CaseListItemSerializer(CaseSummarySerializer):
    actions = AllowedSerializer(many=True)
