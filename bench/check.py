"""Are a calculation run's outputs identical to the pandas reference's? Print every difference.

Compared exactly (floats bit for bit): each threshold (n, P25, P50, P75) per metric and peer
group; each result (value, rank, percentile, quartile, score, months, version) per body and
metric; each SPC series' summary (points, mean, AMR, limits, trial, icons, the latest point
and its signals); the set of flags (body, metric, kind), and each flag's evidence and
parameters against what metrics.flags says for the reference's facts; and that every flag's
words render from its stored facts (metrics.engine.flag_words).

Both sides follow METHOD_VERSION 2026.2: a contextual metric (not scored) has results ranked
(rank, percentile) and its group's thresholds, but no quartile, score or flag; a rating (value
type ``rating``, e.g. CQC) has results and flags from them but no SPC series. The engine's
outputs are also checked against those two rules on their own (``_check_method``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from bench.pandas_reference import GROUP, KEYS, Reference
from bench.pandas_spc import latest_signals
from metrics.engine.flag_words import NO_WORDS, flag_sentences
from metrics.engine.flags import (
    Facts,
    MetricFacts,
    PastQuartile,
    ResultFacts,
    SeriesFacts,
    Thresholds,
    body_metric_flags,
)

SHOWN = 5  # differences printed per column

RESULT_COLUMNS = [
    "peer_group",
    "value",
    "rank",
    "percentile",
    "quartile",
    "score",
    "months",
    "version_id",
]
SPC_COLUMNS = [
    "points",
    "mean",
    "amr",
    "ucl",
    "lcl",
    "upper_two_sigma",
    "lower_two_sigma",
    "trial",
    "variation",
    "assurance",
    "latest_period_end",
    "latest_value",
    "latest_classification",
    "concern_outside_limits",
    "concern_run_or_trend",
    "consistently_fails",
]


def engine_outputs(run_id: int) -> dict[str, pd.DataFrame]:
    from metrics.models.results import Flag, MetricResult, QuartileThreshold, SpcSeries

    def frame(queryset: Any, columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame.from_records(list(queryset.values_list(*columns)), columns=columns)

    results = frame(MetricResult.objects.filter(run_id=run_id), [*KEYS, *RESULT_COLUMNS])
    results["score"] = [None if s is None else int(s * 100) for s in results["score"]]
    return {
        "thresholds": frame(
            QuartileThreshold.objects.filter(run_id=run_id), [*GROUP, "n", "p25", "p50", "p75"]
        ),
        "results": results,
        "spc": frame(
            SpcSeries.objects.filter(run_id=run_id), [*KEYS, *SPC_COLUMNS, "latest_signals"]
        ),
        "flags": frame(
            Flag.objects.filter(run_id=run_id), [*KEYS, "kind", "evidence", "parameters"]
        ),
    }


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Equal, or both missing (None, NaN and NA alike); floats compared bit for bit."""
    left, right = a.astype(object).to_numpy(), b.astype(object).to_numpy()
    left_missing, right_missing = pd.isna(a).to_numpy(), pd.isna(b).to_numpy()
    equal = [
        lm == rm if lm or rm else bool(x == y)
        for x, y, lm, rm in zip(left, right, left_missing, right_missing, strict=True)
    ]
    return np.array(equal, dtype=bool)


def compare_table(name: str, engine: pd.DataFrame, ours: pd.DataFrame, keys, columns) -> int:
    """Print the rows only one side has and every column that differs; return how many."""
    both = engine.merge(ours, on=keys, how="outer", suffixes=("_engine", "_pandas"), indicator=True)
    problems = 0
    for side, label in (("left_only", "only the engine has"), ("right_only", "only pandas has")):
        extra = both[both["_merge"] == side]
        if len(extra):
            problems += len(extra)
            print(f"  {name}: {len(extra)} rows {label}, e.g. {extra[keys].head(SHOWN).values}")
    matched = both[both["_merge"] == "both"]
    for column in columns:
        a, b = matched[f"{column}_engine"], matched[f"{column}_pandas"]
        wrong = ~_same(a, b)
        if wrong.any():
            problems += int(wrong.sum())
            rows = matched.loc[wrong, [*keys, f"{column}_engine", f"{column}_pandas"]]
            print(f"  {name}.{column}: {int(wrong.sum())} of {len(matched)} differ, e.g.")
            print("    " + rows.head(SHOWN).to_string(index=False).replace("\n", "\n    "))
    print(f"  {name}: {len(matched):,} rows compared, {problems} differences")
    return problems


def check(run_id: int, reference: Reference, definitions: Mapping[str, Any]) -> int:
    """Compare everything; return the number of differences (0: identical)."""
    engine = engine_outputs(run_id)
    ref = reference
    spc = ref.spc.copy()
    spc["latest_period_end"] = spc["latest_period_end"].dt.strftime("%Y-%m-%d")
    engine["spc"]["latest_period_end"] = engine["spc"]["latest_period_end"].astype(str)
    spc["signals"] = [latest_signals(row) for row in spc.to_dict("records")]
    engine["spc"]["signals"] = engine["spc"]["latest_signals"]
    problems = compare_table(
        "thresholds", engine["thresholds"], ref.thresholds, GROUP, ["n", "p25", "p50", "p75"]
    )
    problems += compare_table("results", engine["results"], ref.results, KEYS, RESULT_COLUMNS)
    problems += compare_table("spc", engine["spc"], spc, KEYS, [*SPC_COLUMNS, "signals"])
    problems += compare_table(
        "flags",
        engine["flags"].drop(columns=["evidence", "parameters"]).assign(x=1),
        ref.flags.assign(x=1),
        [*KEYS, "kind"],
        ["x"],
    )
    problems += _check_evidence(engine["flags"], ref, spc, definitions)
    return problems + _check_method(engine, ref.metrics)


def _check_method(engine: Mapping[str, pd.DataFrame], metrics: pd.DataFrame) -> int:
    """METHOD_VERSION 2026.2 on the engine's own outputs: contextual metrics never quartiled,
    scored or flagged; ratings never charted."""
    contextual = set(metrics.index[~metrics["scored"].astype(bool)])
    ratings = set(metrics.index[metrics["value_type"] == "rating"])
    results = engine["results"][engine["results"]["metric_id"].isin(contextual)]
    broken = {
        "contextual results quartiled or scored": int(
            (results["quartile"].notna() | results["score"].notna()).sum()
        ),
        "contextual flags": int(engine["flags"]["metric_id"].isin(contextual).sum()),
        "rating SPC series": int(engine["spc"]["metric_id"].isin(ratings).sum()),
    }
    print(
        f"  method 2026.2: {len(results):,} contextual results ({len(contextual)} metrics), "
        + ", ".join(f"{n} {what}" for what, n in broken.items())
    )
    return sum(broken.values())


def _facts(row: Mapping[str, Any], ref: Reference, thresholds: dict, spc: dict) -> Facts:
    metric = ref.metrics.loc[row["metric_id"]]
    standard = None if pd.isna(metric["standard"]) else float(metric["standard"])
    t = thresholds.get((row["metric_id"], row["peer_group"]))
    score = None if pd.isna(row["score"]) else Decimal(int(row["score"])).scaleb(-2)
    result = ResultFacts(
        float(row["value"]),
        row["peer_group"],
        None if pd.isna(row["rank"]) else int(row["rank"]),
        None if pd.isna(row["quartile"]) else int(row["quartile"]),
        score,
        Thresholds(int(t["n"]), t["p25"], t["p50"], t["p75"]) if t is not None else None,
    )
    history = tuple(
        PastQuartile(label, None if pd.isna(q) else int(q))
        for label, q in zip(
            ref.labels[1:], (row.get(f"back{b}") for b in range(1, len(ref.labels))), strict=True
        )
    )
    return Facts(
        MetricFacts(metric["code"], metric["name"], metric["polarity"], standard),
        result,
        spc.get((row["organisation_id"], row["metric_id"])),
        history,
        ref.labels[0],
    )


def _series_facts(spc: pd.DataFrame) -> dict[tuple[int, int], SeriesFacts]:
    """The series the run reads for flags: only those that can raise one (calculation_flags)."""
    signalling = (
        spc["concern_outside_limits"]
        | spc["concern_run_or_trend"]
        | spc["consistently_fails"]
        | (~spc["trial"] & spc["latest_classification"].isin(["improvement", "concern"]))
    )
    return {
        (r["organisation_id"], r["metric_id"]): SeriesFacts(
            r["latest_period_end"],
            float(r["latest_value"]),
            r["signals"],
            r["latest_classification"],
            bool(r["trial"]),
            bool(r["concern_outside_limits"]),
            bool(r["concern_run_or_trend"]),
            bool(r["consistently_fails"]),
            float(r["mean"]),
            float(r["ucl"]),
            float(r["lcl"]),
            r["assurance"],
        )
        for r in spc[signalling].to_dict("records")
    }


def _check_evidence(engine_flags: pd.DataFrame, ref: Reference, spc, definitions) -> int:
    """Each flag's evidence and parameters, against metrics.flags on the reference's facts."""
    thresholds = {(r["metric_id"], r["peer_group"]): r for r in ref.thresholds.to_dict("records")}
    series = _series_facts(spc)
    flagged = ref.flags[KEYS].drop_duplicates().merge(ref.results, on=KEYS)
    flagged = flagged.merge(ref.history, on=KEYS)
    kinds = {key: set(group) for key, group in ref.flags.groupby(KEYS)["kind"]}
    expected: dict[tuple[int, int, str], tuple[Any, Any]] = {}
    kinds_disagree = 0
    for row in flagged.to_dict("records"):
        raised = body_metric_flags(_facts(row, ref, thresholds, series), definitions)
        if set(raised) != kinds[(row["organisation_id"], row["metric_id"])]:
            kinds_disagree += 1
        for kind, evidence in raised.items():
            key = (row["organisation_id"], row["metric_id"], kind)
            expected[key] = (json.loads(json.dumps(evidence)), dict(definitions[kind]))
    differ = 0
    for row in engine_flags.to_dict("records"):
        key = (row["organisation_id"], row["metric_id"], row["kind"])
        if key in expected and (row["evidence"], row["parameters"]) != expected[key]:
            differ += 1
            if differ <= SHOWN:
                print(
                    f"  flag evidence {key}:\n    engine {row['evidence']}\n"
                    f"    pandas {expected[key][0]}"
                )
    if kinds_disagree:
        print(
            f"  flags: for {kinds_disagree} body-metrics the vectorised kinds differ from "
            "metrics.flags on the same facts (a bug in the pandas reference)"
        )
    print(f"  flag evidence: {len(expected):,} compared, {differ} differences")
    return differ + kinds_disagree + _check_words(engine_flags)


def _check_words(engine_flags: pd.DataFrame) -> int:
    """Every stored flag says its reasons in words when read (metrics.engine.flag_words)."""
    unworded = sum(
        NO_WORDS in flag_sentences(evidence, parameters)
        for evidence, parameters in zip(
            engine_flags["evidence"], engine_flags["parameters"], strict=True
        )
    )
    print(f"  flag words: {len(engine_flags):,} rendered on read, {unworded} without words")
    return unworded
