"""The metric catalogue as data: the shipped catalogues, load rules, export, edits, history."""

from __future__ import annotations

import csv
import importlib
import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from metrics.catalogue.loading import (
    BUILTIN_FOLDER,
    CatalogueError,
    catalogue_export,
    catalogue_load,
    load_builtin_catalogues,
    metric_update,
)
from metrics.catalogue.periods import periods_create
from metrics.catalogue.rows import COLUMNS, CatalogueProblem
from metrics.models.catalogue import CatalogueEvent, FrameworkEdition, Metric
from metrics.models.returns import Return, ReturnState, ReturnVersion, Value
from segmentation.methodology import weighted_average
from tests.conftest import Cast, Registry

pytestmark = pytest.mark.django_db

SOF = "sof-2021-22"
NOF = "nof-2025-26"
SOF_TEXT = (BUILTIN_FOLDER / f"{SOF}.csv").read_text(encoding="utf-8")
NOF_TEXT = (BUILTIN_FOLDER / f"{NOF}.csv").read_text(encoding="utf-8")


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def edited(text: str, which: str, **cells: str) -> tuple[str, int]:
    """The file with some cells of one metric's row changed, and that row's line number."""
    rows = rows_of(text)
    index = next(i for i, row in enumerate(rows) if row["code"] == which)
    rows[index].update(cells)
    # No definition in the shipped files spans lines, so row i is on line i + 2.
    assert text.count("\n") == len(rows) + 1
    return to_csv(rows), index + 2


def problems_of(text: str, edition: str = SOF) -> list[str]:
    with pytest.raises(CatalogueError) as raised:
        catalogue_load(edition_code=edition, csv_text=text, actor=None)
    return [str(p) for p in raised.value.problems]


@pytest.fixture
def loaded() -> None:
    load_builtin_catalogues()


# --- the shipped catalogues ---------------------------------------------------------------


def test_builtin_catalogues_create_editions_and_themes(loaded: None) -> None:
    sof = FrameworkEdition.objects.get(code=SOF)
    nof = FrameworkEdition.objects.get(code=NOF)
    assert (sof.name, sof.methodology) == ("System Oversight Framework 2021/22", "sof_2021_22")
    assert (nof.name, nof.methodology) == ("NHS Oversight Framework 2025/26", "nof_2025_26")
    assert list(sof.themes.values_list("name", flat=True)) == [
        "Quality of care, access and outcomes",
        "Preventing ill health and reducing inequalities",
        "People",
        "Finance and use of resources",
        "Leadership and capability",
        "Local strategic priorities",
    ]
    assert list(nof.themes.values_list("name", flat=True)) == [
        "Access to services",
        "Effectiveness and experience of care",
        "Patient safety",
        "Finance and productivity",
        "People and workforce",
    ]
    assert sof.catalogue_version == nof.catalogue_version == 1


@pytest.mark.parametrize(
    ("edition", "counts"),
    [
        (
            SOF,
            {
                "quality_access_outcomes": 29,
                "prevention_inequalities": 12,
                "people": 12,
                "finance_use_of_resources": 6,
                "leadership_capability": 4,
                "local_strategic_priorities": 3,
            },
        ),
        (
            NOF,
            {
                "access": 5,
                "effectiveness_experience": 1,
                "patient_safety": 3,
                "finance_productivity": 3,
                "people_workforce": 3,
            },
        ),
    ],
)
def test_metric_counts_per_theme(loaded: None, edition: str, counts: dict[str, int]) -> None:
    metrics = Metric.objects.filter(edition__code=edition)
    found = {slug: metrics.filter(theme__slug=slug).count() for slug in counts}
    assert found == counts


# Every metric DESIGN.md says the seed framework names, found by keywords in its name.
SOF_NAMED = [
    ("overall waiting list",),
    ("52 weeks",),
    ("ambulance", "response time"),
    ("cqc overall rating",),
    ("cqc well-led rating",),
    ("mortality",),
    ("cancers diagnosed at stage",),
    ("neonatal",),
    ("antimicrobial resistance",),
    ("vaccination",),
    ("screening",),
    ("deprived",),
    ("ethnic",),
    ("quality of leadership",),
    ("leadership culture",),
    ("people promise index",),
    ("health and wellbeing index",),
    ("bullying", "harassment"),
    ("flexible working",),
    ("retention",),
    ("diversity of leadership",),
    ("performance against financial plan",),
    ("underlying financial position",),
    ("run-rate expenditure",),
    ("trend in reported financial position",),
]


@pytest.mark.parametrize("keywords", SOF_NAMED, ids=" ".join)
def test_sof_holds_every_metric_the_framework_names(loaded: None, keywords: tuple[str]) -> None:
    names = Metric.objects.filter(edition__code=SOF).values_list("name", flat=True)
    assert any(all(k in name.lower() for k in keywords) for name in names), keywords


def test_nof_codes_and_infection_weights(loaded: None) -> None:
    metrics = {m.code: m for m in Metric.objects.filter(edition__code=NOF)}
    assert set(metrics) >= {
        "OF0005", "OF0010", "OF0011", "OF0020", "OF0023", "OF0048", "OF0061", "OF0063",
        "OF0079", "OF0081", "OF0082", "OF0084", "OF0085", "OF0088", "OF0106",
    }  # fmt: skip
    for code in ("OF0020", "OF0048", "OF0088"):
        assert metrics[code].weight == Fraction(1, 3)  # exactly: not 0.3333
        assert metrics[code].exact_weight == Fraction(1, 3)
    assert metrics["OF0023"].polarity == "higher_better"
    assert metrics["OF0023"].frequency == "monthly"
    assert metrics["OF0023"].quarter_basis == "latest"


@pytest.mark.parametrize(
    ("text", "stored", "exported"),
    [("1/3", Fraction(1, 3), "1/3"), ("2/6", Fraction(1, 3), "1/3"), ("0.5", Fraction(1, 2), "1/2"),
     ("0.12345", Fraction(2469, 20000), "2469/20000"), ("3/1", Fraction(3), "3"),
     ("1.0000", Fraction(1), "1")],
)  # fmt: skip
def test_weights_load_exactly_and_export_as_fractions(
    loaded: None, text: str, stored: Fraction, exported: str
) -> None:
    changed, _ = edited(SOF_TEXT, "S005", weight=text)
    catalogue_load(edition_code=SOF, csv_text=changed, actor=None)
    edition = FrameworkEdition.objects.get(code=SOF)
    metric = Metric.objects.get(edition=edition, code="S005")
    assert (metric.weight, metric.exact_weight) == (stored, stored)
    row = next(r for r in rows_of(catalogue_export(edition)) if r["code"] == "S005")
    assert row["weight"] == exported
    again = catalogue_load(edition_code=SOF, csv_text=catalogue_export(edition), actor=None)
    assert not again.changed  # the exported fraction reads back as the same weight


def test_a_body_with_the_infection_metrics_averages_their_exact_thirds(loaded: None) -> None:
    # Hand-worked: OF0023 (weight 1) scores 1.00; the infection metrics (1/3 each) score
    # 1.33, 1.00 and 1.00. Exactly: (1.00 + (1.33 + 1.00 + 1.00) / 3) / (1 + 3/3)
    # = (1.00 + 1.11) / 2 = 1.055 → 1.06 (half up). With 0.3333 for a third:
    # (1.00 + 0.3333 × 3.33) / 1.9999 = 2.109889 / 1.9999 = 1.0549972… → 1.05.
    metrics = {m.code: m for m in Metric.objects.filter(edition__code=NOF)}
    scores = {"OF0023": "1.00", "OF0020": "1.33", "OF0048": "1.00", "OF0088": "1.00"}
    exact = [(Decimal(s), metrics[code].exact_weight) for code, s in scores.items()]
    assert weighted_average(exact) == Decimal("1.06")
    rounded = [(s, Decimal("0.3333") if w != 1 else w) for s, w in exact]
    assert weighted_average(rounded) == Decimal("1.05")


def test_the_migration_turns_rounded_thirds_into_fractions() -> None:
    migration = importlib.import_module("metrics.migrations.0011_metric_weight_exact")
    meant = {
        text: migration.meant_weight(Fraction(text))
        for text in ("0.3333", "0.6667", "0.1667", "1.0000", "0.5", "1.25", "0.1234")
    }
    assert meant == {
        "0.3333": Fraction(1, 3),
        "0.6667": Fraction(2, 3),
        "0.1667": Fraction(1, 6),
        "1.0000": 1,
        "0.5": Fraction(1, 2),
        "1.25": Fraction(5, 4),
        "0.1234": Fraction(617, 5000),  # no small fraction rounds to it: kept as it was
    }


def test_first_load_records_version_one_with_every_metric(loaded: None) -> None:
    event = CatalogueEvent.objects.get(edition__code=SOF)
    assert event.catalogue_version == 1
    assert event.action == CatalogueEvent.Action.LOADED
    assert len(event.detail["created"]) == 66
    assert event.detail["created"]["S005"]["standard"] == "92"
    assert event.detail["updated"] == {}
    assert event.detail["removed"] == {}


# --- export, round trip and idempotence ---------------------------------------------------


@pytest.mark.parametrize(("edition", "text"), [(SOF, SOF_TEXT), (NOF, NOF_TEXT)])
def test_export_is_the_shipped_file(loaded: None, edition: str, text: str) -> None:
    assert catalogue_export(FrameworkEdition.objects.get(code=edition)) == text


def test_export_then_load_changes_nothing(loaded: None) -> None:
    edition = FrameworkEdition.objects.get(code=SOF)
    metric_update(
        metric=Metric.objects.get(edition=edition, code="S019"),
        changes={"standard": "66.75", "weight": "0.5", "applies_to": "ccg ics"},
        actor=None,
    )
    edition.refresh_from_db()
    exported = catalogue_export(edition)
    report = catalogue_load(edition_code=SOF, csv_text=exported, actor=None)
    assert not report.changed
    assert report.unchanged == 66
    edition.refresh_from_db()
    assert edition.catalogue_version == 2
    assert catalogue_export(edition) == exported


def test_reloading_the_same_file_changes_nothing(loaded: None) -> None:
    reports = load_builtin_catalogues()
    assert [r.changed for r in reports] == [False, False]
    assert "nothing changed" in reports[0].summary()
    assert FrameworkEdition.objects.get(code=SOF).catalogue_version == 1
    assert CatalogueEvent.objects.count() == 2


def test_equivalent_text_is_no_change(loaded: None) -> None:
    text, _ = edited(
        SOF_TEXT, "S005", standard="92.0", weight="1.0000", applies_to="acute ics  ccg specialist"
    )
    assert not catalogue_load(edition_code=SOF, csv_text=text, actor=None).changed


# --- changes: version bump and per-metric diff ---------------------------------------------


def test_load_with_changes_bumps_version_and_records_diff(loaded: None, cast: Cast) -> None:
    rows = rows_of(SOF_TEXT)
    rows = [r for r in rows if r["code"] != "S066"]
    next(r for r in rows if r["code"] == "S005")["standard"] = "93"
    rows.append({**rows[0], "code": "S100", "name": "A new metric"})
    report = catalogue_load(edition_code=SOF, csv_text=to_csv(rows), actor=cast.national)
    assert (report.created, report.updated, report.removed) == (("S100",), ("S005",), ("S066",))
    assert report.unchanged == 64
    assert "catalogue version 2" in report.summary()
    edition = FrameworkEdition.objects.get(code=SOF)
    assert edition.catalogue_version == 2
    assert Metric.objects.get(edition=edition, code="S005").standard == 93
    assert not Metric.objects.filter(edition=edition, code="S066").exists()
    event = edition.catalogue_events.first()
    assert event is not None
    assert (event.catalogue_version, event.action, event.actor) == (2, "loaded", cast.national)
    assert event.detail["updated"] == {"S005": {"standard": ["92", "93"]}}
    assert event.detail["created"]["S100"]["name"] == "A new metric"
    assert event.detail["removed"]["S066"]["name"].startswith("Local strategic priority 3")


def test_removing_a_metric_with_values_is_refused(
    loaded: None, registry: Registry, cast: Cast
) -> None:
    metric = Metric.objects.get(edition__code=SOF, code="S066")
    period = periods_create(year=2021)[0]
    return_record = Return.objects.create(
        organisation=registry.system_a1.organisations.get(kind="ics"),
        period=period,
        edition=metric.edition,
        state=ReturnState.SUBMITTED,
    )
    version = ReturnVersion.objects.create(
        return_record=return_record,
        number=1,
        file_name="q1.csv",
        file_content=b"",
        file_sha256="0" * 64,
        file_size=0,
        uploaded_by=cast.submitter,
    )
    Value.objects.create(
        version=version,
        organisation=return_record.organisation,
        metric=metric,
        period_end=period.end,
        value=1,
        row=2,
    )
    rows = [r for r in rows_of(SOF_TEXT) if r["code"] != "S066"]
    rows[0]["name"] = "Changed too"  # nothing at all is written, this change included
    assert problems_of(to_csv(rows)) == [
        "Column code: Metric S066 is not in the file, but returns already hold values for it, "
        "so it cannot be removed. Keep its row in the file."
    ]
    assert Metric.objects.filter(code="S066").exists()
    assert Metric.objects.get(edition__code=SOF, code="S001").name == "CQC overall rating"
    assert FrameworkEdition.objects.get(code=SOF).catalogue_version == 1


# --- validation: every rule, with line and column --------------------------------------------

# (code of the row, cells to set, the expected problem after "Line N, ")
RULES = [
    ("S005", {"theme": "quality"}, 'column theme: "quality" is not a theme of System Oversight '
     "Framework 2021/22. Use one of: quality_access_outcomes, prevention_inequalities, people, "
     "finance_use_of_resources, leadership_capability, local_strategic_priorities."),
    ("S005", {"theme": ""}, "column theme: Give the theme. Use one of: quality_access_outcomes, "
     "prevention_inequalities, people, finance_use_of_resources, leadership_capability, "
     "local_strategic_priorities."),
    ("S005", {"polarity": "up"},
     'column polarity: The polarity "up" is not one of: higher_better, lower_better, neutral.'),
    ("S005", {"valid_min": "abc"},
     'column valid_min: The lowest valid value "abc" is not a number.'),
    ("S005", {"valid_max": "1_000"},
     'column valid_max: The highest valid value "1_000" is not a number.'),
    ("S005", {"standard": "nan"}, 'column standard: The standard "nan" is not a number.'),
    ("S005", {"valid_min": "200"}, "column valid_max: The highest valid value (100) is below the "
     "lowest (200)."),
    ("S001", {"frequency": "monthly"}, "column quarter_basis: A monthly metric needs a quarter "
     "basis (latest, mean, sum): the one value per quarter that quartiles and scores use."),
    ("S005", {"frequency": "quarterly"},
     "column quarter_basis: A quarterly metric has no quarter basis: leave it blank."),
    ("S005", {"quarter_basis": "median"},
     'column quarter_basis: The quarter basis "median" is not one of: latest, mean, sum.'),
    ("S005", {"frequency": "weekly"},
     'column frequency: The frequency "weekly" is not one of: monthly, quarterly.'),
    ("S001", {"score_map": "1=1.00;2=5"}, "column score_map: The score map is not valid: score "
     "map entry '2=5': the score must be from 1.00 to 4.00."),
    ("S001", {"score_map": "1..3=1.00;2..4=2.00"}, "column score_map: The score map is not valid: "
     "score map entries '1..3=1.00' and '2..4=2.00' overlap."),
    ("S005", {"applies_to": "ics trusts"}, 'column applies_to: "trusts" is not a kind of body. '
     "Use any of: ics, ccg, acute, mental_health, community, ambulance, specialist."),
    ("S005", {"applies_to": ""}, "column applies_to: Say which bodies the metric applies to: any "
     "of ics, ccg, acute, mental_health, community, ambulance, specialist."),
    ("S005", {"value_type": "ratio"}, 'column value_type: The value type "ratio" is not one of: '
     "count, percentage, rate, score, rating."),
    ("S005", {"weight": ""},
     "column weight: Give the weight (1 unless the framework weighs the metric otherwise)."),
    ("S005", {"weight": "heavy"},
     'column weight: The weight "heavy" is not a number or a fraction such as 1/3.'),
    ("S005", {"weight": "1e3"},
     'column weight: The weight "1e3" is not a number or a fraction such as 1/3.'),
    ("S005", {"weight": "-1/3"},
     'column weight: The weight "-1/3" is not a number or a fraction such as 1/3.'),
    ("S005", {"weight": "1/0"}, "column weight: The weight 1/0 divides by zero."),
    ("S005", {"weight": "0"},
     "column weight: The weight must be more than 0 and less than 10000, not 0."),
    ("S005", {"weight": "30000/3"},
     "column weight: The weight must be more than 0 and less than 10000, not 30000/3."),
    ("S005", {"weight": "1/" + "3" * 40},
     f"column weight: The weight 1/{'3' * 40} is too long to keep exactly: write it shorter."),
    ("S005", {"scored": "maybe"},
     'column scored: The scored value "maybe" is not one of: yes, no.'),
    ("S005", {"name": " "}, "column name: Give the metric's name."),
    ("S005", {"unit": ""}, "column unit: Give the unit, e.g. %, count or ratio."),
    ("S005", {"name": "x" * 301}, "column name: This is 301 characters long; at most 300 fit."),
    ("S005", {"code": "S 005"},
     'column code: The code "S 005" may hold only letters, digits, ".", "-" and "_".'),
    ("S005", {"code": ""}, "column code: Give the metric's code, e.g. S001 or OF0023."),
    ("S005", {"standard": "150"},
     "column standard: The standard (150) is outside the valid range 0 to 100."),
    ("S005", {"floor": "95"}, "column floor: The floor is above the standard: for a "
     "higher-is-better metric the floor (the worst acceptable) must not be above the standard."),
    ("S006", {"floor": "0.5"}, "column floor: The floor is below the standard: for a "
     "lower-is-better metric the floor (the worst acceptable) must not be below the standard."),
    ("S064", {"standard": "1"},
     "column standard: A neutral metric cannot have a standard: it has no better side."),
    ("S064", {"scored": "yes"}, "column scored: A neutral metric has no better direction, so it "
     "can be scored only through a score map. Set scored to no, or give a score map."),
]  # fmt: skip


@pytest.mark.parametrize(("code", "cells", "expected"), RULES)
def test_each_rule_names_line_and_column(
    loaded: None, code: str, cells: dict[str, str], expected: str
) -> None:
    text, line = edited(SOF_TEXT, code, **cells)
    assert problems_of(text) == [f"Line {line}, {expected}"]


def test_every_problem_of_a_file_is_reported_and_nothing_written(loaded: None) -> None:
    text, _ = edited(SOF_TEXT, "S005", standard="93")  # a good change…
    text, _ = edited(text, "S010", polarity="up", valid_min="x")  # …and two problems
    text, _ = edited(text, "S020", theme="nowhere")
    problems = problems_of(text)
    assert [p.split(":")[0] for p in problems] == [
        "Line 11, column polarity",
        "Line 11, column valid_min",
        "Line 21, column theme",
    ]
    assert Metric.objects.get(edition__code=SOF, code="S005").standard == 92
    assert FrameworkEdition.objects.get(code=SOF).catalogue_version == 1
    assert CatalogueEvent.objects.filter(edition__code=SOF).count() == 1


def test_a_new_edition_is_not_created_by_a_file_with_problems() -> None:
    text, _ = edited(NOF_TEXT, "OF0010", polarity="sideways")
    assert len(problems_of(text, NOF)) == 1
    assert not FrameworkEdition.objects.exists()


def test_duplicate_codes(loaded: None) -> None:
    text, line = edited(SOF_TEXT, "S003", code="s001")
    assert problems_of(text) == [
        f"Line {line}, column code: The code s001 is already used on line 2; "
        "each metric needs its own code."
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["The file is empty: it needs a header row and one row per metric."]),
        (",".join(COLUMNS) + "\n", ["The file has a header but no metrics."]),
        (
            SOF_TEXT.replace("code,name,", "code,title,", 1),
            [
                "Line 1: The header lacks: name.",
                "Line 1: The header has columns this format does not use: title. The columns "
                "are: " + ", ".join(COLUMNS) + ".",
            ],
        ),
        (
            SOF_TEXT.replace(",rollup_per\n", ",rollup_per,source\n", 1),
            ["Line 1: The header repeats: source."],
        ),
        (
            SOF_TEXT.replace(",CQC,,\n", ",CQC,,,extra\n", 1),
            ["Line 2: This row has 21 values but the header has 20 columns."],
        ),
    ],
    ids=["empty", "header only", "wrong column", "repeated column", "extra value"],
)
def test_file_level_problems(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_byte_order_mark_and_blank_lines_are_fine() -> None:
    text = "\ufeff" + SOF_TEXT.replace("\nS010,", "\n\nS010,", 1)
    report = catalogue_load(edition_code=SOF, csv_text=text, actor=None)
    assert len(report.created) == 66


def test_unknown_edition() -> None:
    assert problems_of(SOF_TEXT, "sof-1999-00") == [
        'There is no framework edition "sof-1999-00". Known editions: nof-2025-26, sof-2021-22.'
    ]


def test_problem_text() -> None:
    assert str(CatalogueProblem(4, "unit", "Give it.")) == "Line 4, column unit: Give it."
    assert str(CatalogueProblem(None, "unit", "Give it.")) == "Column unit: Give it."
    assert str(CatalogueProblem(1, None, "Bad.")) == "Line 1: Bad."
    assert str(CatalogueProblem(None, None, "Bad.")) == "Bad."


# --- editing one metric -----------------------------------------------------------------------


def test_metric_update_bumps_version_with_audit(loaded: None, cast: Cast) -> None:
    metric = Metric.objects.get(edition__code=SOF, code="S011")
    updated = metric_update(
        metric=metric,
        changes={"standard": 76.0, "scored": False, "definition": "New text."},
        actor=cast.national,
    )
    assert (updated.standard, updated.scored, updated.definition) == (76, False, "New text.")
    assert updated.edition.catalogue_version == 2
    event = CatalogueEvent.objects.filter(edition__code=SOF).first()
    assert event is not None
    assert (event.action, event.actor, event.catalogue_version) == ("edited", cast.national, 2)
    assert event.detail["updated"]["S011"]["standard"] == ["95", "76"]
    assert event.detail["updated"]["S011"]["scored"] == ["yes", "no"]


def test_metric_update_without_change_keeps_the_version(loaded: None) -> None:
    metric = Metric.objects.get(edition__code=SOF, code="S011")
    metric_update(
        metric=metric, changes={"standard": "95.0", "applies_to": ["acute", "ics"]}, actor=None
    )
    assert FrameworkEdition.objects.get(code=SOF).catalogue_version == 1


def test_metric_update_is_checked_by_the_same_rules(loaded: None) -> None:
    metric = Metric.objects.get(edition__code=SOF, code="S011")
    with pytest.raises(CatalogueError) as raised:
        metric_update(
            metric=metric, changes={"frequency": "monthly", "quarter_basis": ""}, actor=None
        )
    assert [(p.line, p.column) for p in raised.value.problems] == [(None, "quarter_basis")]
    metric.refresh_from_db()
    assert metric.quarter_basis == "mean"
    with pytest.raises(ValueError, match="not editable: code"):
        metric_update(metric=metric, changes={"code": "X"}, actor=None)


# --- management commands ----------------------------------------------------------------------


def test_load_catalogue_command_builtin_and_file(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("load_catalogue", "--builtin", stdout=out)
    assert "System Oversight Framework 2021/22: catalogue version 1 — 66 added" in out.getvalue()
    text, _ = edited(SOF_TEXT, "S005", standard="91")
    path = tmp_path / "sof.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("load_catalogue", "--edition", SOF, str(path), stdout=out)
    assert "1 changed" in out.getvalue()


def test_load_catalogue_command_reports_problems(tmp_path: Path) -> None:
    text, line = edited(SOF_TEXT, "S005", polarity="up")
    path = tmp_path / "sof.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=f"Line {line}, column polarity"):
        call_command("load_catalogue", "--edition", SOF, str(path))
    with pytest.raises(CommandError, match="Give either"):
        call_command("load_catalogue")
    assert not FrameworkEdition.objects.exists()


def test_export_catalogue_command(loaded: None, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("export_catalogue", NOF, stdout=out)
    assert out.getvalue() == NOF_TEXT
    path = tmp_path / "sof.csv"
    call_command("export_catalogue", SOF, "--output", str(path), stderr=io.StringIO())
    assert path.read_text(encoding="utf-8") == SOF_TEXT
    with pytest.raises(CommandError, match='no edition "nope"'):
        call_command("export_catalogue", "nope")
