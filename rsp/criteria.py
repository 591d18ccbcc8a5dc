"""Exit criteria: agreed, changed with who and why, and evaluated from the latest data.

A measured criterion (metric, comparator, target) is met when the body's latest value of the
metric — from the current run of the latest quarter that has one, so only accepted returns
count — satisfies the comparison. It is evaluated when it is added or changed and after every
published calculation run (``metrics.calculation.signals.run_published``, see
``rsp.receivers``), with the SPC variation and assurance of the same series beside it. An
unmeasured criterion's status is set by the case's team, with its evidence.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import Metric
from metrics.models.results import MetricResult, SpcSeries
from oversight.errors import ActionRefused, InputRejected
from rsp.access import require_work
from rsp.audit import case_event
from rsp.models import Case, CaseState, Comparator, CriterionStatus, ExitCriterion

COMPARE: dict[str, Callable[[float, float], bool]] = {
    Comparator.AT_LEAST: operator.ge,
    Comparator.AT_MOST: operator.le,
    Comparator.ABOVE: operator.gt,
    Comparator.BELOW: operator.lt,
}


@dataclass(frozen=True)
class CriterionInput:
    description: str
    metric: Metric | None = None
    comparator: str = ""
    target: float | None = None
    evidence: str = ""


def _check(given: CriterionInput) -> None:
    problems: dict[str, list[str]] = {}
    if not given.description.strip():
        problems["description"] = ["Describe the criterion."]
    measured = (given.metric is not None, bool(given.comparator), given.target is not None)
    if any(measured) and not all(measured):
        problems["metric"] = ["A measured criterion needs a metric, a comparison and a target."]
    if given.comparator and given.comparator not in COMPARE:
        problems["comparator"] = ["Choose at least, at most, above or below."]
    if problems:
        raise InputRejected("The criterion cannot be saved as it is.", problems)


def _open(case: Case) -> None:
    if not case.is_open:
        raise ActionRefused(f"This case is {case.get_state_display().lower()}.")


@transaction.atomic
def criterion_add(
    *, case: Case, given: CriterionInput, user: User, at_entry: bool = False
) -> ExitCriterion:
    require_work(user, case)
    _open(case)
    _check(given)
    criterion = ExitCriterion.objects.create(
        case=case,
        position=case.criteria.count(),
        description=given.description.strip(),
        metric=given.metric,
        comparator=given.comparator,
        target=given.target,
        evidence=given.evidence.strip(),
        agreed_at_entry=at_entry,
    )
    case_event(
        case,
        "criterion_added",
        actor=user,
        what=f"Exit criterion added{' (agreed at entry)' if at_entry else ''}: "
        f"{criterion.description}{_measure(criterion)}.",
        subject=f"criterion:{criterion.pk}",
    )
    if criterion.measured:
        criterion_evaluate(criterion)
    return criterion


def _measure(criterion: ExitCriterion) -> str:
    if criterion.metric is None:
        return ""
    return f" ({criterion.metric.code} {criterion.target_text})"


def _snapshot(criterion: ExitCriterion) -> dict[str, object]:
    return {
        "description": criterion.description,
        "metric": criterion.metric.code if criterion.metric else None,
        "comparator": criterion.comparator,
        "target": criterion.target,
    }


@transaction.atomic
def criterion_change(
    *, criterion: ExitCriterion, given: CriterionInput, reason: str, user: User
) -> ExitCriterion:
    """Change an agreed criterion: who and why are recorded with what it was."""
    criterion = ExitCriterion.objects.select_for_update().get(pk=criterion.pk)
    require_work(user, criterion.case)
    _open(criterion.case)
    _check(given)
    if not reason.strip():
        raise InputRejected("Say why.", {"reason": ["Give the reason for the change."]})
    before = _snapshot(criterion)
    criterion.description = given.description.strip()
    criterion.metric = given.metric
    criterion.comparator = given.comparator
    criterion.target = given.target
    if not criterion.measured:
        criterion.evaluated_value = None
        criterion.evaluated_period = None
        criterion.evaluated_run = None
        criterion.variation = criterion.assurance = ""
    criterion.save()
    case_event(
        criterion.case,
        "criterion_changed",
        actor=user,
        what=f"Exit criterion changed: {before['description']}{_before_measure(before)} → "
        f"{criterion.description}{_measure(criterion)}.",
        why=reason,
        subject=f"criterion:{criterion.pk}",
        before=before,
        after=_snapshot(criterion),
    )
    if criterion.measured:
        criterion_evaluate(criterion)
    return criterion


def _before_measure(before: dict[str, object]) -> str:
    if not before["metric"]:
        return ""
    words = Comparator(str(before["comparator"])).label
    return f" ({before['metric']} {words} {before['target']:g})"


@transaction.atomic
def criterion_set_status(
    *, criterion: ExitCriterion, status: str, evidence: str, user: User
) -> ExitCriterion:
    """Set an unmeasured criterion's status, with the evidence."""
    criterion = ExitCriterion.objects.select_for_update().get(pk=criterion.pk)
    require_work(user, criterion.case)
    _open(criterion.case)
    if criterion.measured:
        raise ActionRefused(
            "This criterion is measured: its status comes from the latest accepted data."
        )
    if status not in CriterionStatus.values:
        raise InputRejected("Choose a status.", {"status": ["Choose met or not met."]})
    if not evidence.strip():
        raise InputRejected("Give the evidence.", {"evidence": ["Say what shows the status."]})
    before = criterion.get_status_display()
    criterion.status = status
    criterion.evidence = evidence.strip()
    criterion.save(update_fields=["status", "evidence"])
    case_event(
        criterion.case,
        "criterion_status_set",
        actor=user,
        what=f"“{criterion.description}”: {before} → {criterion.get_status_display()}.",
        why=evidence,
        subject=f"criterion:{criterion.pk}",
    )
    return criterion


def criterion_evaluate(criterion: ExitCriterion, run: CalculationRun | None = None) -> bool:
    """Evaluate a measured criterion from the latest current results; True if it changed."""
    if criterion.metric_id is None or criterion.target is None:
        return False
    where = {
        "organisation_id": criterion.case.organisation_id,
        "metric_id": criterion.metric_id,
        "run__current_for__isnull": False,
    }
    latest = ("-period__year", "-period__quarter")
    result = MetricResult.objects.filter(**where).order_by(*latest).first()
    if result is None:
        return False
    series = SpcSeries.objects.filter(**where, period_id=result.period_id).first()
    met = COMPARE[criterion.comparator](result.value, criterion.target)
    status = CriterionStatus.MET if met else CriterionStatus.NOT_MET
    changed = status != criterion.status
    criterion.status = status
    criterion.evaluated_value = result.value
    criterion.evaluated_period_id = result.period_id
    criterion.evaluated_run_id = result.run_id
    criterion.evaluated_at = timezone.now()
    criterion.variation = series.variation if series else ""
    criterion.assurance = (series.assurance or "") if series else ""
    criterion.save()
    if changed:
        period = result.period
        case_event(
            criterion.case,
            "criterion_evaluated",
            actor=None,
            what=(
                f"“{criterion.description}” is now {criterion.get_status_display().lower()}: "
                f"{criterion.metric.code if criterion.metric else ''} {result.value:g} in "
                f"{period.label}, target {criterion.target_text}."
            ),
            why=f"Calculation run {result.run_id} published." if run else "",
            subject=f"criterion:{criterion.pk}",
            run=result.run_id,
        )
    return changed


@transaction.atomic
def criteria_evaluate(*, run_id: int) -> int:
    """After run ``run_id`` was published: evaluate every measured criterion of an open case on
    one of its edition's metrics. Returns how many changed status. Safe to run twice."""
    run = CalculationRun.objects.filter(pk=run_id).first()
    if run is None:
        return 0
    criteria = (
        ExitCriterion.objects.select_for_update(of=("self",))
        .filter(case__state=CaseState.OPEN, metric__edition_id=run.edition_id)
        .select_related("case", "metric")
    )
    return sum(criterion_evaluate(criterion, run) for criterion in criteria)
