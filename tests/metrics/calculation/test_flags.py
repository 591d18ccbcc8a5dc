"""The flags and SPC series a run stores, and the embedded default giving the same on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from metrics.engine.flag_words import NO_WORDS, flag_sentences
from metrics.engine.kinds import FlagKind, stored_values
from metrics.engine.spc.analysis import spc_analyse
from metrics.models.results import Flag, SpcSeries
from tests.metrics.calculation.support import History, portable


def test_top_and_bottom_quartile_flags_explain_the_thresholds(history: History):
    top = history.flags("C")[("QH", FlagKind.TOP_QUARTILE)]
    (reason,) = top["reasons"]
    assert top["value"] == 30.0
    assert reason["quartile"] == 1
    assert (reason["n"], reason["p25"], reason["p50"], reason["p75"]) == (5, 2.0, 10.0, 20.0)
    (words,) = flag_sentences(top, history.last.parameters["flags"][FlagKind.TOP_QUARTILE])
    assert "quartile 1 of 5 bodies in trust:acute" in words
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
    (words,) = flag_sentences(
        evidence, history.last.parameters["flags"][FlagKind.SUSTAINED_VERY_POOR]
    )
    assert words.startswith("Bottom quartile in 3 of the last 4 quarters")


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
    assert {flag.kind for flag in flags} == set(stored_values(FlagKind))
    for flag in flags:
        assert flag.parameters == history.last.parameters["flags"][flag.kind]
        assert flag.period == history.periods[-1]
        assert not any("text" in reason for reason in flag.evidence["reasons"])  # facts only
        assert NO_WORDS not in flag_sentences(flag.evidence, flag.parameters)  # words on read


def test_spc_series_are_stored_as_metrics_spc_computes_them(history: History):
    assert history.trusts
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


def test_the_embedded_default_on_sqlite_gives_the_same_results(history: History, tmp_path: Path):
    """The fallbacks (thresholds by metrics.quartiles, no locks, executemany for COPY)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_"))
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "CELERY_TASK_ALWAYS_EAGER": "true",  # the embedded profile, as .env.local sets it
    }
    code = (
        "from tests.metrics.calculation.support import History, portable\n"
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
