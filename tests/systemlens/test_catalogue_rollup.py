"""The catalogue says how a metric rolls up to an ICS: two optional CSV columns, checked like
every cell, shipped for the SOF 2021/22 metrics where a roll-up is sound."""

from __future__ import annotations

from metrics.catalogue.loading import load_builtin_catalogues
from metrics.catalogue.rows import validate_row
from metrics.models.catalogue import Metric

ROW = {
    "code": "X1",
    "name": "Thing",
    "theme": "quality",
    "applies_to": "acute",
    "polarity": "higher_better",
    "unit": "%",
    "value_type": "percentage",
    "frequency": "quarterly",
    "weight": "1",
    "scored": "yes",
}


def _problems(**cells):
    _, problems = validate_row({**ROW, **cells}, line=2, theme_slugs=["quality"], edition_name="E")
    return [(p.column, p.message) for p in problems]


def test_roll_up_cells_are_checked():
    assert _problems() == []
    assert _problems(rollup="ratio", rollup_per="1000") == []
    assert _problems(rollup="median") == [
        ("rollup", 'The roll-up "median" is not one of: sum, ratio, weighted_mean.')
    ]
    assert _problems(rollup="sum", rollup_per="10") == [
        ("rollup_per", "Only a ratio roll-up has a base: leave it blank.")
    ]
    assert _problems(rollup="ratio", rollup_per="0") == [
        ("rollup_per", "The roll-up base must be more than 0.")
    ]


def test_the_shipped_sof_catalogue_names_its_roll_ups(db):
    load_builtin_catalogues()
    methods = dict(
        Metric.objects.filter(edition__code="sof-2021-22")
        .exclude(rollup="")
        .values_list("code", "rollup")
    )
    assert methods["S004"] == "sum"  # 52-week waiters add up
    assert methods["S005"] == "ratio"  # within 18 weeks: total within over total waiting
    assert methods["S030"] == "weighted_mean"  # vaccination uptake by population
    assert "S001" not in methods  # a CQC rating is not rolled up
