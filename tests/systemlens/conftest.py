"""Fixtures of the system-lens tests: a quarter, and API clients for the fixed cast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from metrics.catalogue.periods import periods_create
from metrics.models.catalogue import Period
from systemlens.agreements import (
    AgreementInput,
    PriorityInput,
    agreement_review_record,
    agreement_version_record,
)
from systemlens.concerns import concern_open
from systemlens.meetings import ActionInput, AgendaInput, MeetingInput, meeting_record
from systemlens.models import AgreementVersion, Concern, Meeting, MeetingAction, ReviewRating

TERMS = AgreementInput(
    delivery_arrangements="Elective recovery led by the acute collaborative.",
    governance_arrangements="Quarterly review with the region; monthly ICS board.",
    agreed_on=date(2021, 6, 30),
    agreed_by="ICS chief executive; regional director",
    places_and_collaboratives="Three places; one acute provider collaborative.",
)


@pytest.fixture
def quarters(db: None) -> list[Period]:
    return periods_create(year=2021)


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def priorities(*titles: str) -> list[PriorityInput]:
    return [PriorityInput(title=title, owner="ICS director of strategy") for title in titles]


@dataclass
class Lens:
    """A quarter's oversight of System A1, recorded by its regional lead."""

    version: AgreementVersion
    meeting: Meeting
    action: MeetingAction
    concern: Concern


@pytest.fixture
def lens(registry, cast, quarters) -> Lens:
    version = agreement_version_record(
        system=registry.system_a1,
        year=2021,
        terms=TERMS,
        priorities=priorities("Elective recovery"),
        user=cast.lead_a,
    )
    agreement_review_record(
        agreement=version.agreement,
        period=quarters[1],
        held_on=date(2021, 10, 14),
        rating=ReviewRating.SOME_CONCERNS,
        outcome="Electives behind plan.",
        next_steps="Recovery trajectory by November.",
        user=cast.lead_a,
    )
    meeting = meeting_record(
        organisation=registry.system_a1.organisations.get(kind="ics"),
        details=MeetingInput(
            held_on=date(2021, 11, 3),
            attendees="Regional director; ICS chief executive",
            notes="Shared: trajectory agreed.",
            internal_notes="INTERNAL: consider mandated support for RA1.",
        ),
        agenda=[AgendaInput(title="Elective recovery")],
        actions=[ActionInput("Send revised trajectory", cast.ics_lead, date(2021, 11, 30))],
        user=cast.lead_a,
    )
    concern = concern_open(organisation=registry.trust_a1, title="Waits rising", user=cast.lead_a)
    return Lens(version, meeting, meeting.actions.get(), concern)
