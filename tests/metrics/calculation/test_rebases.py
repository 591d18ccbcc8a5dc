"""SPC rebases as recorded decisions: who may record one, what it refuses, that it is kept as
recorded, that it asks for the affected quarters' runs, and that those runs use it — limits from
the rebase point, no rule across it — on hand-worked data (History: trust B)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.roles import Role
from accounts.scope import role_grant
from metrics.calculation.rebases import rebases_of, spc_rebase_record
from metrics.calculation.runs import run_calculation
from metrics.models.calculation import CalculationRun, RunStatus, SpcRebase
from metrics.models.results import Flag, SpcSeries
from oversight.errors import InputRejected, NotFound, NotPermitted
from tests.factories import RegionFactory, UserFactory
from tests.metrics.calculation.support import History


def _user(email: str, role: str | None = None, node: object = None):
    user = UserFactory(email=email)
    if role is not None:
        role_grant(user=user, role=role, node=node)
    return user


def _spc_rules(run, body, metric) -> set[str]:
    return {
        reason["rule"]
        for flag in Flag.objects.filter(run=run, organisation=body, metric=metric)
        for reason in flag.evidence["reasons"]
        if reason["rule"].startswith("spc")
    }


def _record(history: History, user, *, quarter: int = 4, reason: str = "New pathway"):
    return spc_rebase_record(
        user=user,
        organisation=history.trusts["B"],
        metric=history.spc,
        starts=history.periods[quarter],
        reason=reason,
    )


def test_a_rebase_splits_the_series_and_its_limits_come_from_the_rebase_point(
    history: History, no_publishing: list[int]
):
    b = history.trusts["B"]
    before = SpcSeries.objects.get(run=history.last, organisation=b, metric=history.spc)
    # B: 50, 52, … (17 points) then 20 — far below limits from all 18 points: a concern.
    assert before.concern_outside_limits
    assert not before.trial
    analyst = _user("analyst@nhs.test", Role.REGIONAL_ANALYST, b.region)
    rebase = _record(history, analyst)

    # It asked for a run of each quarter from 2022-23 Q1 on, for B's series, sent on commit.
    runs = CalculationRun.objects.filter(pk__in=rebase.requested_runs).order_by("period__start")
    assert [r.period for r in runs] == history.periods[4:]
    assert all(r.requested_organisation_ids == [b.pk] for r in runs)
    assert "SPC rebase of RHI01 SPC from 2022-23 Q1" in runs[0].reason
    for run in runs:
        run_calculation(run.pk)
    last = CalculationRun.objects.get(pk=rebase.requested_runs[-1])
    assert last.status == RunStatus.FINISHED, last.error
    assert last.incremental  # only B's series again, the rest taken as it was

    after = SpcSeries.objects.get(run=last, organisation=b, metric=history.spc)
    assert after.computed_in_id == last.pk
    first, second = after.result["segments"]
    assert (first["start"], first["end"], second["start"], second["end"]) == (0, 12, 12, 18)
    # Worked by hand: 50, 52, 50, 52, 50, 20 — mean 274/6, AMR (2+2+2+2+30)/5 = 7.6.
    assert after.mean == pytest.approx(274 / 6)
    assert after.amr == pytest.approx(7.6)
    assert after.lcl == pytest.approx(274 / 6 - 2.66 * 7.6)
    assert first["mean"] == pytest.approx(51.0)  # 50, 52, … over the first 12 points
    # Six points since the rebase: trial limits, so no SPC flag, though 20 lies below them.
    assert after.trial
    assert not after.concern_outside_limits
    assert after.latest_signals == [["outside_limits", "low", "concern"]]
    # Rules never span the rebase: the other trusts' series are untouched.
    other = SpcSeries.objects.get(run=last, organisation=history.trusts["A"], metric=history.spc)
    assert len(other.result["segments"]) == 1
    assert other.computed_in_id != last.pk
    # No flag of B's series reads an SPC signal any more (the quartile fall still counts).
    assert not _spc_rules(last, b, history.spc)
    assert Flag.objects.filter(run=last, organisation=b, kind="dramatic_drop").exists()
    assert _spc_rules(history.last, b, history.spc)  # before the rebase: SPC evidence


def test_who_may_record_a_rebase(history: History, no_publishing: list[int]):
    b = history.trusts["B"]
    elsewhere = _user("lead.elsewhere@nhs.test", Role.REGIONAL_LEAD, RegionFactory())
    with pytest.raises(NotFound):
        _record(history, elsewhere)
    own = _user("submitter@nhs.test", Role.ORGANISATION_SUBMITTER, b)
    with pytest.raises(NotPermitted, match="may not record an SPC rebase"):
        _record(history, own)
    national = _user("national.analyst@nhs.test", Role.NATIONAL_ANALYST)
    assert _record(history, national).recorded_by == national
    assert SpcRebase.objects.count() == 1


def test_bad_rebases_are_refused_by_field_and_nothing_is_written(
    history: History, no_publishing: list[int]
):
    lead = _user("lead@nhs.test", Role.REGIONAL_LEAD, history.trusts["B"].region)
    with pytest.raises(InputRejected) as blank:
        _record(history, lead, reason="   ")
    assert "reason" in blank.value.problems
    _record(history, lead)
    with pytest.raises(InputRejected) as again:
        _record(history, lead)
    assert again.value.problems["starts"] == [
        "A rebase from 2022-23 Q1 is already recorded for this metric."
    ]
    assert SpcRebase.objects.count() == 1
    assert CalculationRun.objects.filter(reason__startswith="SPC rebase").count() == 2


def test_a_recorded_rebase_is_never_changed_or_deleted(history: History, no_publishing: list[int]):
    lead = _user("lead@nhs.test", Role.REGIONAL_LEAD, history.trusts["B"].region)
    rebase = _record(history, lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        SpcRebase.objects.filter(pk=rebase.pk).update(reason="changed my mind")
    with pytest.raises(IntegrityError), transaction.atomic():
        SpcRebase.objects.filter(pk=rebase.pk).delete()
    assert [r.reason for r in rebases_of(history.trusts["B"], history.spc)] == ["New pathway"]
