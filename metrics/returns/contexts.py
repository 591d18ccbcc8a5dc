"""What validating a return reads from the database, read once for a quarter: the catalogue's
rules, the registry's codes, the uploader's scope and each body's accepted history.

Every route that validates (a page's draft, the API, a national bulk file, the demo's history)
builds its contexts here, so the outlier check reads the same span of history whatever the
route: ``OUTLIER_HISTORY_YEARS`` before the quarter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from accounts.models import User
from accounts.roles import SUBMIT_RETURN
from accounts.scope import organisations_visible_to
from metrics.models.catalogue import FrameworkEdition, Metric, Period, body_group
from metrics.models.returns import Return, Value
from metrics.returns.context import MetricRule, ValidationContext
from oversight.models import Organisation

# The outlier check compares a value with the body's own recent past: three years holds 36
# monthly or 12 quarterly points (enough for a median and its spread) without judging today's
# figure against a service that has since changed.
OUTLIER_HISTORY_YEARS = 3

History = dict[str, list[tuple[date, float]]]  # metric code -> (period end, accepted value)


def history_start(before: date) -> date:
    """The first day of history the outlier check reads for a quarter starting ``before``."""
    return before.replace(year=before.year - OUTLIER_HISTORY_YEARS)


def body_histories(
    *, organisation_ids: Collection[int], edition: FrameworkEdition, before: date
) -> dict[int, History]:
    """Each body's accepted values of the span before the quarter, in one query.

    In no particular order: the outlier check reads a median, a spread and the dates' span.
    """
    start = history_start(before)
    accepted = Return.objects.filter(
        organisation_id__in=list(organisation_ids),
        edition=edition,
        period__end__gte=start,
        period__start__lt=before,
        accepted_version__isnull=False,
    ).values("accepted_version_id")
    # Through the accepted versions' ids: a join on "the return's accepted version" costs
    # three times as much on SQLite, and the demo reads this for every quarter it loads.
    rows = Value.objects.filter(
        version_id__in=accepted, period_end__lt=before, period_end__gte=start
    ).values_list("organisation_id", "metric_id", "period_end", "value")
    codes = dict(Metric.objects.filter(edition=edition).values_list("id", "code"))
    histories: dict[int, History] = defaultdict(lambda: defaultdict(list))
    for organisation_id, metric_id, period_end, value in rows:
        histories[organisation_id][codes[metric_id]].append((period_end, value))
    return histories


def metric_rules(edition: FrameworkEdition) -> dict[str, MetricRule]:
    return {m.code: MetricRule.from_metric(m) for m in Metric.objects.filter(edition=edition)}


def submittable_codes(user: User) -> frozenset[str]:
    """The ODS codes of the bodies the user may submit returns for."""
    return frozenset(
        organisations_visible_to(user, SUBMIT_RETURN).values_list("ods_code", flat=True)
    )


@dataclass(frozen=True)
class QuarterChecks:
    """What validating any body's return for one quarter needs, read once."""

    period: Period
    rules: dict[str, MetricRule]
    known_codes: frozenset[str]
    codes_in_scope: frozenset[str]
    histories: dict[int, History]

    def context_for(self, code: str, body: Organisation | None) -> ValidationContext:
        """The context of the rows given for ``code`` (``body`` None: no such body in scope)."""
        return ValidationContext(
            organisation_code=code,
            organisation_group=body_group(body) if body else "",
            period_start=self.period.start,
            period_end=self.period.end,
            metrics=self.rules,
            history=self.histories.get(body.pk, {}) if body else {},
            codes_in_scope=self.codes_in_scope,
            known_organisation_codes=self.known_codes,
        )


def quarter_checks(
    *,
    period: Period,
    edition: FrameworkEdition,
    bodies: Collection[Organisation],
    codes_in_scope: frozenset[str],
) -> QuarterChecks:
    """Read what validating these bodies' returns needs: a constant number of queries."""
    return QuarterChecks(
        period=period,
        rules=metric_rules(edition),
        known_codes=frozenset(Organisation.objects.values_list("ods_code", flat=True)),
        codes_in_scope=codes_in_scope,
        histories=body_histories(
            organisation_ids=[body.pk for body in bodies], edition=edition, before=period.start
        ),
    )


def validation_context(
    *, organisation: Organisation, period: Period, edition: FrameworkEdition, user: User
) -> ValidationContext:
    """The context of one body's return, uploaded by ``user``."""
    checks = quarter_checks(
        period=period,
        edition=edition,
        bodies=[organisation],
        codes_in_scope=submittable_codes(user),
    )
    return checks.context_for(organisation.ods_code, organisation)
