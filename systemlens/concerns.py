"""Specific concerns: open one about a body (from a flag, or by hand), record the framework's
assessment and its outcome, close it. One transaction and audit event each; only the body's
regional team (or national admins) record; others who oversee the body are refused (403)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.scope import organisations_visible_to
from metrics.models.catalogue import Metric, Period
from metrics.models.results import Flag
from oversight.errors import ActionRefused, InputRejected, NotFound
from oversight.models import Organisation
from systemlens.access import require_oversight_of_body
from systemlens.events import event_record
from systemlens.models import ASSESSMENT, Concern, ConcernOutcome, LensAction


@transaction.atomic
def concern_open(
    *,
    organisation: Organisation,
    title: str,
    user: User,
    metric: Metric | None = None,
    period: Period | None = None,
) -> Concern:
    """Open a concern by hand about a body (optionally about a metric in a quarter)."""
    require_oversight_of_body(user, organisation)
    if not title.strip():
        raise InputRejected("The concern needs a title.", {"title": ["Say what the concern is."]})
    concern = Concern.objects.create(
        organisation=organisation, title=title.strip(), metric=metric, period=period, opened_by=user
    )
    _opened(concern, user)
    return concern


@transaction.atomic
def concern_open_from_flag(*, flag_id: int, user: User, title: str = "") -> Concern:
    """Open a concern from a flag of the current results: its body, metric, quarter and kind."""
    flag = (
        Flag.objects.current()
        .filter(id=flag_id, organisation__in=organisations_visible_to(user))
        .select_related("organisation", "organisation__region", "metric", "period")
        .first()
    )
    if flag is None:
        raise NotFound("No such flag.")
    require_oversight_of_body(user, flag.organisation)
    about = f" on {flag.metric.name}" if flag.metric else ""
    concern = Concern.objects.create(
        organisation=flag.organisation,
        title=title.strip() or f"{flag.get_kind_display()}{about}, {flag.period.label}",
        flag_id=flag.pk,
        flag_kind=flag.kind,
        metric=flag.metric,
        period=flag.period,
        opened_by=user,
    )
    _opened(concern, user)
    return concern


def _opened(concern: Concern, user: User) -> None:
    event_record(
        action=LensAction.CONCERN_OPENED,
        actor=user,
        subject_id=concern.pk,
        organisation=concern.organisation,
        detail={"title": concern.title, "flag_id": concern.flag_id},
    )


@transaction.atomic
def concern_assess(
    *,
    concern: Concern,
    assessment: Mapping[str, str],
    outcome: str,
    outcome_reason: str,
    user: User,
) -> Concern:
    """Record the assessment the framework asks for and the outcome it leads to."""
    require_oversight_of_body(user, concern.organisation)
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if not concern.is_open:
        raise ActionRefused("The concern is closed: open a new one.")
    problems: dict[str, list[str]] = {}
    for field, question in ASSESSMENT.items():
        if not (assessment.get(field) or "").strip():
            problems[field] = [f"Give the assessment of: {question.lower()}."]
    if outcome not in ConcernOutcome.values:
        problems["outcome"] = ["Choose the outcome of the assessment."]
    if not outcome_reason.strip():
        problems["outcome_reason"] = ["Give the reason for the outcome."]
    if problems:
        raise InputRejected("The assessment is not complete.", problems)
    for field in ASSESSMENT:
        setattr(concern, field, assessment[field].strip())
    concern.outcome = outcome
    concern.outcome_reason = outcome_reason.strip()
    concern.assessed_by = user
    concern.assessed_at = timezone.now()
    concern.save()
    event_record(
        action=LensAction.CONCERN_ASSESSED,
        actor=user,
        subject_id=concern.pk,
        organisation=concern.organisation,
        detail={"outcome": outcome, **{field: assessment[field] for field in ASSESSMENT}},
    )
    return concern


@transaction.atomic
def concern_close(*, concern: Concern, user: User) -> Concern:
    require_oversight_of_body(user, concern.organisation)
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if not concern.is_open:
        raise ActionRefused("The concern is closed already.")
    if not concern.outcome:
        raise ActionRefused("Record the assessment and its outcome before closing the concern.")
    concern.closed_at = timezone.now()
    concern.save(update_fields=["closed_at"])
    event_record(
        action=LensAction.CONCERN_CLOSED,
        actor=user,
        subject_id=concern.pk,
        organisation=concern.organisation,
    )
    return concern
