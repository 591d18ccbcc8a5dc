"""Calculation runs on PostgreSQL: SQL against the pure functions, flags, SPC, runs' life cycle.

Data is built straight into the tables (returns, versions and values, accepted by setting
`accepted` and `Return.accepted_version` once the values are in: the database refuses changes
to an accepted version's values). Runs are done by calling `run_calculation` as the task does;
the Celery worker itself is exercised in test_recalculation_worker.py.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from metrics import calculation
from metrics.calculation import (
    QuarterBusy,
    calculation_request,
    calculation_sweep,
    run_calculation,
)
from metrics.calculation_sql import lock_try, quarter_lock_key
from metrics.models import (
    CalculationRun,
    CurrentRun,
    Flag,
    FlagKind,
    FrameworkEdition,
    Frequency,
    Metric,
    MetricResult,
    Period,
    Polarity,
    QuartileThreshold,
    Return,
    ReturnState,
    ReturnVersion,
    RunInput,
    RunStatus,
    SpcSeries,
    Theme,
    Value,
    sha256_of,
)
from metrics.periods import default_window, quarter_dates
from metrics.quartiles import quartile_of, quartile_thresholds, rank_and_percentile
from metrics.scoring import bespoke_score, metric_scores, parse_score_map
from metrics.spc import (
    spc_analyse,
)
from oversight.models import Organisation, Sector
from tests.factories import OrganisationFactory, UserFactory

# --- building data ---------------------------------------------------------------------------


def build_edition(code: str = "sof-calc") -> tuple[FrameworkEdition, Theme]:
    edition = FrameworkEdition.objects.create(
        code=code, name=f"Test edition {code}", methodology="sof_2021_22"
    )
    theme = Theme.objects.create(edition=edition, slug="quality", name="Quality")
    return edition, theme


def build_period(year: int, quarter: int) -> Period:
    start, end = quarter_dates(year, quarter)
    opens_on, due_on, closes_on = default_window(end)
    period, _ = Period.objects.get_or_create(
        year=year,
        quarter=quarter,
        defaults={
            "start": start,
            "end": end,
            "opens_on": opens_on,
            "due_on": due_on,
            "closes_on": closes_on,
        },
    )
    return period


def build_metric(edition: FrameworkEdition, theme: Theme, code: str, **fields: Any) -> Metric:
    defaults: dict[str, Any] = {
        "name": f"Metric {code}",
        "applies_to": "acute mental_health",
        "polarity": Polarity.HIGHER_BETTER,
        "unit": "%",
        "value_type": "percentage",
        "frequency": Frequency.QUARTERLY,
        "quarter_basis": "",
    }
    return Metric.objects.create(edition=edition, theme=theme, code=code, **(defaults | fields))


def build_trusts(count: int, *, prefix: str, sector: str = Sector.ACUTE) -> list[Organisation]:
    return [
        cast(
            Organisation,
            OrganisationFactory(
                ods_code=f"{prefix}{n:02d}", name=f"Trust {prefix}{n:02d}", sector=sector
            ),
        )
        for n in range(count)
    ]


def submit(
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    values: Mapping[Metric, float | Sequence[float]],
    *,
    accept: bool = True,
) -> ReturnVersion:
    """A new version of the body's return holding ``values`` (monthly metrics: one per month),
    accepted unless told otherwise."""
    user = cast(User, UserFactory(email="calculation@nhs.test"))
    record, _ = Return.objects.get_or_create(
        organisation=organisation,
        period=period,
        edition=edition,
        defaults={"state": ReturnState.SUBMITTED},
    )
    number = record.versions.count() + 1
    content = f"{organisation.ods_code} {period.slug} v{number}".encode()
    version = ReturnVersion.objects.create(
        return_record=record,
        number=number,
        file_name="return.csv",
        file_content=content,
        file_sha256=sha256_of(content),
        file_size=len(content),
        uploaded_by=user,
        value_count=len(values),
    )
    rows: list[Value] = []
    for metric, given in values.items():
        if metric.frequency == Frequency.MONTHLY:
            assert isinstance(given, Sequence)
            cells = list(zip(period.month_ends(), given, strict=False))
        else:
            assert not isinstance(given, Sequence)
            cells = [(period.end, given)]
        rows += [
            Value(
                version=version,
                organisation=organisation,
                metric=metric,
                period_end=end,
                value=value,
                row=len(rows) + 2,
            )
            for end, value in cells
        ]
    Value.objects.bulk_create(rows)
    if accept:
        # Values first: once a version is accepted, the database refuses changes to them.
        ReturnVersion.objects.filter(pk=version.pk).update(accepted=True)
        Return.objects.filter(pk=record.pk).update(
            accepted_version=version, current_version=version, state=ReturnState.ACCEPTED
        )
    else:
        Return.objects.filter(pk=record.pk).update(current_version=version)
    return version


def resubmit(
    organisation: Organisation,
    period: Period,
    edition: FrameworkEdition,
    changes: Mapping[Metric, float | Sequence[float]],
) -> ReturnVersion:
    """A new accepted version: the accepted one's values with ``changes``."""
    record = Return.objects.get(organisation=organisation, period=period, edition=edition)
    values: dict[Metric, Any] = {}
    for value in Value.objects.filter(version=record.accepted_version).order_by("period_end"):
        metric = value.metric
        if metric.frequency == Frequency.MONTHLY:
            values.setdefault(metric, []).append(value.value)
        else:
            values[metric] = value.value
    return submit(organisation, period, edition, values | dict(changes))


def new_run(period: Period, edition: FrameworkEdition, **fields: Any) -> CalculationRun:
    """A pending run, as `calculation_request` records it, without sending it anywhere."""
    return CalculationRun.objects.create(period=period, edition=edition, reason="test", **fields)


def calculate(period: Period, edition: FrameworkEdition, **fields: Any) -> CalculationRun:
    run = new_run(period, edition, **fields)
    run_calculation(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED, run.error
    return run


def snapshot(run: CalculationRun) -> dict[str, Any]:
    """Everything a run produced, keyed by codes, without ids: what "identical" compares."""
    results = MetricResult.objects.filter(run=run).values_list(
        "organisation__ods_code",
        "metric__code",
        "peer_group",
        "value",
        "rank",
        "percentile",
        "quartile",
        "score",
        "version_id",
        "months",
    )
    thresholds = QuartileThreshold.objects.filter(run=run).values_list(
        "metric__code", "peer_group", "n", "p25", "p50", "p75"
    )
    series = SpcSeries.objects.filter(run=run).values_list(
        "organisation__ods_code", "metric__code", "points", "mean", "ucl", "lcl", "result"
    )
    flags = Flag.objects.filter(run=run).values_list(
        "organisation__ods_code", "metric__code", "kind", "evidence", "parameters"
    )
    return {
        "results": sorted(results),
        "thresholds": sorted(thresholds),
        "series": sorted(series, key=lambda row: row[:2]),
        "flags": sorted(flags, key=lambda row: row[:3]),
    }


# --- the national world: 9 acute and 3 mental health trusts, one quarter ---------------------

SCORE_MAP = "..50=1.00; 50..80=2.50; 80..=4.00"


class National:
    def __init__(self) -> None:
        self.edition, theme = build_edition()
        self.period = build_period(2021, 3)
        self.acute = build_trusts(9, prefix="RAC")
        self.mental = build_trusts(3, prefix="RMH", sector=Sector.MENTAL_HEALTH)
        self.higher = build_metric(self.edition, theme, "HB")
        self.lower = build_metric(
            self.edition, theme, "LB", polarity=Polarity.LOWER_BETTER, standard=20.0, floor=80.0
        )
        self.neutral = build_metric(self.edition, theme, "NE", polarity=Polarity.NEUTRAL)
        self.bespoke = build_metric(self.edition, theme, "BS", score_map=SCORE_MAP)
        self.contextual = build_metric(self.edition, theme, "CX", scored=False)
        chance = random.Random(2021)
        for n, trust in enumerate(self.acute + self.mental):
            values = {
                # Awkward floats and a tie (trusts 2 and 3), so interpolation is really tested.
                self.higher: 7.0 if n in (2, 3) else chance.uniform(0, 100),
                self.lower: round(chance.uniform(0, 100), 1),
                self.neutral: chance.uniform(-5, 5),
                self.bespoke: float(n * 11),
                self.contextual: chance.uniform(0, 1),
            }
            if n == 8:
                del values[self.higher]  # missing data: no value, no result, no score
            submit(trust, self.period, self.edition, values)


@pytest.fixture
def national(db: None) -> National:
    return National()


def values_of(run: CalculationRun, metric: Metric, group: str) -> dict[int, float]:
    return dict(
        MetricResult.objects.filter(run=run, metric=metric, peer_group=group).values_list(
            "organisation_id", "value"
        )
    )


@pytest.mark.parametrize("code", ["HB", "LB", "NE", "BS", "CX"])
def test_sql_thresholds_and_quartiles_equal_the_pure_functions(national: National, code: str):
    run = calculate(national.period, national.edition)
    metric = Metric.objects.get(edition=national.edition, code=code)
    values = values_of(run, metric, "trust:acute")
    thresholds = quartile_thresholds(values.values())
    stored = QuartileThreshold.objects.get(run=run, metric=metric, peer_group="trust:acute")
    assert thresholds is not None
    assert (stored.n, stored.p25, stored.p50, stored.p75) == (
        thresholds.n,
        thresholds.p25,
        thresholds.p50,
        thresholds.p75,
    )
    quartiles = dict(
        MetricResult.objects.filter(run=run, metric=metric, peer_group="trust:acute").values_list(
            "organisation_id", "quartile"
        )
    )
    assert quartiles == {
        body: quartile_of(value, thresholds, metric.polarity) for body, value in values.items()
    }


@pytest.mark.parametrize("code", ["HB", "LB", "BS", "CX"])
def test_sql_ranks_and_percentiles_equal_the_pure_functions(national: National, code: str):
    run = calculate(national.period, national.edition)
    metric = Metric.objects.get(edition=national.edition, code=code)
    for group in ("trust:acute", "trust:mental_health"):
        expected = rank_and_percentile(values_of(run, metric, group), metric.polarity)
        stored = MetricResult.objects.filter(run=run, metric=metric, peer_group=group)
        assert {r.organisation_id: (r.rank, r.percentile) for r in stored} == {
            body: (rank.rank, rank.percentile) for body, rank in expected.items()
        }


def test_tied_values_share_the_smallest_rank(national: National):
    run = calculate(national.period, national.edition)
    tied = MetricResult.objects.filter(run=run, metric=national.higher, value=7.0)
    assert tied.count() == 2
    assert len({result.rank for result in tied}) == 1


def test_scores_equal_metrics_scoring(national: National):
    run = calculate(national.period, national.edition)
    for group in ("trust:acute", "trust:mental_health"):
        for metric in (national.higher, national.lower):
            expected = metric_scores(
                values_of(run, metric, group),
                polarity=metric.polarity,
                standard=metric.standard,
                floor=metric.floor,
            )
            stored = MetricResult.objects.filter(run=run, metric=metric, peer_group=group)
            assert {r.organisation_id: r.score for r in stored} == expected
        bands = parse_score_map(SCORE_MAP)
        bespoke = MetricResult.objects.filter(run=run, metric=national.bespoke, peer_group=group)
        assert {r.organisation_id: r.score for r in bespoke} == {
            r.organisation_id: bespoke_score(r.value, bands) for r in bespoke
        }


def test_neutral_and_contextual_metrics_are_not_scored(national: National):
    run = calculate(national.period, national.edition)
    neutral = MetricResult.objects.filter(run=run, metric=national.neutral)
    assert {(r.rank, r.percentile, r.quartile, r.score) for r in neutral} == {
        (None, None, None, None)
    }
    contextual = MetricResult.objects.filter(run=run, metric=national.contextual)
    assert {r.score for r in contextual} == {None}
    assert {r.quartile for r in contextual if r.peer_group == "trust:acute"} <= {1, 2, 3, 4}


def test_a_peer_group_of_fewer_than_four_gets_ranks_and_scores_but_no_quartiles(
    national: National,
):
    run = calculate(national.period, national.edition)
    mental = MetricResult.objects.filter(run=run, peer_group="trust:mental_health")
    assert mental.count() == 3 * 5
    assert {r.quartile for r in mental} == {None}
    assert not QuartileThreshold.objects.filter(run=run, peer_group="trust:mental_health")
    assert {r.rank for r in mental.filter(metric=national.higher)} == {1, 2, 3}
    assert None not in {r.score for r in mental.filter(metric=national.higher)}


def test_missing_data_has_no_result(national: National):
    run = calculate(national.period, national.edition)
    assert not MetricResult.objects.filter(
        run=run, metric=national.higher, organisation=national.acute[8]
    ).exists()
    assert (
        QuartileThreshold.objects.get(run=run, metric=national.higher, peer_group="trust:acute").n
        == 8
    )


def test_a_run_records_its_inputs_parameters_and_method(national: National):
    run = calculate(national.period, national.edition)
    accepted = set(Return.objects.values_list("accepted_version_id", flat=True))
    assert (
        set(RunInput.objects.filter(run=run).values_list("return_version_id", flat=True))
        == accepted
    )
    assert run.method_version == calculation.METHOD_VERSION
    assert run.parameters["quartiles"]["min_bodies"] == 4
    assert run.parameters["spc"]["run_length"] == 7
    assert run.parameters["flags"]["negative_variance_financial_plan"]["metric_codes"] == [
        "S054",
        "OF0081",
    ]
    assert run.parameters["catalogue_version"] == national.edition.catalogue_version
    assert not run.incremental
    assert run.steps_done == run.steps_total > 0
    assert run.started_at is not None
    assert run.finished_at is not None
    result = MetricResult.objects.filter(run=run).first()
    assert result is not None
    assert result.version.accepted
    assert CurrentRun.objects.get(period=national.period, edition=national.edition).run == run


# --- only accepted versions, and the quarter's basis --------------------------------------


def test_only_accepted_versions_count(db: None):
    edition, theme = build_edition()
    period = build_period(2021, 2)
    metric = build_metric(edition, theme, "HB")
    trusts = build_trusts(5, prefix="RAV")
    for n, trust in enumerate(trusts):
        submit(trust, period, edition, {metric: float(n)})
    submit(trusts[0], period, edition, {metric: 99.0}, accept=False)  # submitted, not accepted
    newcomer = build_trusts(1, prefix="RNW")[0]
    submit(newcomer, period, edition, {metric: 50.0}, accept=False)
    run = calculate(period, edition)
    results = dict(
        MetricResult.objects.filter(run=run).values_list("organisation__ods_code", "value")
    )
    assert results == {"RAV00": 0.0, "RAV01": 1.0, "RAV02": 2.0, "RAV03": 3.0, "RAV04": 4.0}
    threshold = QuartileThreshold.objects.get(run=run)
    assert (threshold.n, threshold.p25, threshold.p50, threshold.p75) == (5, 1.0, 2.0, 3.0)


@pytest.mark.parametrize(
    ("basis", "months", "expected"),
    [
        ("latest", [10.0, 20.0, 60.0], 60.0),
        ("mean", [10.0, 20.0, 60.0], 30.0),
        ("sum", [10.0, 20.0, 60.0], 90.0),
        ("latest", [10.0, 20.0], 20.0),  # a month missing: the latest month present
        ("mean", [10.0, 20.0], 15.0),
    ],
)
def test_the_quarter_value_follows_the_metric_basis(
    db: None, basis: str, months: list[float], expected: float
):
    edition, theme = build_edition()
    period = build_period(2021, 2)
    metric = build_metric(edition, theme, "MO", frequency=Frequency.MONTHLY, quarter_basis=basis)
    trust = build_trusts(1, prefix="RBA")[0]
    version = submit(trust, period, edition, {metric: months})
    run = calculate(period, edition)
    result = MetricResult.objects.get(run=run)
    assert (result.value, result.months, result.version_id) == (expected, len(months), version.pk)


# --- flags ------------------------------------------------------------------------------------


class History:
    """Five acute trusts A–E over six quarters (2021-22 Q1 to 2022-23 Q2), one run a quarter.

    - SPC (monthly, mean): A ends far above its limits (improvement), B far below (concern,
      a dramatic drop), C ends with a run of 7 below its mean (sustained very poor);
    - SPC2 (monthly, standard 100 beyond D's limits): D consistently fails;
    - QH (quarterly): D is bottom in 3 of the last 4 quarters, E falls from top to bottom;
    - in the last quarter: S054 (variance to plan) A −1.5; S001 (CQC) A 3 and B 4; STD
      (standard 90) B 80.
    """

    def __init__(self) -> None:
        self.edition, theme = build_edition()
        self.periods = [build_period(2021, q) for q in (1, 2, 3, 4)] + [
            build_period(2022, q) for q in (1, 2)
        ]
        self.trusts = dict(zip("ABCDE", build_trusts(5, prefix="RHI"), strict=True))
        monthly = {"frequency": Frequency.MONTHLY, "quarter_basis": "mean"}
        self.spc = build_metric(self.edition, theme, "SPC", **monthly)
        self.spc2 = build_metric(self.edition, theme, "SPC2", standard=100.0, **monthly)
        self.qh = build_metric(self.edition, theme, "QH")
        self.s054 = build_metric(
            self.edition, theme, "S054", frequency=Frequency.MONTHLY, quarter_basis="latest"
        )
        self.s001 = build_metric(
            self.edition,
            theme,
            "S001",
            polarity=Polarity.LOWER_BETTER,
            score_map="1=1.00;2=2.00;3=3.00;4=4.00",
        )
        self.std = build_metric(self.edition, theme, "STD", standard=90.0)
        self.series = {
            "A": [50.0 if i % 2 == 0 else 52.0 for i in range(17)] + [80.0],
            "B": [50.0 if i % 2 == 0 else 52.0 for i in range(17)] + [20.0],
            "C": [55.0 if i % 2 == 0 else 57.0 for i in range(11)]
            + [54.5 if i % 2 == 0 else 54.0 for i in range(7)],
            "D": [50.0 if i % 2 == 0 else 53.0 for i in range(18)],
            "E": [40.0 + (i * 7) % 5 for i in range(18)],
        }
        qh = {"A": 10.0, "B": 20.0, "C": 30.0, "D": 1.0, "E": 40.0}
        for number, period in enumerate(self.periods):
            for name, trust in self.trusts.items():
                values: dict[Metric, Any] = {
                    self.spc: self.series[name][number * 3 : number * 3 + 3],
                    self.qh: qh[name],
                }
                if name == "D":
                    values[self.spc2] = values[self.spc]
                    values[self.qh] = {3: 35.0, 5: 2.0}.get(number, 1.0)  # top in the 4th
                if name == "E" and number == 5:
                    values[self.qh] = 0.0
                if number == 5:
                    values[self.s054] = [1.0, 1.0, {"A": -1.5}.get(name, 0.5)]
                    values[self.s001] = {"A": 3.0, "B": 4.0, "C": 2.0, "D": 1.0, "E": 2.0}[name]
                    values[self.std] = {"B": 80.0}.get(name, 95.0)
                submit(trust, period, self.edition, values)
        self.runs = [calculate(period, self.edition) for period in self.periods]
        self.last = self.runs[-1]

    def flags(self, name: str) -> dict[tuple[str, str], dict[str, Any]]:
        found = Flag.objects.filter(run=self.last, organisation=self.trusts[name])
        return {(flag.metric.code, flag.kind): flag.evidence for flag in found if flag.metric}


@pytest.fixture
def history(db: None) -> History:
    return History()


def test_top_and_bottom_quartile_flags_explain_the_thresholds(history: History):
    top = history.flags("C")[("QH", FlagKind.TOP_QUARTILE)]
    (reason,) = top["reasons"]
    assert top["value"] == 30.0
    assert reason["quartile"] == 1
    assert (reason["n"], reason["p25"], reason["p50"], reason["p75"]) == (5, 2.0, 10.0, 20.0)
    assert "quartile 1 of 5 bodies in trust:acute" in reason["text"]
    assert ("QH", FlagKind.BOTTOM_QUARTILE) in history.flags("D")
    assert ("QH", FlagKind.BOTTOM_QUARTILE) in history.flags("E")


def test_dramatic_drop_by_quartile_names_the_previous_quarter(history: History):
    evidence = history.flags("E")[("QH", FlagKind.DRAMATIC_DROP)]
    (reason,) = evidence["reasons"]
    assert reason["rule"] == "quartile_fall"
    assert (reason["previous_period"], reason["previous_quartile"]) == ("2022-23 Q1", 1)
    assert reason["quartile"] == 4
    assert ("QH", FlagKind.DRAMATIC_DROP) not in history.flags("D")  # it was bottom already


def test_dramatic_drop_by_spc_outside_the_limits(history: History):
    evidence = history.flags("B")[("SPC", FlagKind.DRAMATIC_DROP)]
    reason = evidence["reasons"][0]  # B's quarter mean also fell to quartile 4: a second reason
    assert reason["rule"] == "spc_concern_outside_limits"
    assert reason["latest_value"] == 20.0
    assert reason["signals"][0] == ["outside_limits", "low", "concern"]
    assert reason["lcl"] > 20.0


def test_sustained_very_poor_by_quartiles(history: History):
    evidence = history.flags("D")[("QH", FlagKind.SUSTAINED_VERY_POOR)]
    (reason,) = evidence["reasons"]
    assert reason["rule"] == "bottom_quartile_sustained"
    assert [q["quartile"] for q in reason["quartiles"]] == [4, 4, 1, 4]
    assert "3 of the last 4 quarters" in reason["text"]


def test_sustained_very_poor_by_spc_run_and_by_assurance(history: History):
    run_reason = history.flags("C")[("SPC", FlagKind.SUSTAINED_VERY_POOR)]["reasons"]
    assert [r["rule"] for r in run_reason] == ["spc_concern_run_or_trend"]
    assert run_reason[0]["signals"][0][:2] == ["run", "low"]
    fail_reason = history.flags("D")[("SPC2", FlagKind.SUSTAINED_VERY_POOR)]["reasons"]
    assert [r["rule"] for r in fail_reason] == ["spc_consistently_fail"]
    assert fail_reason[0]["assurance"] == "consistently_fail"


def test_spc_improvement_and_concern_flags(history: History):
    assert history.flags("A")[("SPC", FlagKind.SPC_IMPROVEMENT)]["reasons"][0]["rule"] == (
        "spc_improvement"
    )
    assert ("SPC", FlagKind.SPC_CONCERN) in history.flags("B")
    assert ("SPC", FlagKind.SPC_CONCERN) in history.flags("C")
    spc_kinds = {FlagKind.SPC_IMPROVEMENT, FlagKind.SPC_CONCERN}
    assert not {kind for (code, kind) in history.flags("E") if kind in spc_kinds}


def test_no_spc_flags_on_trial_limits(history: History):
    early = history.runs[3]  # 12 points: limits are trial
    assert {series.trial for series in SpcSeries.objects.filter(run=early)} == {True}
    assert not Flag.objects.filter(
        run=early, kind__in=[FlagKind.SPC_CONCERN, FlagKind.SPC_IMPROVEMENT]
    ).exists()


def test_failing_standard_negative_variance_and_cqc_flags(history: History):
    assert history.flags("B")[("STD", FlagKind.FAILING_STANDARD)]["reasons"][0]["standard"] == 90.0
    assert ("STD", FlagKind.FAILING_STANDARD) not in history.flags("A")
    variance = history.flags("A")[("S054", FlagKind.NEGATIVE_VARIANCE_FINANCIAL_PLAN)]
    assert variance["value"] == -1.5
    assert ("S054", FlagKind.NEGATIVE_VARIANCE_FINANCIAL_PLAN) not in history.flags("B")
    assert history.flags("A")[("S001", FlagKind.CQC_BELOW_GOOD)]["reasons"][0]["rating"] == (
        "Requires improvement"
    )
    assert history.flags("B")[("S001", FlagKind.CQC_BELOW_GOOD)]["reasons"][0]["rating"] == (
        "Inadequate"
    )
    assert ("S001", FlagKind.CQC_BELOW_GOOD) not in history.flags("C")


def test_every_flag_carries_its_definition(history: History):
    flags = Flag.objects.filter(run=history.last)
    assert {flag.kind for flag in flags} == set(FlagKind.values)
    for flag in flags:
        assert flag.parameters == history.last.parameters["flags"][flag.kind]
        assert flag.period == history.periods[-1]
        assert all(reason["text"] for reason in flag.evidence["reasons"])


def test_spc_series_are_stored_as_metrics_spc_computes_them(history: History):
    for name, trust in history.trusts.items():
        series = SpcSeries.objects.get(run=history.last, organisation=trust, metric=history.spc)
        expected = spc_analyse(history.series[name], polarity="higher_better", target=None)
        segment = expected.segments[-1]
        assert (series.points, series.mean, series.ucl, series.lcl) == (
            18,
            segment.mean,
            segment.ucl,
            segment.lcl,
        )
        assert series.result["values"] == history.series[name]
        assert series.result["period_ends"][-1] == "2022-09-30"
        assert series.variation == expected.variation
        flagged = [p.index for p in expected.points if p.signals]
        assert [cause[0] for cause in series.result["special_causes"]] == flagged


def portable(run: CalculationRun) -> Any:
    """`snapshot` without database ids, as JSON text: comparable across databases."""
    found = snapshot(run)
    found["results"] = [row[:8] + row[9:] for row in found["results"]]  # no version id
    return json.loads(json.dumps(found, default=str))


def test_the_embedded_default_on_sqlite_gives_the_same_results(history: History, tmp_path: Path):
    """The fallbacks (thresholds by metrics.quartiles, no locks, executemany for COPY)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_"))
    }
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}"}
    code = (
        "from tests.metrics.test_calculation import History, portable\n"
        "import json; print(json.dumps(portable(History().last)))"
    )
    outputs = []
    for command in (["migrate", "--noinput", "-v0", "--skip-checks"], ["shell", "-c", code]):
        done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *command],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        outputs.append(done.stdout)
    assert json.loads(outputs[-1].strip().splitlines()[-1]) == portable(history.last)


# --- life cycle: incremental, identical re-runs, atomic switch, serialised, coalesced --------


def test_incremental_run_recomputes_only_what_changed(history: History):
    last_period = history.periods[-1]
    first = history.last
    changed = history.trusts["C"]
    version = resubmit(changed, last_period, history.edition, {history.spc: [54.5, 54.0, 70.0]})
    second = calculate(last_period, history.edition)
    assert second.incremental
    # The metrics of the version that replaced another (a new version may change any value).
    in_version = set(Value.objects.filter(version=version).values_list("metric_id", flat=True))
    assert set(second.metric_ids) == in_version
    assert history.spc2.pk not in in_version
    computed = SpcSeries.objects.filter(run=second, computed_in=second)
    assert {s.organisation_id for s in computed} == {changed.pk}
    assert second.series_recalculated == computed.count() == len(in_version)
    carried = SpcSeries.objects.filter(run=second).exclude(computed_in=second)
    assert {s.computed_in_id for s in carried} == {first.pk}
    assert carried.count() == SpcSeries.objects.filter(run=first).count() - len(in_version)
    recomputed = MetricResult.objects.filter(run=second, computed_in=second)
    assert {r.metric_id for r in recomputed} == in_version
    assert MetricResult.objects.get(run=second, metric=history.spc2).computed_in == first
    # The incremental run's quarter equals a full recalculation of the same data.
    full = calculate(last_period, history.edition, full_requested=True)
    assert not full.incremental
    assert snapshot(second) == snapshot(full)


def test_a_re_run_gives_identical_results(history: History):
    again = calculate(history.periods[-1], history.edition, full_requested=True)
    assert snapshot(again) == snapshot(history.last)
    unchanged = calculate(history.periods[-1], history.edition)
    assert unchanged.incremental
    assert (unchanged.metric_ids, unchanged.series_recalculated) == ([], 0)
    assert snapshot(unchanged) == snapshot(history.last)


def test_a_finished_or_superseded_run_is_a_no_op(national: National):
    run = calculate(national.period, national.edition)
    finished_at = run.finished_at
    run_calculation(run.pk)
    run.refresh_from_db()
    assert (run.status, run.finished_at, run.attempts) == (RunStatus.FINISHED, finished_at, 1)
    run_calculation(123_456_789)  # a run that does not exist: nothing to do


def test_a_failing_run_is_recorded_and_publishes_nothing(national: National):
    first = calculate(national.period, national.edition)
    # A standard worse than the floor: metrics.scoring refuses to score it.
    Metric.objects.filter(pk=national.lower.pk).update(standard=90.0, floor=10.0)
    run = new_run(national.period, national.edition, full_requested=True)
    run_calculation(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "worse than the floor" in run.error
    assert not MetricResult.objects.filter(run=run).exists()
    assert CurrentRun.objects.get(period=national.period).run == first


def test_request_records_a_pending_run_and_enqueues_on_commit(
    national: National, django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = calculation_request(
            period=national.period, edition=national.edition, reason="Accepted RAC00 v1"
        )
    assert run.status == RunStatus.PENDING
    assert len(callbacks) == 1
    assert callbacks[0].func is calculation.calculation_enqueue
    assert callbacks[0].args == (run.pk,)


def test_coalescing_ten_requests_gives_one_run(national: National):
    runs = [new_run(national.period, national.edition) for _ in range(10)]
    runs[4].requested_metric_ids = [national.higher.pk]
    runs[4].save()
    for run in runs:  # ten tasks, one after another
        run_calculation(run.pk)
    statuses = dict(CalculationRun.objects.values_list("pk", "status"))
    assert list(statuses.values()).count(RunStatus.FINISHED) == 1
    assert list(statuses.values()).count(RunStatus.SUPERSEDED) == 9
    winner = CalculationRun.objects.get(status=RunStatus.FINISHED)
    assert winner.pk == runs[0].pk
    assert set(winner.coalesced.values_list("pk", flat=True)) == {r.pk for r in runs[1:]}
    assert winner.requested_metric_ids == [national.higher.pk]


# --- concurrency: real threads, each with its own connection ----------------------------------


class Pause:
    """Hold a run just before its flags step, so others can look while it is half-written."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reached = threading.Event()
        self.go_on = threading.Event()
        real = calculation.flags_write

        def paused(*args: Any, **kwargs: Any) -> int:
            self.reached.set()
            assert self.go_on.wait(30)
            return real(*args, **kwargs)

        monkeypatch.setattr(calculation, "flags_write", paused)


def in_thread(target: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def body() -> None:
        try:
            target()
        except BaseException as error:  # handed to the test to assert on
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=body)
    thread.start()
    return thread, errors


@pytest.fixture
def committed(transactional_db: None) -> National:
    return National()


def current_values(period: Period) -> dict[tuple[str, str], float]:
    rows = MetricResult.objects.current().filter(period=period)
    return {
        (r.organisation.ods_code, r.metric.code): r.value
        for r in rows.select_related("organisation", "metric")
    }


@pytest.mark.django_db(transaction=True)
def test_readers_see_the_previous_results_until_the_switch(
    committed: National, monkeypatch: pytest.MonkeyPatch
):
    national = committed
    calculate(national.period, national.edition)
    before = current_values(national.period)
    resubmit(national.acute[0], national.period, national.edition, {national.higher: 1000.0})
    pause = Pause(monkeypatch)
    run = new_run(national.period, national.edition)
    thread, errors = in_thread(lambda: run_calculation(run.pk))
    assert pause.reached.wait(30)
    # Half-written: the new run's results are in the table, but readers see the old quarter.
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert 0 < run.steps_done < run.steps_total  # what the run status page shows
    assert MetricResult.objects.filter(run=run).exists()
    assert current_values(national.period) == before
    assert (
        Flag.objects.current().filter(period=national.period).count()
        == Flag.objects.filter(run__current_for__period=national.period).count()
    )
    pause.go_on.set()
    thread.join(30)
    assert not errors
    after = current_values(national.period)
    assert after[("RAC00", "HB")] == 1000.0
    assert {key: value for key, value in after.items() if key != ("RAC00", "HB")} == {
        key: value for key, value in before.items() if key != ("RAC00", "HB")
    }


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_quarter_never_interleave(
    committed: National, monkeypatch: pytest.MonkeyPatch
):
    national = committed
    pause = Pause(monkeypatch)
    first = new_run(national.period, national.edition)
    thread, errors = in_thread(lambda: run_calculation(first.pk))
    assert pause.reached.wait(30)
    second = new_run(national.period, national.edition)  # asked for while the first runs
    with pytest.raises(QuarterBusy):
        run_calculation(second.pk)
    assert not lock_try(quarter_lock_key(national.period.pk, national.edition.pk))
    second.refresh_from_db()
    assert second.status == RunStatus.PENDING  # untouched: the task will retry it
    pause.go_on.set()
    thread.join(30)
    assert not errors
    monkeypatch.undo()
    run_calculation(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == RunStatus.FINISHED
    assert first.finished_at is not None
    assert second.started_at is not None
    assert first.finished_at <= second.started_at
    assert CurrentRun.objects.get(period=national.period).run == second


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_coalesce(committed: National):
    national = committed
    runs = [new_run(national.period, national.edition) for _ in range(10)]

    def task(run_id: int) -> Callable[[], None]:
        def retrying() -> None:
            for _ in range(600):  # what autoretry_for=(QuarterBusy, …) does, faster
                try:
                    run_calculation(run_id)
                except QuarterBusy:
                    time.sleep(0.05)
                else:
                    return
            raise AssertionError(f"run {run_id} never got its quarter")

        return retrying

    threads = [in_thread(task(run.pk)) for run in runs]
    for thread, errors in threads:
        thread.join(60)
        assert not errors
    statuses = list(CalculationRun.objects.values_list("status", flat=True))
    assert statuses.count(RunStatus.FINISHED) <= 2
    assert statuses.count(RunStatus.FINISHED) + statuses.count(RunStatus.SUPERSEDED) == 10


# --- the sweeper -------------------------------------------------------------------------------


@pytest.fixture
def no_publishing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record what would be sent instead of sending it (the worker test sends for real)."""
    sent: list[int] = []
    monkeypatch.setattr(calculation, "calculation_enqueue", lambda run_id: sent.append(run_id))
    return sent


def test_sweeper_resends_old_pending_runs_one_per_quarter(
    national: National, no_publishing: list[int]
):
    old = timezone.now() - timedelta(minutes=5)
    first = new_run(national.period, national.edition, requested_at=old)
    new_run(national.period, national.edition, requested_at=old + timedelta(seconds=1))
    new_run(national.period, national.edition)  # just asked for: its message is on its way
    sent = calculation_sweep(
        pending_after=timedelta(seconds=60), running_after=timedelta(minutes=5)
    )
    assert sent == no_publishing == [first.pk]


def test_sweeper_resets_a_run_whose_worker_died(national: National, no_publishing: list[int]):
    dead = new_run(
        national.period,
        national.edition,
        status=RunStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=30),
    )
    assert calculation_sweep(
        pending_after=timedelta(seconds=60), running_after=timedelta(minutes=5)
    ) == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == RunStatus.PENDING
    run_calculation(dead.pk)
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (RunStatus.FINISHED, 1)


@pytest.mark.django_db(transaction=True)
def test_sweeper_leaves_a_live_run_alone(
    committed: National, monkeypatch: pytest.MonkeyPatch, no_publishing: list[int]
):
    national = committed
    pause = Pause(monkeypatch)
    run = new_run(national.period, national.edition)
    thread, errors = in_thread(lambda: run_calculation(run.pk))
    assert pause.reached.wait(30)
    assert calculation_sweep(pending_after=timedelta(0), running_after=timedelta(0)) == []
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    pause.go_on.set()
    thread.join(30)
    assert not errors
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED


def test_a_claim_takes_over_a_dead_workers_half_written_run(national: National):
    dead = new_run(national.period, national.edition, status=RunStatus.RUNNING, attempts=1)
    # What a killed worker leaves: some rows of the run, and no lock (its connection died).
    MetricResult.objects.create(
        run=dead,
        period=national.period,
        organisation=national.acute[0],
        metric=national.higher,
        peer_group="trust:acute",
        value=-1.0,
        version=Return.objects.get(organisation=national.acute[0]).versions.get(),
        months=1,
    )
    run_calculation(dead.pk)  # the redelivered message (acks_late)
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (RunStatus.FINISHED, 2)
    assert not MetricResult.objects.filter(run=dead, value=-1.0).exists()
    fresh = calculate(national.period, national.edition, full_requested=True)
    assert snapshot(fresh) == snapshot(dead)


def test_scores_are_decimals_to_two_places(national: National):
    run = calculate(national.period, national.edition)
    scores = MetricResult.objects.filter(run=run, score__isnull=False).values_list(
        "score", flat=True
    )
    assert scores
    assert all(isinstance(s, Decimal) and s == s.quantize(Decimal("0.01")) for s in scores)


def test_the_number_of_statements_does_not_grow_with_the_data(
    national: National, monkeypatch: pytest.MonkeyPatch
):
    """Set-based: no per-row saves or reads, whatever the number of bodies (SPC reads bodies in
    batches of SPC_BATCH_BODIES, a handful of statements each: one batch here)."""
    monkeypatch.setattr(calculation, "SPC_BATCH_BODIES", 100)

    def statements() -> int:
        run = new_run(national.period, national.edition, full_requested=True)
        with CaptureQueriesContext(connection) as queries:
            run_calculation(run.pk)
        return len(queries)

    statements()  # the first run creates the quarter's CurrentRun: a few statements more
    few = statements()
    for trust in build_trusts(20, prefix="RMO"):
        submit(
            trust, national.period, national.edition, {national.higher: 5.0, national.lower: 6.0}
        )
    assert statements() == few
