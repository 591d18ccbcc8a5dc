"""New accepted data for the results picture: one more quarter, calculated by the engine."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from metrics.calculation.runs import run_calculation
from metrics.models.calculation import CalculationRun
from metrics.models.catalogue import Period
from metrics.models.returns import Return, ReturnState, ReturnVersion, Value, sha256_of
from metrics.returns.series import accepted_series_refresh
from tests.metrics.results_data import BASE, Picture


def accept_quarter(
    picture: Picture, user: User, m01: dict[str, float], *, signed_off: tuple[str, ...] = ()
) -> Period:
    """2021-22 Q4's accepted returns: M01 (monthly) for each acute body, ``m01`` overriding the
    usual level of some; the bodies in ``signed_off`` stop at signed off, awaiting review."""
    period = Period.objects.get(year=2021, quarter=4)
    when = timezone.now() - timedelta(hours=1)
    for code, body in picture.bodies.items():
        level = m01.get(code, BASE[code])
        rows = [(end, level + m * 0.5) for m, end in enumerate(period.month_ends())]
        content = "\n".join(f"M01,{end},{value}" for end, value in rows).encode()
        waiting = code in signed_off
        record = Return.objects.create(
            organisation=body,
            period=period,
            edition=picture.edition,
            state=ReturnState.SIGNED_OFF if waiting else ReturnState.ACCEPTED,
        )
        version = ReturnVersion.objects.create(
            return_record=record,
            number=1,
            file_name=f"{code}.csv",
            file_content=content,
            file_sha256=sha256_of(content),
            file_size=len(content),
            uploaded_by=user,
            uploaded_at=when,
            value_count=len(rows),
            signed_off_by=user,
            signed_off_at=when,
            reviewed_by=None if waiting else user,
            reviewed_at=None if waiting else when,
            accepted=not waiting,
        )
        Value.objects.bulk_create(
            Value(
                version=version,
                organisation=body,
                metric=picture.metrics["M01"],
                period_end=end,
                value=value,
                row=line,
            )
            for line, (end, value) in enumerate(rows, start=2)
        )
        record.current_version = version
        record.accepted_version = None if waiting else version
        record.save(update_fields=["current_version", "accepted_version"])
        accepted_series_refresh(edition_id=record.edition_id, organisation_ids=[body.pk])
    return period


def calculate(picture: Picture, period: Period) -> CalculationRun:
    run = CalculationRun.objects.create(period=period, edition=picture.edition, reason="test")
    run_calculation(run.pk)
    run.refresh_from_db()
    assert run.status == "finished", run.error
    return run
