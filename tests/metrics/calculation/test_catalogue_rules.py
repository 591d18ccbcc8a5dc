"""Only what the catalogue says is charted: an ordinal rating (CQC) gets no SPC series, so no
chart anywhere and no SPC flag, while a measured metric of the same bodies does; and the
shipped SOF catalogue keeps size-dependent counts contextual."""

from __future__ import annotations

import csv

from metrics.catalogue.loading import BUILTIN_FOLDER
from metrics.engine.kinds import Frequency, Polarity
from metrics.models.results import Flag, MetricResult, SpcSeries
from tests.metrics.calculation.support import (
    build_edition,
    build_metric,
    build_period,
    build_trusts,
    calculate,
    submit,
)


def test_a_rating_gets_no_spc_series_and_no_spc_flag(db: None):
    edition, theme = build_edition("sof-ratings")
    periods = [build_period(2021, q) for q in (1, 2, 3)]
    trusts = build_trusts(5, prefix="RRT")
    rating = build_metric(
        edition,
        theme,
        "CQC",
        polarity=Polarity.LOWER_BETTER,
        unit="rating",
        value_type="rating",
        score_map="1=1.00;2=2.00;3=3.00;4=4.00",
    )
    measured = build_metric(edition, theme, "PCT", frequency=Frequency.QUARTERLY)
    for number, period in enumerate(periods):
        for n, trust in enumerate(trusts):
            # Trust 0 falls from Outstanding to Inadequate: a jump SPC would call a signal.
            grade = 4.0 if (n == 0 and number == 2) else float(1 + n % 2)
            submit(trust, period, edition, {rating: grade, measured: 50.0 + n + number})
    run = calculate(periods[-1], edition)
    assert MetricResult.objects.filter(run=run, metric=rating).count() == 5  # shown and scored
    assert not SpcSeries.objects.filter(run=run, metric=rating).exists()
    assert SpcSeries.objects.filter(run=run, metric=measured).count() == 5
    spc_kinds = {"spc_improvement", "spc_concern"}
    rating_flags = Flag.objects.filter(run=run, metric=rating)
    assert not rating_flags.filter(kind__in=spc_kinds).exists()
    for flag in rating_flags:
        assert not [r for r in flag.evidence["reasons"] if r["rule"].startswith("spc")]


def test_the_shipped_sof_catalogue_keeps_size_dependent_counts_contextual():
    with (BUILTIN_FOLDER / "sof-2021-22.csv").open(newline="", encoding="utf-8") as file:
        rows = {row["code"]: row for row in csv.DictReader(file)}
    # Raw counts that grow with a body's size are never compared between bodies.
    for code in ("S003", "S004", "S012", "S015", "S020", "S022", "S023"):
        assert rows[code]["value_type"] == "count"
        assert rows[code]["scored"] == "no", code
    # Percentages of the same pathways are quartiled.
    assert rows["S005"]["scored"] == "yes"
