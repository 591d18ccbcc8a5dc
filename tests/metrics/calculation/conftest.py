"""Fixtures of the calculation tests: the national world, its history, and committed data."""

from __future__ import annotations

import pytest

from metrics.calculation import runs
from tests.metrics.calculation.support import History, National


@pytest.fixture
def national(db: None) -> National:
    return National()


@pytest.fixture
def history(db: None) -> History:
    return History()


@pytest.fixture
def committed(transactional_db: None) -> National:
    return National()


@pytest.fixture
def no_publishing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record what would be sent instead of sending it (the worker test sends for real)."""
    sent: list[int] = []
    monkeypatch.setattr(runs, "calculation_enqueue", lambda run_id: sent.append(run_id))
    return sent
