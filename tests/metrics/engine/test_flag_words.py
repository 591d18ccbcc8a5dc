"""A flag's words are rendered on read from the facts a run stores: the same words as when the
run wrote them. TODAY holds the sentences the engine stored with each flag before evidence
became facts (captured from the engine of main 7930301 on these hand-worked facts)."""

from __future__ import annotations

import importlib
import json
from decimal import Decimal
from typing import Any

import pytest

from metrics.engine.flag_words import NO_WORDS, flag_sentences
from metrics.engine.flags import (
    DEFAULT_DEFINITIONS,
    Facts,
    MetricFacts,
    PastQuartile,
    ResultFacts,
    SeriesFacts,
    Thresholds,
    body_metric_flags,
)
from metrics.engine.kinds import FlagKind, stored_values


def series(**changes: Any) -> SeriesFacts:
    """A concern: outside the limits, in a low run, consistently failing (or as changed)."""
    base: dict[str, Any] = {
        "latest_period_end": "2022-03-31",
        "latest_value": 41.5,
        "latest_signals": [["outside_limits", "low", "concern"]],
        "latest_classification": "concern",
        "trial": False,
        "concern_outside_limits": True,
        "concern_run_or_trend": True,
        "consistently_fails": True,
        "mean": 50.25,
        "ucl": 62.0,
        "lcl": 38.5,
        "assurance": "consistently_fail",
    }
    return SeriesFacts(**(base | changes))


HISTORY = (
    PastQuartile("2021-22 Q3", 1),
    PastQuartile("2021-22 Q2", 4),
    PastQuartile("2021-22 Q1", 4),
)
T = Thresholds(n=12, p25=48.5, p50=55.125, p75=61.0)
CASES = {
    "bottom": Facts(
        MetricFacts("M1", "Metric one", "higher_better", 60.0),
        ResultFacts(41.5, "trust:acute", 12, 4, Decimal("4.00"), T),
        series(),
        HISTORY,
        "2021-22 Q4",
    ),
    "top": Facts(
        MetricFacts("M2", "Metric two", "lower_better", None),
        ResultFacts(0.125, "ccg", 1, 1, Decimal("1.00"), Thresholds(106, 0.5, 1.25, 3.0)),
        series(
            latest_value=0.125,
            latest_signals=[["two_of_three", "low", "improvement"]],
            latest_classification="improvement",
            concern_outside_limits=False,
            concern_run_or_trend=False,
            consistently_fails=False,
            assurance="consistently_pass",
        ),
        (),
        "2021-22 Q4",
    ),
    "variance": Facts(
        MetricFacts("S054", "Variance against financial plan", "higher_better", None),
        ResultFacts(-1.5, "trust:acute", 9, 3, None, T),
        None,
        (),
        "2021-22 Q4",
    ),
    "cqc": Facts(
        MetricFacts("S001", "CQC well-led rating", "lower_better", None),
        ResultFacts(4.0, "trust:acute", None, None, None, None),
        None,
        (),
        "2021-22 Q4",
    ),
    "cqc3": Facts(
        MetricFacts("S060", "CQC overall rating", "lower_better", 2.0),
        ResultFacts(3.0, "trust:acute", None, None, None, None),
        None,
        (),
        "2021-22 Q4",
    ),
    "standard_low": Facts(
        MetricFacts("M3", "Metric three", "lower_better", 18.0),
        ResultFacts(18.25, "trust:acute", None, None, None, None),
        None,
        (),
        "2021-22 Q4",
    ),
}

TODAY = [
    ("bottom", "bottom_quartile", [
        (
            "Quarter value 41.5 is in quartile 4 of 12 bodies in trust:acute (P25 48.5, P50 "
            "55.125, P75 61; higher better)."
        ),
    ]),
    ("bottom", "dramatic_drop", [
        (
            "The latest point (41.5, 2022-03-31) is a special-cause concern outside the "
            "process limits (38.5 to 62)."
        ),
        "Fell from quartile 1 in 2021-22 Q3 to quartile 4 in 2021-22 Q4.",
    ]),
    ("bottom", "sustained_very_poor", [
        (
            "Bottom quartile in 3 of the last 4 quarters (2021-22 Q4, 2021-22 Q2, 2021-22 "
            "Q1)."
        ),
        "The latest point (2022-03-31) is part of a concern-side SPC run or trend.",
        (
            "SPC assurance is consistently fail: the target lies beyond the process limits "
            "(38.5 to 62) on the wrong side."
        ),
    ]),
    ("bottom", "spc_concern", [
        (
            "The latest point (41.5, 2022-03-31) shows special-cause concern (outside "
            "limits)."
        ),
    ]),
    ("bottom", "failing_standard", [
        "Quarter value 41.5 is below the standard 60.",
    ]),
    ("top", "top_quartile", [
        (
            "Quarter value 0.125 is in quartile 1 of 106 bodies in ccg (P25 0.5, P50 1.25, "
            "P75 3; lower better)."
        ),
    ]),
    ("top", "spc_improvement", [
        (
            "The latest point (0.125, 2022-03-31) shows special-cause improvement (two of "
            "three)."
        ),
    ]),
    ("variance", "negative_variance_financial_plan", [
        (
            "Variance against the financial plan is -1.5, below 0 (Variance against financial "
            "plan)."
        ),
    ]),
    ("cqc", "cqc_below_good", [
        "CQC well-led rating is Inadequate, below Good.",
    ]),
    ("cqc3", "failing_standard", [
        "Quarter value 3 is above the standard 2.",
    ]),
    ("cqc3", "cqc_below_good", [
        "CQC overall rating is Requires improvement, below Good.",
    ]),
    ("standard_low", "failing_standard", [
        "Quarter value 18.25 is above the standard 18.",
    ]),
]  # fmt: skip


def stored(facts: Facts) -> dict[str, dict[str, Any]]:
    """The flags raised on ``facts`` as a run stores them: JSON text, read back."""
    raised = body_metric_flags(facts, DEFAULT_DEFINITIONS)
    return {kind: json.loads(json.dumps(evidence)) for kind, evidence in raised.items()}


@pytest.mark.parametrize(
    ("case", "kind", "sentences"), TODAY, ids=[f"{c}-{k}" for c, k, _ in TODAY]
)
def test_every_kind_renders_todays_words_from_stored_facts(
    case: str, kind: str, sentences: list[str]
) -> None:
    evidence = stored(CASES[case])[kind]
    assert flag_sentences(evidence, DEFAULT_DEFINITIONS[kind]) == sentences


def test_the_cases_raise_every_kind_and_nothing_else() -> None:
    raised = {(case, kind) for case, facts in CASES.items() for kind in stored(facts)}
    assert raised == {(case, kind) for case, kind, _ in TODAY}
    assert {kind for _, kind in raised} == set(stored_values(FlagKind))


def test_stored_evidence_is_facts_not_words() -> None:
    for facts in CASES.values():
        for evidence in stored(facts).values():
            assert "text" not in json.dumps(evidence)
            assert all(len(json.dumps(reason)) < 250 for reason in evidence["reasons"])


def test_the_window_comes_from_the_parameters() -> None:
    evidence = stored(CASES["bottom"])[FlagKind.SUSTAINED_VERY_POOR]
    wider = {**DEFAULT_DEFINITIONS[FlagKind.SUSTAINED_VERY_POOR], "of_last_quarters": 6}
    assert flag_sentences(evidence, wider)[0].startswith("Bottom quartile in 3 of the last 6 ")


@pytest.mark.parametrize(
    "evidence",
    [
        None,
        {},
        {"reasons": []},
        {"reasons": [{"rule": "unknown"}]},
        {"reasons": [{"rule": "quartile"}]},
    ],
)
def test_missing_facts_say_so(evidence: object) -> None:
    assert flag_sentences(evidence, {}) == [NO_WORDS]


@pytest.mark.parametrize(
    ("case", "kind", "sentences"), TODAY, ids=[f"{c}-{k}" for c, k, _ in TODAY]
)
def test_flags_stored_with_sentences_migrate_to_the_same_facts_and_words(
    case: str, kind: str, sentences: list[str]
) -> None:
    """Migration 0013 on a flag as runs stored it until now: sentences in, facts out."""
    migration = importlib.import_module("metrics.migrations.0013_flag_evidence_as_facts")
    facts = stored(CASES[case])[kind]
    newer = {
        "quartile": "polarity",
        "negative_variance": "metric_name",
        "cqc_rating": "metric_name",
    }
    older = {  # facts older reasons kept only in their text
        **facts,
        "reasons": [
            {**{k: v for k, v in reason.items() if k != newer.get(reason["rule"])}, "text": text}
            for reason, text in zip(facts["reasons"], sentences, strict=True)
        ],
    }
    migrated = migration.evidence_as_facts(older, "A renamed metric", "neutral")
    assert migrated == facts  # read from the text, not from today's metric
    assert flag_sentences(migrated, DEFAULT_DEFINITIONS[kind]) == sentences
