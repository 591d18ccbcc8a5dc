"""Writes to the registry and to access go through operations that check the user's scope and
leave an audit record: the sector of a trust (which also asks for new runs), roles, quarters."""

from __future__ import annotations

import typing

import pytest

from accounts.models import AuditEvent, User
from accounts.registry import organisation_sector_set
from accounts.roles import Role
from accounts.scope import role_grant, role_revoke
from metrics.catalogue.periods import periods_create
from metrics.models.calculation import CalculationRun, CurrentRun, RunStatus
from oversight.errors import ActionRefused, InputRejected, NotFound, NotPermitted
from oversight.models import Organisation, SectorSource
from tests.conftest import Cast, Registry
from tests.factories import UserFactory
from tests.metrics.calculation.support import build_edition, build_period, new_run

pytestmark = pytest.mark.django_db


def audited(*actions: str) -> list[AuditEvent]:
    """The audit rows of these actions (the cast's own role grants are audited too)."""
    return list(AuditEvent.objects.filter(action__in=actions).order_by("id"))


def published_quarter() -> CurrentRun:
    edition, _ = build_edition()
    period = build_period(2021, 2)
    run = new_run(period, edition, status=RunStatus.FINISHED)
    return CurrentRun.objects.create(period=period, edition=edition, run=run)


def test_a_sector_change_is_audited_and_asks_for_a_full_run(cast: Cast, registry: Registry) -> None:
    current = published_quarter()

    trust = organisation_sector_set(
        organisation=registry.trust_a1, sector="community", user=cast.national
    )

    assert (trust.sector, trust.sector_source, trust.peer_group) == (
        "community",
        SectorSource.EDITED,
        "trust:community",
    )
    [event] = audited(AuditEvent.Action.SECTOR_CHANGED)
    assert (event.action, event.actor, event.organisation) == (
        AuditEvent.Action.SECTOR_CHANGED,
        cast.national,
        trust,
    )
    assert event.detail == {
        "sector": ["acute", "community"],
        "peer_group": ["trust:acute", "trust:community"],
    }
    requested = CalculationRun.objects.get(status=RunStatus.PENDING)
    assert (requested.period, requested.edition) == (current.period, current.edition)
    assert requested.full_requested
    assert "RA1 moved from peer group trust:acute to trust:community" in requested.reason


def test_the_same_sector_again_asks_for_no_run(cast: Cast, registry: Registry) -> None:
    published_quarter()
    organisation_sector_set(organisation=registry.trust_a1, sector="acute", user=cast.national)
    assert not CalculationRun.objects.filter(status=RunStatus.PENDING).exists()
    [event] = audited(AuditEvent.Action.SECTOR_CHANGED)
    assert event.detail["peer_group"] == ["trust:acute", "trust:acute"]


@pytest.mark.parametrize(
    ("member", "error"),
    [("lead_a", NotPermitted), ("submitter", NotPermitted), ("lead_b", NotFound)],
)
def test_the_sector_operation_checks_the_users_scope(
    cast: Cast, registry: Registry, member: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        organisation_sector_set(
            organisation=registry.trust_a1, sector="community", user=getattr(cast, member)
        )
    assert Organisation.objects.get(pk=registry.trust_a1.pk).sector == "acute"
    assert not audited(AuditEvent.Action.SECTOR_CHANGED)


def test_the_sector_operation_refuses_non_trusts_and_unknown_sectors(
    cast: Cast, registry: Registry
) -> None:
    with pytest.raises(ActionRefused, match="not a trust"):
        organisation_sector_set(organisation=registry.ccg_a1, sector="acute", user=cast.national)
    with pytest.raises(InputRejected) as rejected:
        organisation_sector_set(
            organisation=registry.trust_a1, sector="hospital", user=cast.national
        )
    assert "sector" in rejected.value.problems
    assert not audited(AuditEvent.Action.SECTOR_CHANGED)


def test_granting_and_revoking_a_role_is_audited(cast: Cast, registry: Registry) -> None:
    user = typing.cast(User, UserFactory())
    assignment = role_grant(
        user=user, role=Role.OBSERVER, node=registry.region_a, granted_by=cast.national
    )
    role_grant(user=user, role=Role.OBSERVER, node=registry.region_a, granted_by=cast.national)
    role_revoke(assignment=assignment, revoked_by=cast.national)

    events = [
        (e.action, e.actor_id, e.subject_id)
        for e in audited(AuditEvent.Action.ROLE_GRANTED, AuditEvent.Action.ROLE_REVOKED)
        if e.subject_id == user.pk
    ]
    assert events == [
        (AuditEvent.Action.ROLE_GRANTED, cast.national.pk, user.pk),  # once: a repeat is a no-op
        (AuditEvent.Action.ROLE_REVOKED, cast.national.pk, user.pk),
    ]
    assert audited(AuditEvent.Action.ROLE_REVOKED)[-1].detail == {
        "role": Role.OBSERVER,
        "scope": "Region A",
    }


def test_only_the_national_team_revokes_roles(cast: Cast, registry: Registry) -> None:
    assignment = role_grant(user=UserFactory(), role=Role.OBSERVER, node=registry.region_a)
    with pytest.raises(NotPermitted, match="national team"):
        role_revoke(assignment=assignment, revoked_by=cast.lead_a)
    assert type(assignment).objects.filter(pk=assignment.pk).exists()


def test_creating_quarters_is_for_the_national_team_and_audited(cast: Cast) -> None:
    with pytest.raises(NotPermitted, match="national team"):
        periods_create(year=2021, actor=cast.lead_a)
    assert not audited(AuditEvent.Action.PERIODS_CREATED)

    periods_create(year=2021, actor=cast.national)
    periods_create(year=2021, actor=cast.national)  # nothing new: nothing to record

    [event] = audited(AuditEvent.Action.PERIODS_CREATED)
    assert event.actor == cast.national
    assert event.detail == {"quarters": ["2021-22 Q1", "2021-22 Q2", "2021-22 Q3", "2021-22 Q4"]}
