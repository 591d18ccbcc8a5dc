"""National results of a run on PostgreSQL: its SQL against the pure functions, only accepted
versions, the quarter's basis, and a constant number of statements."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.calculation import steps
from metrics.calculation.runs import (
    run_calculation,
)
from metrics.engine.kinds import Frequency
from metrics.engine.quartiles import quartile_of, quartile_thresholds, rank_and_percentile
from metrics.engine.scoring import bespoke_score, metric_scores, parse_score_map
from metrics.models.calculation import CurrentRun, InputSet, RunStatus
from metrics.models.catalogue import Metric
from metrics.models.results import Flag, MetricResult, QuartileThreshold
from metrics.models.returns import Return
from tests.metrics.calculation.support import (
    SCORE_MAP,
    National,
    build_edition,
    build_metric,
    build_period,
    build_trusts,
    calculate,
    new_run,
    submit,
    values_of,
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
        # A contextual metric's distribution is stored, but no body is quartiled against it.
        body: None if not metric.scored else quartile_of(value, thresholds, metric.polarity)
        for body, value in values.items()
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
    contextual = list(MetricResult.objects.filter(run=run, metric=national.contextual))
    assert len(contextual) == 12  # shown: every body's value, ranked for context
    assert {r.score for r in contextual} == {None}
    # Never quartiled, and never flagged (no flag of any kind), though ranked.
    assert {r.quartile for r in contextual} == {None}
    assert {r.rank for r in contextual if r.peer_group == "trust:acute"} == set(range(1, 10))
    assert not Flag.objects.filter(run=run, metric=national.contextual).exists()
    # The same values as a scored metric are quartiled and flagged: the rule is the catalogue's.
    assert Flag.objects.filter(run=run, metric=national.higher, kind="top_quartile").exists()


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
    assert run.input_set is not None
    assert set(run.input_set.version_ids) == accepted
    assert run.input_set.version_ids == sorted(accepted)
    assert run.method_version == steps.METHOD_VERSION
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
    # A second run that reads the same versions points at the same set: nothing copied.
    again = calculate(national.period, national.edition, full_requested=True)
    assert again.input_set_id == run.input_set_id
    assert InputSet.objects.count() == 1


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
    monkeypatch.setattr(steps, "SPC_BATCH_BODIES", 100)

    def statements() -> int:
        run = new_run(national.period, national.edition, full_requested=True)
        with CaptureQueriesContext(connection) as queries:
            run_calculation(run.pk)
        run.refresh_from_db()
        assert run.status == RunStatus.FINISHED, run.error  # counted a run that did its work
        return len(queries)

    statements()  # the first run creates the quarter's CurrentRun: a few statements more
    # New data each time: each counted run records a new input set (one that reads the same
    # versions as an earlier run only points at its set: a statement less).
    submit(
        build_trusts(1, prefix="RMN")[0], national.period, national.edition, {national.higher: 1}
    )
    few = statements()
    assert few > 0
    for trust in build_trusts(20, prefix="RMO"):
        submit(
            trust, national.period, national.edition, {national.higher: 5.0, national.lower: 6.0}
        )
    assert statements() == few
