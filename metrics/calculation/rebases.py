"""SPC rebases as recorded decisions: recording one (page and API alike), and what a run reads.

DESIGN.md "SPC": "rebasing is a recorded decision with a reason, never automatic". An analyst
who oversees the body (national, or regional in its region: those who review its data) records
that its process changed from a quarter — a new pathway, a merger, a change of definition —
with the reason. The decision is kept as recorded (``SpcRebase``, append-only), and asks, in the
same transaction, for a recalculation of every quarter with results that the new segment
reaches, through the one run request path (``runs.calculation_request``): each such run
analyses the body's series again, from the rebase with new limits (``rebased``).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.roles import REVIEW_RETURN
from accounts.scope import require
from metrics.calculation.runs import calculation_request
from metrics.engine.kinds import ValueType
from metrics.models.calculation import CurrentRun, SpcRebase
from metrics.models.catalogue import Metric, Period
from oversight.errors import InputRejected
from oversight.models import Organisation

# Who may record one: those who review the body's data (national and regional analysts and
# leads, national admins), in their scope — accounts.roles REVIEW_RETURN.
RECORD_REBASE = REVIEW_RETURN
REASON_MAX = 2000


def rebases_of(organisation: Organisation, metric: Metric) -> list[SpcRebase]:
    """The rebases recorded for a body's series of a metric, oldest first."""
    return list(
        SpcRebase.objects.filter(organisation=organisation, metric=metric)
        .select_related("starts", "recorded_by")
        .order_by("starts__start", "recorded_at")
    )


def spc_rebase_record(
    *,
    user: User,
    organisation: Organisation,
    metric: Metric,
    starts: Period,
    reason: str,
) -> SpcRebase:
    """Record that the body's process for the metric changed from quarter ``starts``, and ask
    for the recalculation of each quarter with results from then on (one transaction).

    Refuses (NotFound/NotPermitted) a user who may not review the body's data, and
    (InputRejected, by field) a metric that does not apply to the body, a blank reason, a
    quarter not yet begun, or a rebase already recorded there."""
    require(user, RECORD_REBASE, organisation, "record an SPC rebase for it")
    problems = _problems(organisation=organisation, metric=metric, starts=starts, reason=reason)
    if problems:
        raise InputRejected("The rebase was not recorded.", problems)
    try:
        with transaction.atomic():
            runs = _request_runs(organisation, metric, starts)
            rebase = SpcRebase.objects.create(
                organisation=organisation,
                metric=metric,
                starts=starts,
                reason=reason.strip(),
                recorded_by=user,
                requested_runs=runs,
            )
    except IntegrityError as error:  # one_rebase_per_quarter: recorded meanwhile by another
        raise InputRejected("The rebase was not recorded.", _already(starts)) from error
    return rebase


def _problems(
    *, organisation: Organisation, metric: Metric, starts: Period, reason: str
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not metric.applies_to_body(organisation):
        problems["metric"] = [f"{metric.code} does not apply to {organisation.name}."]
    elif metric.value_type == ValueType.RATING:
        problems["metric"] = [f"{metric.code} is a rating: it has no SPC chart to rebase."]
    if not reason.strip():
        problems["reason"] = ["Say why the process changed: the reason is kept with the rebase."]
    elif len(reason.strip()) > REASON_MAX:
        problems["reason"] = [f"The reason must be {REASON_MAX} characters or fewer."]
    if not CurrentRun.objects.filter(edition_id=metric.edition_id, period=starts).exists():
        problems["starts"] = [f"{starts.label} has no results yet: rebase from a quarter that has."]
    elif SpcRebase.objects.filter(organisation=organisation, metric=metric, starts=starts).exists():
        problems.update(_already(starts))
    return problems


def _already(starts: Period) -> dict[str, list[str]]:
    return {"starts": [f"A rebase from {starts.label} is already recorded for this metric."]}


def _request_runs(body: Organisation, metric: Metric, starts: Period) -> list[int]:
    """A run of every quarter with results from the rebase on, for this body's series (sent
    once the transaction commits; rolled back with it should the rebase not be recorded)."""
    reason = f"SPC rebase of {body.ods_code} {metric.code} from {starts.label}"
    currents = CurrentRun.objects.filter(
        edition_id=metric.edition_id, period__end__gte=starts.start
    ).select_related("period", "edition")
    return [
        calculation_request(
            period=current.period,
            edition=current.edition,
            reason=reason,
            organisation_ids=[body.pk],
        ).pk
        for current in currents.order_by("period__start")
    ]
