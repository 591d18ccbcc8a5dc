"""The same outputs as a full calculation run, the way an analyst would compute them in pandas.

Read the accepted values with ``pd.read_sql``, then groupby: the quarter value of each body and
metric by the metric's basis, quartile thresholds per metric and peer group (at least
``min_bodies`` bodies), ranks, percentiles, quartiles, scores (standard, floor, bespoke map),
SPC per series (bench.pandas_spc) and the flags. Everything is computed from the raw values,
previous quarters' quartiles (which the flags look back on) included.

Two details make the outputs bit-identical to PostgreSQL's rather than merely close: a sum or
mean of months adds them in the order the run's statement feeds them to SUM/AVG (latest month
first), and percentiles use percentile_cont's arithmetic, lo + p × (hi − lo), which numpy's
interpolation does not always round the same way.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bench.pandas_spc import spc_frame
from metrics.engine.scoring import parse_score_map
from oversight.clock import Clock

KEYS = ["organisation_id", "metric_id"]
CHUNK_ROWS = 1_000_000
GROUP = ["metric_id", "peer_group"]

VALUES_SQL = """
SELECT v.organisation_id, v.metric_id, r.period_id, v.period_end, v.value, v.version_id
FROM metrics_return r
JOIN metrics_period p ON p.id = r.period_id
JOIN metrics_value v ON v.version_id = r.accepted_version_id
WHERE r.edition_id = %(edition)s AND p."end" <= %(end)s
  AND v.period_end >= p.start AND v.period_end <= p."end"
"""
METRICS_SQL = """
SELECT id, code, name, polarity, quarter_basis, standard, floor, score_map, scored, value_type
FROM metrics_metric WHERE edition_id = %(edition)s
"""
BODIES_SQL = "SELECT id AS organisation_id, peer_group FROM oversight_organisation"
PERIODS_SQL = 'SELECT id, year, quarter FROM metrics_period WHERE "end" <= %(end)s'


@dataclass
class Reference:
    results: pd.DataFrame  # the latest quarter's, one row per body and metric
    thresholds: pd.DataFrame
    spc: pd.DataFrame
    flags: pd.DataFrame  # organisation_id, metric_id, kind
    metrics: pd.DataFrame
    history: pd.DataFrame  # previous quarters' quartiles, one column per quarter back
    labels: list[str]  # the latest quarter's label, then the previous quarters', latest first
    timings: dict[str, float] = field(default_factory=dict)


def _read(sql: str, params: Mapping[str, object], **options: Any) -> pd.DataFrame:
    from django.db import connection

    connection.ensure_connection()
    with warnings.catch_warnings():  # pandas prefers SQLAlchemy; a DBAPI connection works
        warnings.simplefilter("ignore", UserWarning)
        return pd.read_sql(sql, connection.connection, params=params, **options)


def reference_run(*, edition_id: int, period: Any, parameters: Mapping[str, Any]) -> Reference:
    """Compute the quarter ``period``'s outputs with the run's ``parameters``."""
    timings: dict[str, float] = {}
    tick = Clock()
    params = {"edition": edition_id, "end": period.end}
    # In chunks, as one would for tens of millions of rows: a chunk of Python rows at a time.
    chunks = _read(VALUES_SQL, params, parse_dates=["period_end"], chunksize=CHUNK_ROWS)
    values = pd.concat(chunks, ignore_index=True)
    metrics = _read(METRICS_SQL, params).set_index("id")
    bodies = _read(BODIES_SQL, params)
    periods = _read(PERIODS_SQL, params).sort_values(["year", "quarter"], ascending=False)
    timings["read"] = tick.elapsed()

    tick = Clock()
    back = max([2] + [d.get("of_last_quarters", 0) for d in parameters["flags"].values()])
    recent = periods["id"].tolist()[:back]  # the latest quarter first
    quarters = quarter_values(values[values["period_id"].isin(recent)], metrics, bodies)
    min_bodies = parameters["quartiles"]["min_bodies"]
    ranked = {}
    for period_id, rows in quarters.groupby("period_id"):
        thresholds = quartile_thresholds(rows, min_bodies)
        ranked[period_id] = (ranks_and_quartiles(rows, thresholds, metrics), thresholds)
    results, thresholds = ranked[period.pk]
    results = scores(results, metrics)
    timings["results"] = tick.elapsed()

    tick = Clock()
    # A rating (CQC: Outstanding … Inadequate) is an ordinal code, no process: no SPC series.
    pairs = results.loc[results["metric_id"].map(metrics["value_type"]) != "rating", KEYS]
    series = values.merge(pairs, on=KEYS).sort_values([*KEYS, "period_end"], kind="stable")
    spc = spc_frame(series, metrics, parameters["spc"])
    timings["spc"] = tick.elapsed()

    tick = Clock()
    history = _history(results, ranked, recent)
    flags = flag_kinds(results, spc, history, metrics, parameters["flags"])
    timings["flags"] = tick.elapsed()
    labels = [f"{y}-{(y + 1) % 100:02d} Q{q}" for y, q in periods[["year", "quarter"]].values]
    return Reference(results, thresholds, spc, flags, metrics, history, labels[:back], timings)


def quarter_values(values: pd.DataFrame, metrics: pd.DataFrame, bodies: pd.DataFrame):
    """One value per body, metric and quarter by the metric's basis (latest, mean or sum)."""
    ordered = values.sort_values(
        [*KEYS, "period_id", "period_end"], ascending=[True, True, True, False]
    )
    keys = [*KEYS, "period_id"]
    position = ordered.groupby(keys, sort=False).cumcount()
    wide = ordered.set_index([*keys, position])["value"].unstack()
    total = wide[0].to_numpy(copy=True)
    for column in wide.columns[1:]:  # latest month first, as SUM/AVG receive them
        month = wide[column].to_numpy()
        total = np.where(np.isnan(month), total, total + month)
    frame = wide.index.to_frame(index=False)
    frame["months"] = wide.notna().sum(axis=1).to_numpy()
    frame["version_id"] = ordered.groupby(keys)["version_id"].max().loc[wide.index].to_numpy()
    basis = frame["metric_id"].map(metrics["quarter_basis"]).to_numpy()
    frame["value"] = np.select(
        [basis == "sum", basis == "mean"], [total, total / frame["months"]], wide[0].to_numpy()
    )
    return frame.merge(bodies, on="organisation_id")


def _percentile(sorted_values: np.ndarray, starts: np.ndarray, n: np.ndarray, p: float):
    h = p * (n - 1)
    below = np.floor(h).astype(int)
    low = sorted_values[starts + below]
    high = sorted_values[starts + np.minimum(below + 1, n - 1)]
    return np.where(h == below, low, low + (h - below) * (high - low))


def quartile_thresholds(rows: pd.DataFrame, min_bodies: int) -> pd.DataFrame:
    ordered = rows.sort_values([*GROUP, "value"])
    groups = ordered.groupby(GROUP, sort=False).size().reset_index(name="n")
    starts = np.r_[0, np.cumsum(groups["n"].to_numpy())[:-1]]
    n = groups["n"].to_numpy()
    sorted_values = ordered["value"].to_numpy()
    for name, p in (("p25", 0.25), ("p50", 0.5), ("p75", 0.75)):
        groups[name] = _percentile(sorted_values, starts, n, p)
    return groups[groups["n"] >= min_bodies].reset_index(drop=True)


def ranks_and_quartiles(rows: pd.DataFrame, thresholds: pd.DataFrame, metrics: pd.DataFrame):
    frame = rows.copy()
    polarity = frame["metric_id"].map(metrics["polarity"])
    higher = (polarity == "higher_better").to_numpy()
    ranked = (polarity != "neutral").to_numpy()
    frame["key"] = np.where(higher, -frame["value"], frame["value"])
    rank = frame.groupby(GROUP)["key"].rank(method="min")
    bodies = frame.groupby(GROUP)["key"].transform("size")
    percentile = np.where(bodies == 1, 0.0, (rank - 1) / (bodies - 1))
    frame["rank"] = rank.where(ranked)
    frame["percentile"] = pd.Series(percentile, index=frame.index).where(ranked)
    frame = frame.merge(thresholds[[*GROUP, "p25", "p50", "p75"]], on=GROUP, how="left")
    v, p25, p50, p75 = (frame[c].to_numpy() for c in ("value", "p25", "p50", "p75"))
    higher = (frame["metric_id"].map(metrics["polarity"]) == "higher_better").to_numpy()
    lower = (frame["metric_id"].map(metrics["polarity"]) == "lower_better").to_numpy()
    quartile = np.select(
        [
            higher & (v >= p75),
            higher & (v >= p50),
            higher & (v > p25),
            higher,
            lower & (v <= p25),
            lower & (v <= p50),
            lower & (v < p75),
            lower,
        ],
        [1, 2, 3, 4, 1, 2, 3, 4],
        0,
    )
    has_threshold = ~np.isnan(p25)
    # A contextual metric (not scored) is shown and ranked, never quartiled.
    scored = frame["metric_id"].map(metrics["scored"]).to_numpy(dtype=bool)
    frame["quartile"] = pd.Series(quartile, dtype="Int64").where(
        has_threshold & (quartile > 0) & scored
    )
    return frame.drop(columns=["key"])


def scores(frame: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Step 1 of the NOF 2025/26 manual in whole hundredths (exact), half up; NA when unscored."""
    frame = frame.copy()
    m = metrics.loc[frame["metric_id"]]
    value = frame["value"].to_numpy()
    higher = (m["polarity"] == "higher_better").to_numpy()
    standard, floor = m["standard"].to_numpy(dtype=float), m["floor"].to_numpy(dtype=float)
    meets = np.where(higher, value >= standard, value <= standard)  # NaN compares False
    fails = ~meets & np.where(higher, value < floor, value > floor)
    spread = ~meets & ~fails
    frame["key"] = np.where(higher, -value, value)
    frame["spread"] = spread
    inside = frame[spread]
    r = inside.groupby(GROUP)["key"].rank(method="min").reindex(frame.index).to_numpy()
    n = inside.groupby(GROUP)["key"].transform("size").reindex(frame.index).to_numpy()
    lo = np.where(np.isnan(standard), 100, 200)
    hi = np.where(np.isnan(floor), 400, 300)
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.floor((2 * (hi - lo) * (r - 1) + (n - 1)) / (2 * (n - 1)))
    hundredths = np.select([meets, fails, n == 1], [100, 400, lo], lo + np.nan_to_num(step)).astype(
        float
    )
    hundredths[~(meets | fails) & np.isnan(r)] = np.nan
    bespoke = (m["score_map"] != "").to_numpy()
    hundredths[bespoke] = _bespoke(frame[bespoke], metrics)
    scored = m["scored"].to_numpy() & (bespoke | (m["polarity"] != "neutral").to_numpy())
    hundredths[~scored] = np.nan
    frame["score"] = pd.Series(hundredths, index=frame.index).round().astype("Int64")
    return frame.drop(columns=["key", "spread"])


def _bespoke(frame: pd.DataFrame, metrics: pd.DataFrame) -> np.ndarray:
    out = np.full(len(frame), np.nan)
    for metric_id, rows in frame.groupby("metric_id"):
        where = frame.index.get_indexer(rows.index)
        value = rows["value"].to_numpy()
        found = np.full(len(rows), np.nan)
        for band in parse_score_map(metrics.loc[metric_id, "score_map"]):
            if band.exact:
                inside = value == band.low
            else:
                inside = np.ones(len(rows), dtype=bool)
                if band.low is not None:
                    inside &= value >= band.low
                if band.high is not None:
                    inside &= value < band.high
            found = np.where(np.isnan(found) & inside, float(band.score * 100), found)
        out[where] = found
    return out


def _history(results: pd.DataFrame, ranked: dict, recent: list[int]) -> pd.DataFrame:
    """Each result's quartile in the previous quarters: columns back1, back2, … (NA if none)."""
    history = results[KEYS].copy()
    for back, period_id in enumerate(recent[1:], start=1):
        before = ranked[period_id][0] if period_id in ranked else None
        if before is None:
            history[f"back{back}"] = pd.NA
            continue
        found = before[[*KEYS, "quartile"]].rename(columns={"quartile": f"back{back}"})
        history = history.merge(found, on=KEYS, how="left")
    return history


def flag_kinds(results, spc, history, metrics, definitions) -> pd.DataFrame:
    """Which flag kinds hold for each body and metric (DESIGN.md "Flags", metrics.flags).

    Only scored metrics are flagged: a contextual one is shown, never flagged."""
    scored = results[results["metric_id"].map(metrics["scored"]).astype(bool)]
    frame = scored.merge(history, on=KEYS).merge(
        spc[
            [
                *KEYS,
                "trial",
                "latest_classification",
                "concern_outside_limits",
                "concern_run_or_trend",
                "consistently_fails",
            ]
        ],
        on=KEYS,
        how="left",
    )
    m = metrics.loc[frame["metric_id"]]
    quartile = frame["quartile"].astype("float").to_numpy()
    value = frame["value"].to_numpy()
    code = m["code"].to_numpy()
    trial = frame["trial"].astype("boolean").fillna(True).to_numpy(dtype=bool)  # none: a rating
    classification = frame["latest_classification"].fillna("").to_numpy()
    kinds: dict[str, np.ndarray] = {}
    d = definitions
    if "top_quartile" in d:
        kinds["top_quartile"] = quartile == d["top_quartile"]["quartile"]
    if "bottom_quartile" in d:
        kinds["bottom_quartile"] = quartile == d["bottom_quartile"]["quartile"]
    if "dramatic_drop" in d:
        rule = d["dramatic_drop"]
        previous = frame["back1"].astype("float").to_numpy() if "back1" in frame else np.nan
        fell = (quartile == rule["quartile_to"]) & np.isin(previous, rule["quartile_from"])
        spc_drop = rule["spc_concern_outside_limits"] & _flag(frame, "concern_outside_limits")
        kinds["dramatic_drop"] = fell | spc_drop
    if "sustained_very_poor" in d:
        rule = d["sustained_very_poor"]
        window = [quartile] + [
            frame[f"back{b}"].astype("float").to_numpy()
            for b in range(1, rule["of_last_quarters"])
            if f"back{b}" in frame
        ]
        bottom = sum((q == 4).astype(int) for q in window) >= rule["bottom_quartile_quarters"]
        run = rule["spc_concern_run_or_trend"] & _flag(frame, "concern_run_or_trend")
        fails = rule["spc_consistently_fail"] & _flag(frame, "consistently_fails")
        kinds["sustained_very_poor"] = bottom | run | fails
    for kind in ("spc_improvement", "spc_concern"):
        if kind in d:
            kinds[kind] = ~trial & (classification == d[kind]["latest_point"])
    if "failing_standard" in d:
        standard = m["standard"].to_numpy(dtype=float)
        higher = (m["polarity"] == "higher_better").to_numpy()
        meets = np.where(higher, value >= standard, value <= standard)
        kinds["failing_standard"] = (
            ~np.isnan(standard) & (m["polarity"] != "neutral").to_numpy() & ~meets
        )
    if "negative_variance_financial_plan" in d:
        rule = d["negative_variance_financial_plan"]
        kinds["negative_variance_financial_plan"] = np.isin(code, rule["metric_codes"]) & (
            value < rule["below"]
        )
    if "cqc_below_good" in d:
        rule = d["cqc_below_good"]
        kinds["cqc_below_good"] = np.isin(code, rule["metric_codes"]) & (value >= rule["at_least"])
    parts = [
        frame.loc[raised, KEYS].assign(kind=kind) for kind, raised in kinds.items() if raised.any()
    ]
    return pd.concat(parts, ignore_index=True)


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].astype("boolean").fillna(False).to_numpy(dtype=bool)
