"""Demo steps for metrics: the catalogues, five years of quarters and synthetic returns.

The history (five years to 2021-22 Q3 by default) is accepted; the latest quarter, 2021-22 Q4,
is held open so every stage of the workflow has something to show: accepted, signed off,
submitted with warnings to justify, sent back, and missing returns to chase.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from metrics.calculation.runs import calculation_request, run_calculation
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.catalogue.periods import periods_create
from metrics.models.calculation import CurrentRun
from metrics.models.catalogue import FrameworkEdition, Metric, Period, body_group
from metrics.models.returns import Finding, Return, ReturnState, ReturnVersion, Severity
from metrics.returns.contexts import quarter_checks
from metrics.returns.file import read_return_file
from metrics.returns.series import accepted_series_refresh
from metrics.returns.storage import Submission, versions_store
from metrics.returns.validation import validate_return
from metrics.synthetic import body_values, metric_shape, return_csv
from oversight.models import Organisation, OrganisationKind

LAST_YEAR = 2021
SENT_BACK_REASON = "Values for the 52-week waits look transposed with the 78-week waits."
HISTORIC_JUSTIFICATION = "Checked with the service when the historic return was loaded."
EDITION = "sof-2021-22"
SEED = 2022
LOADER_EMAIL = "historic.returns@oversight.invalid"
# Latest quarter: share of bodies at each state (the rest have submitted nothing yet).
LATEST_STATES = (
    (ReturnState.ACCEPTED, 0.55),
    (ReturnState.SIGNED_OFF, 0.15),
    (ReturnState.SUBMITTED, 0.12),
    (ReturnState.RETURNED, 0.05),
)


def load_returns(*, ods_folder: Path | None, stdout: TextIO) -> None:
    load_builtin_catalogues()
    first_year = LAST_YEAR - settings.DEMO_HISTORY_YEARS + 1
    for year in range(first_year, LAST_YEAR + 1):
        periods_create(year=year)
    edition = FrameworkEdition.objects.get(code=EDITION)
    periods = list(Period.objects.filter(year__gte=first_year, year__lte=LAST_YEAR))
    _hold_latest_open(periods[-1])
    if Return.objects.filter(edition=edition).exists():
        stdout.write("Demo returns already loaded.\n")
        return
    loader, _ = User.objects.get_or_create(
        email=LOADER_EMAIL, defaults={"full_name": "Historic returns (demo loader)"}
    )
    count = _load(edition, periods, loader)
    stdout.write(f"Loaded {count:,} values in synthetic returns for {len(periods)} quarters.\n")


def _hold_latest_open(period: Period) -> None:
    """The demo's latest quarter takes returns now, whatever today's date is."""
    today = timezone.localdate()
    period.opens_on, period.due_on, period.closes_on = (
        today - timedelta(days=14),
        today + timedelta(days=14),
        today + timedelta(days=45),
    )
    period.save(update_fields=["opens_on", "due_on", "closes_on"])


def _submitting_bodies() -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            kind__in=(OrganisationKind.ICS, OrganisationKind.CCG, OrganisationKind.TRUST),
            closed_on__isnull=True,
        ).order_by("ods_code")
    )


@dataclass
class _Quarter:
    """One quarter's demo returns: each body's file and the state its return reaches."""

    period: Period
    files: list[tuple[Organisation, bytes, ReturnState]] = field(default_factory=list)


@transaction.atomic
def _load(edition: FrameworkEdition, periods: list[Period], loader: User) -> int:
    metrics = list(Metric.objects.filter(edition=edition))
    codes = {m.pk: m.code for m in metrics}
    rng = random.Random(SEED)
    quarters = [_Quarter(period) for period in periods]
    for body in _submitting_bodies():
        group = body_group(body)
        shapes = [metric_shape(m) for m in metrics if group in m.applicable_groups]
        size, deteriorating = body_profile(body)
        by_period = body_values(
            body_id=body.pk,
            shapes=shapes,
            periods=periods,
            seed=SEED,
            size=size,
            deteriorating=deteriorating,
        )
        for index, quarter in enumerate(quarters):
            latest = index == len(periods) - 1
            state = _latest_state(rng) if latest else ReturnState.ACCEPTED
            if state is not None:
                values = [(codes[m], end, v) for m, end, v in by_period[index]]
                quarter.files.append((body, return_csv(body.ods_code, values), state))
    # Oldest first: each quarter's outlier check reads the quarters accepted before it.
    count = sum(_store(quarter, edition, loader) for quarter in quarters)
    accepted_series_refresh(edition_id=edition.pk)  # what the acceptances would have held
    return count


# How much bigger than a mid-sized acute trust each kind of body is, for counts that grow
# with size (an ICS holds several trusts; a CCG commissions for about one trust's catchment).
KIND_SIZE = {OrganisationKind.ICS: 5.0, OrganisationKind.CCG: 1.2, OrganisationKind.TRUST: 1.0}
DETERIORATING_SHARE = 0.05


def body_profile(body: Organisation) -> tuple[float, bool]:
    """The body's size (for counts) and whether it is one of the few that deteriorate."""
    rng = random.Random(f"{SEED}:body:{body.ods_code}")
    size = KIND_SIZE.get(OrganisationKind(body.kind), 1.0) * rng.lognormvariate(0, 0.45)
    return round(size, 3), rng.random() < DETERIORATING_SHARE


def _latest_state(rng: random.Random) -> ReturnState | None:
    draw = rng.random()
    for state, share in LATEST_STATES:
        if draw < share:
            return state
        draw -= share
    return None


def _store(quarter: _Quarter, edition: FrameworkEdition, loader: User) -> int:
    """Validate and store the quarter's files as any upload is stored, then move each return on
    to its state as if its approver and region had acted (the demo's history, not a route)."""
    period = quarter.period
    bodies = [body for body, _, _ in quarter.files]
    checks = quarter_checks(
        period=period,
        edition=edition,
        bodies=bodies,
        codes_in_scope=frozenset(body.ods_code for body in bodies),
    )
    submissions = []
    for body, content, _ in quarter.files:
        name = f"{body.ods_code}-{period.slug}.csv"
        result = validate_return(
            read_return_file(name, content), checks.context_for(body.ods_code, body)
        )
        if result.blocking:
            raise RuntimeError(f"The demo's {name} does not validate: {result.findings[0]}")
        submissions.append(Submission(body, name, content, result))
    when = timezone.make_aware(datetime.combine(period.end + timedelta(days=20), time(9)))
    stored = versions_store(
        period=period, edition=edition, submissions=submissions, user=loader, at=when
    )
    _settle([s.version for s in stored], [state for _, _, state in quarter.files], loader, when)
    return sum(s.version.value_count for s in stored)


def _settle(
    versions: list[ReturnVersion], states: list[ReturnState], loader: User, when: datetime
) -> None:
    """One UPDATE of versions and one of returns per state (bulk_update would cost seconds)."""
    for state in set(states):
        ids = [v.pk for v, s in zip(versions, states, strict=True) if s == state]
        signed = state in (ReturnState.ACCEPTED, ReturnState.SIGNED_OFF)
        reviewed = state in (ReturnState.ACCEPTED, ReturnState.RETURNED)
        ReturnVersion.objects.filter(pk__in=ids).update(
            signed_off_by=loader if signed else None,
            signed_off_at=when if signed else None,
            reviewed_by=loader if reviewed else None,
            reviewed_at=when if reviewed else None,
            review_reason=SENT_BACK_REASON if state == ReturnState.RETURNED else "",
            accepted=state == ReturnState.ACCEPTED,
        )
        Return.objects.filter(current_version_id__in=ids).update(
            state=state,
            accepted_version=F("current_version") if state == ReturnState.ACCEPTED else None,
        )
        if signed:  # a version is signed off once its warnings are justified: the history's were
            Finding.objects.filter(version_id__in=ids, severity=Severity.WARNING).update(
                justification=HISTORIC_JUSTIFICATION, justified_by=loader
            )


def run_calculations(*, ods_folder: Path | None, stdout: TextIO) -> None:
    """A finished calculation run for every demo quarter, so flags, quartiles and SPC show."""
    edition = FrameworkEdition.objects.get(code=EDITION)
    quarters = Period.objects.filter(
        returns__edition=edition, returns__accepted_version__isnull=False
    )
    done = set(CurrentRun.objects.filter(edition=edition).values_list("period_id", flat=True))
    todo = [p for p in quarters.distinct().order_by("year", "quarter") if p.pk not in done]
    for period in todo:
        run = calculation_request(period=period, edition=edition, reason="Demo data", full=True)
        run_calculation(run.pk)  # a no-op when eager mode already ran it on commit
        run.refresh_from_db()
        stdout.write(f"  {period.label}: run {run.pk} {run.status}\n")
    if not todo:
        stdout.write("Calculation runs already done for every demo quarter.\n")
