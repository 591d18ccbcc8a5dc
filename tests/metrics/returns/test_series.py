"""The values held per series (metrics.returns.series) and `manage.py check_series`."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from metrics.engine.kinds import Frequency
from metrics.models.returns import AcceptedSeries
from tests.metrics.calculation.support import (
    build_edition,
    build_metric,
    build_period,
    build_trusts,
    resubmit,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    edition, theme = build_edition("sof-series")
    monthly = build_metric(edition, theme, "M1", frequency=Frequency.MONTHLY, quarter_basis="mean")
    quarterly = build_metric(edition, theme, "Q1")
    first, second = build_period(2021, 1), build_period(2021, 2)
    body, other = build_trusts(2, prefix="RS")
    versions = [
        submit(body, first, edition, {monthly: [1.0, 2.0, 3.0], quarterly: 10.0}),
        submit(body, second, edition, {monthly: [4.0, 5.0, 6.0], quarterly: 11.0}),
        submit(other, first, edition, {monthly: [7.0, 8.0, 9.0]}),
        submit(other, second, edition, {monthly: [1.5, 2.5, 3.5]}, accept=False),
    ]
    return edition, monthly, quarterly, first, second, body, other, versions


def test_each_body_and_metric_holds_its_accepted_values_in_period_order(held) -> None:
    edition, monthly, quarterly, first, second, body, other, versions = held
    series = AcceptedSeries.objects.get(organisation=body, metric=monthly)
    assert series.values == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert series.period_ends == [*first.month_ends(), *second.month_ends()]
    assert series.version_ids == [versions[0].pk] * 3 + [versions[1].pk] * 3
    assert AcceptedSeries.objects.get(organisation=body, metric=quarterly).values == [10.0, 11.0]
    # The other body's second quarter is not accepted: only its first quarter is held.
    assert AcceptedSeries.objects.get(organisation=other, metric=monthly).values == [7.0, 8.0, 9.0]

    replaced = resubmit(body, first, edition, {monthly: [1.0, 2.5, 3.0]})
    series = AcceptedSeries.objects.get(organisation=body, metric=monthly)  # rebuilt whole
    assert series.values == [1.0, 2.5, 3.0, 4.0, 5.0, 6.0]
    assert series.version_ids[:3] == [replaced.pk] * 3


def test_check_series_names_each_difference_and_rebuilds(held, capsys) -> None:
    _, monthly, _, first, _, body, other, _ = held
    call_command("check_series")
    assert "The held series match the accepted versions." in capsys.readouterr().out

    series = AcceptedSeries.objects.get(organisation=body, metric=monthly)
    series.values = [1.0, 2.0, 99.0, 4.0, 5.0, 6.0]
    series.save()
    AcceptedSeries.objects.filter(organisation=other).delete()
    with pytest.raises(SystemExit) as stopped:
        call_command("check_series")
    assert stopped.value.code == 1
    out = capsys.readouterr().out.splitlines()
    version = series.version_ids[2]
    march = first.month_ends()[2]
    assert (
        f"sof-series RS00 M1 {march:%Y-%m-%d}: "
        f"held 99 (version {version}), accepted 3 (version {version})" in out
    )
    first_month = f"{first.month_ends()[0]:%Y-%m-%d}"
    assert f"sof-series RS01 M1 {first_month}: held nothing, accepted 7 (version" in "\n".join(out)
    assert "sof-series: 4 difference(s)" in out

    call_command("check_series")  # rebuilt: nothing left to report
    assert "The held series match" in capsys.readouterr().out
    assert (
        date(2021, 6, 30)
        in AcceptedSeries.objects.get(organisation=body, metric=monthly).period_ends
    )
