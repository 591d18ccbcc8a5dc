"""The system lens's demo: for the ICS lead's ICS and another ICS of the same region, the
year's agreement, its quarterly review, a meeting with an action and a specific concern; the
trust and CCG populations, and the latest quarter's roll-ups (by the methods the catalogue
names). Recorded through the operations (so with their audit events) by the regional lead.
Safe to re-run: an ICS that has its agreement already is left as it is."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from django.db import transaction

from accounts.demo import demo_scopes
from accounts.models import User
from metrics.models.calculation import CurrentRun
from metrics.models.catalogue import Period
from metrics.models.results import Flag
from oversight.models import Organisation, OrganisationKind, System
from systemlens.agreements import (
    AgreementInput,
    PriorityInput,
    agreement_review_record,
    agreement_version_record,
)
from systemlens.concerns import concern_assess, concern_open, concern_open_from_flag
from systemlens.meetings import ActionInput, AgendaInput, MeetingInput, meeting_record
from systemlens.models import Agreement, ConcernOutcome, Population, ReviewRating, SystemRollup
from systemlens.rollups import rollups_recompute


def _lead() -> User:
    return User.objects.get(email="region.lead@oversight.example")


def _systems() -> list[System]:
    scopes = demo_scopes()
    first = scopes["system"]
    assert isinstance(first, System)
    other = (
        System.objects.filter(region=first.region, organisations__kind=OrganisationKind.TRUST)
        .exclude(pk=first.pk)
        .order_by("ods_code")
        .first()
    )
    return [first] + ([other] if other else [])


def _latest_quarter() -> tuple[Period, int] | None:
    pointer = (
        CurrentRun.objects.select_related("period")
        .order_by("-period__year", "-period__quarter")
        .first()
    )
    return (pointer.period, pointer.run_id) if pointer else None


def _populations() -> None:
    """Populations of the trusts and CCGs (the catalogue names the roll-up methods)."""
    bodies = Organisation.objects.filter(
        kind__in=[OrganisationKind.TRUST, OrganisationKind.CCG]
    ).order_by("ods_code")
    rng = random.Random(13)
    Population.objects.bulk_create(
        [
            Population(organisation=body, year=year, population=rng.randrange(150, 900) * 1000)
            for body in bodies
            for year in range(2016, 2027)
        ],
        ignore_conflicts=True,
    )


def _record(system: System, period: Period, owner: User, first: bool) -> None:
    lead = _lead()
    ics = Organisation.objects.get(system=system, kind=OrganisationKind.ICS)
    trust = (
        Organisation.objects.filter(system=system, kind=OrganisationKind.TRUST)
        .order_by("ods_code")
        .first()
    )
    version = agreement_version_record(
        system=system,
        year=period.year,
        terms=AgreementInput(
            delivery_arrangements="Elective recovery led by the acute provider collaborative; "
            "urgent care through the places' integrated teams.",
            governance_arrangements="Quarterly review with the region; monthly ICS board "
            "oversight of the local priorities.",
            places_and_collaboratives="Three places; one acute and one mental health "
            "provider collaborative.",
            agreed_on=period.start - timedelta(days=20),
            agreed_by=f"{system.name} chief executive; regional director",
        ),
        priorities=[
            PriorityInput("Reduce 52-week waits", "ICS director of performance"),
            PriorityInput("Same-day emergency care in every place", "ICS medical director"),
        ],
        user=lead,
    )
    agreement_review_record(
        agreement=version.agreement,
        period=period,
        held_on=period.end + timedelta(days=14),
        rating=ReviewRating.SOME_CONCERNS if first else ReviewRating.ON_TRACK,
        outcome="Elective recovery behind trajectory at one trust; urgent care on plan."
        if first
        else "All priorities on trajectory.",
        next_steps="Revised elective trajectory to the next review.",
        user=lead,
    )
    meeting_record(
        organisation=ics,
        details=MeetingInput(
            held_on=period.end + timedelta(days=14),
            attendees="Regional director; ICS chief executive; ICS medical director",
            notes="Reviewed the quarter's data and the agreement's priorities.",
            internal_notes="Watch the elective position: a specific concern is open."
            if first
            else "",
        ),
        agenda=[AgendaInput("Quarterly review of the agreement"), AgendaInput("Elective waits")],
        actions=[
            ActionInput(
                "Send the revised elective trajectory", owner, period.end + timedelta(days=45)
            )
        ],
        user=lead,
    )
    if trust is None:
        return
    flag = Flag.objects.current().filter(period=period, organisation=trust).order_by("id").first()
    if flag is not None:
        concern = concern_open_from_flag(flag_id=flag.pk, user=lead)
    else:
        concern = concern_open(organisation=trust, title="Elective waits rising", user=lead)
    if not first:
        return
    concern_assess(
        concern=concern,
        assessment={
            "seriousness": "Waits rising at the trust's two sites for three quarters.",
            "risk_and_impact": "Harm from delayed treatment; the ICS's trajectory at risk.",
            "body_understanding": "The board knows the issue and has a recovery plan.",
            "maturity": "Stable leadership; improvement capability still developing.",
            "action_taken": "Waiting list validated; extra theatre lists from next month.",
        },
        outcome=ConcernOutcome.ICS_SUPPORT,
        outcome_reason="The ICS's elective programme can support the trust.",
        user=lead,
    )


@transaction.atomic
def load_oversight(*, ods_folder: Path | None, stdout: TextIO) -> None:
    latest = _latest_quarter()
    if latest is None:
        stdout.write("No published quarter: the system lens demo needs the calculation.\n")
        return
    period, run_id = latest
    _populations()
    owners = [
        User.objects.get(email="ics.lead@oversight.example"),
        User.objects.get(email="region.analyst@oversight.example"),
    ]
    for n, system in enumerate(_systems()):
        if Agreement.objects.filter(system=system, year=period.year).exists():
            stdout.write(f"  {system.name}: oversight recorded already.\n")
            continue
        _record(system, period, owners[n], first=n == 0)
        stdout.write(f"  {system.name}: agreement, review, meeting and concern recorded.\n")
    if SystemRollup.objects.filter(period=period).exists():
        stdout.write(f"  Roll-ups of {period.label} derived already.\n")
        return
    stdout.write(f"  Roll-ups of {period.label}: {rollups_recompute(run_id=run_id)} rows.\n")
