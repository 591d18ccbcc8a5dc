"""Demo steps for metrics: the catalogues, five years of quarters and synthetic returns.

The history (five years to 2021-22 Q3 by default) is accepted; the latest quarter, 2021-22 Q4,
is held open so every stage of the workflow has something to show: accepted, signed off,
submitted with warnings to justify, sent back, and missing returns to chase.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from metrics.calculation.runs import calculation_request, run_calculation
from metrics.catalogue.loading import load_builtin_catalogues
from metrics.catalogue.periods import periods_create
from metrics.models.calculation import CurrentRun
from metrics.models.catalogue import FrameworkEdition, Metric, Period, body_group
from metrics.models.returns import (
    Finding,
    Return,
    ReturnEvent,
    ReturnState,
    ReturnVersion,
    Severity,
    sha256_of,
)
from metrics.returns.valuestore import values_insert
from metrics.synthetic import body_values, metric_shape, return_csv
from oversight.models import Organisation, OrganisationKind

LAST_YEAR = 2021
SENT_BACK_REASON = "Values for the 52-week waits look transposed with the 78-week waits."
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
class _Batch:
    """One quarter's demo returns, built in memory and written with a few bulk inserts."""

    returns: list[Return] = field(default_factory=list)
    versions: list[ReturnVersion] = field(default_factory=list)
    values: list[list[tuple[int, date, float]]] = field(default_factory=list)


@transaction.atomic
def _load(edition: FrameworkEdition, periods: list[Period], loader: User) -> int:
    metrics = list(Metric.objects.filter(edition=edition))
    codes = {m.pk: m.code for m in metrics}
    rng = random.Random(SEED)
    batches = [_Batch() for _ in periods]
    for body in _submitting_bodies():
        group = body_group(body)
        shapes = [metric_shape(m) for m in metrics if group in m.applicable_groups]
        by_period = body_values(body_id=body.pk, shapes=shapes, periods=periods, seed=SEED)
        for index, period in enumerate(periods):
            latest = index == len(periods) - 1
            state = _latest_state(rng) if latest else ReturnState.ACCEPTED
            if state is not None:
                _add(batches[index], body, period, edition, loader, by_period[index], codes, state)
    for batch in batches:
        _write(batch, codes)
    return sum(len(v) for batch in batches for v in batch.values)


def _latest_state(rng: random.Random) -> ReturnState | None:
    draw = rng.random()
    for state, share in LATEST_STATES:
        if draw < share:
            return state
        draw -= share
    return None


def _add(
    batch: _Batch,
    body: Organisation,
    period: Period,
    edition: FrameworkEdition,
    loader: User,
    values: list[tuple[int, date, float]],
    codes: dict[int, str],
    state: ReturnState,
) -> None:
    content = return_csv(body.ods_code, [(codes[m], end, v) for m, end, v in values])
    when = timezone.make_aware(datetime.combine(period.end + timedelta(days=20), time(9)))
    signed = state in (ReturnState.ACCEPTED, ReturnState.SIGNED_OFF)
    reviewed = state in (ReturnState.ACCEPTED, ReturnState.RETURNED)
    batch.returns.append(Return(organisation=body, period=period, edition=edition, state=state))
    batch.versions.append(
        ReturnVersion(
            number=1,
            file_name=f"{body.ods_code}-{period.slug}.csv",
            file_content=content,
            file_sha256=sha256_of(content),
            file_size=len(content),
            uploaded_by=loader,
            uploaded_at=when,
            value_count=len(values),
            signed_off_by=loader if signed else None,
            signed_off_at=when if signed else None,
            reviewed_by=loader if reviewed else None,
            reviewed_at=when if reviewed else None,
            review_reason=SENT_BACK_REASON if state == ReturnState.RETURNED else "",
            accepted=state == ReturnState.ACCEPTED,
        )
    )
    batch.values.append(values)


def _write(batch: _Batch, codes: dict[int, str]) -> None:
    returns = Return.objects.bulk_create(batch.returns)
    for record, version in zip(returns, batch.versions, strict=True):
        version.return_record = record
    versions = ReturnVersion.objects.bulk_create(batch.versions)
    for record, version in zip(returns, versions, strict=True):
        record.current_version = version
        record.accepted_version = version if version.accepted else None
    Return.objects.bulk_update(returns, ["current_version", "accepted_version"], batch_size=500)
    values_insert(
        [
            (version.pk, record.organisation_id, metric_id, end, value, None, None, "", line)
            for record, version, values in zip(returns, versions, batch.values, strict=True)
            for line, (metric_id, end, value) in enumerate(values, start=2)
        ]
    )
    ReturnEvent.objects.bulk_create(
        ReturnEvent(
            return_record=record,
            version=version,
            action=ReturnEvent.Action.UPLOADED,
            actor=version.uploaded_by,
            at=version.uploaded_at,
            detail={"file_name": version.file_name, "values": version.value_count, "demo": True},
        )
        for record, version in zip(returns, versions, strict=True)
    )
    Finding.objects.bulk_create(
        Finding(
            version=version,
            row=2,
            column="value",
            code="outlier_against_history",
            severity=Severity.WARNING,
            message=f"{values[0][2]:g} for {codes[values[0][0]]} is far from this body's own "
            "history: check it, and say why it is right.",
            metric_code=codes[values[0][0]],
        )
        for record, version, values in zip(returns, versions, batch.values, strict=True)
        if record.state == ReturnState.SUBMITTED and values
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
