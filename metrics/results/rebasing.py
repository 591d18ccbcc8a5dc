"""Recording an SPC rebase from the pages and the API: the body and metric a request names, the
quarters it may rebase from, and the one operation both call (metrics.calculation.rebases)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from accounts.scope import AnyUser, can, organisation_for, require
from metrics.calculation.rebases import RECORD_REBASE, spc_rebase_record
from metrics.catalogue.periods import PeriodLabelError, parse_label
from metrics.models.calculation import SpcRebase
from metrics.models.catalogue import Metric, Period
from metrics.results.selectors import QuarterRun, quarters_with_results
from oversight.errors import InputRejected, NotFound
from oversight.models import Organisation


@dataclass(frozen=True)
class RebaseSubject:
    """The body and metric whose series a rebase splits, and the quarters it may start from
    (those with results of the metric's edition, latest first)."""

    organisation: Organisation
    metric: Metric
    quarters: list[QuarterRun]

    def period(self, label: str) -> Period:
        """The quarter a form or API caller names ("2022-23 Q1" or "2022-23-q1")."""
        try:
            year, quarter = parse_label(label)
        except PeriodLabelError as error:
            raise InputRejected("The rebase was not recorded.", {"starts": [str(error)]}) from None
        for q in self.quarters:
            if (q.period.year, q.period.quarter) == (year, quarter):
                return q.period
        raise InputRejected(
            "The rebase was not recorded.",
            {"starts": [f"{label} has no results yet: rebase from a quarter that has."]},
        )


def rebase_subject(*, user: AnyUser, ods_code: str, metric_code: str) -> RebaseSubject:
    """The body (in the user's scope: else 404) and the metric of the latest quarter's edition
    with that code (else 404)."""
    organisation = organisation_for(user, ods_code)
    quarters = quarters_with_results()
    if not quarters:
        raise NotFound("No results yet: nothing to rebase.")
    edition_id = quarters[0].run.edition_id
    metric = (
        Metric.objects.select_related("edition")
        .filter(edition_id=edition_id, code=metric_code)
        .first()
    )
    if metric is None:
        raise NotFound("No such metric.")
    return RebaseSubject(
        organisation, metric, [q for q in quarters if q.run.edition_id == edition_id]
    )


def may_record_rebase(user: AnyUser, organisation: Organisation) -> bool:
    return can(user, RECORD_REBASE, organisation)


def rebase_record(*, user: User, subject: RebaseSubject, starts: str, reason: str) -> SpcRebase:
    """The page's and the API's one call: who may first (403 before any word on the input)."""
    require(user, RECORD_REBASE, subject.organisation, "record an SPC rebase for it")
    return spc_rebase_record(
        user=user,
        organisation=subject.organisation,
        metric=subject.metric,
        starts=subject.period(starts),
        reason=reason,
    )
