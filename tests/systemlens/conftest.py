"""Fixtures of the system-lens tests: a quarter, and API clients for the fixed cast."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from metrics.catalogue.periods import periods_create
from metrics.models.catalogue import Period
from systemlens.agreements import AgreementInput, PriorityInput

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
