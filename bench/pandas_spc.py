"""Making Data Count SPC for every series at once, vectorised with numpy: the pandas reference's.

The rules of metrics.spc (read it for the definitions), evaluated for what a calculation run
stores of each series: the latest segment's mean, AMR and limits, and the special causes on
the latest point (flags read nothing else). Series of equal length form one (series, points)
block, so every rule is a handful of array operations on the block; "the latest point is in a
run of N" is "the last N points all hold", a count of trailing True values.

Means and average moving ranges use math.fsum, as metrics.spc does, so the limits come out
bit for bit the same: a point lying exactly on the mean (it breaks a run) is common with
two-decimal data, and a last-bit difference in the mean would move it to one side.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from metrics.engine.spc.kinds import LIMIT_FACTOR, SCREEN_FACTOR, TWO_SIGMA_FACTOR

RULES = ("outside_limits", "trend", "two_in_three", "run")  # precedence order
DIRECTIONS = ("high", "low")  # a point's signals are sorted by rule, then direction


def _fsum_rows(block: np.ndarray) -> np.ndarray:
    return np.array([math.fsum(row) for row in block.tolist()], dtype=float)


def _trailing(condition: np.ndarray) -> np.ndarray:
    """How many of each row's last columns are True, counting back from the end."""
    if condition.shape[1] == 0:
        return np.zeros(len(condition), dtype=int)
    reversed_ = condition[:, ::-1]
    count = np.argmin(reversed_, axis=1)
    return np.where(reversed_.all(axis=1), condition.shape[1], count)


def _limits(base: np.ndarray, screen: bool) -> tuple[np.ndarray, np.ndarray]:
    mean = _fsum_rows(base) / base.shape[1]
    if base.shape[1] < 2:
        return mean, np.zeros(len(base))
    ranges = np.abs(base[:, 1:] - base[:, :-1])
    amr = _fsum_rows(ranges) / ranges.shape[1]
    if screen:
        kept = ranges < SCREEN_FACTOR * amr[:, None]
        screened = np.array(
            [
                math.fsum(r[k]) / k.sum() if a > 0 else a
                for r, k, a in zip(ranges, kept, amr, strict=True)
            ]
        )
        amr = np.where(amr > 0, screened, amr)
    return mean, amr


def _block(block: np.ndarray, settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The latest segment's limits and the latest point's signals of a (series, points) block."""
    points = block.shape[1]
    baseline = settings["baseline_points"] or points
    base = block[:, :baseline]
    mean, amr = _limits(base, settings["screen_moving_ranges"])
    ucl, lcl = mean + LIMIT_FACTOR * amr, mean - LIMIT_FACTOR * amr
    upper, lower = mean + TWO_SIGMA_FACTOR * amr, mean - TWO_SIGMA_FACTOR * amr
    latest = block[:, -1]
    live = amr > 0  # AMR = 0: a constant series, no rule fires
    rising = block[:, 1:] > block[:, :-1]
    falling = block[:, 1:] < block[:, :-1]
    out: dict[str, np.ndarray] = {
        "mean": mean,
        "amr": amr,
        "ucl": ucl,
        "lcl": lcl,
        "upper_two_sigma": upper,
        "lower_two_sigma": lower,
        "trial": np.full(len(block), base.shape[1] < settings["min_points_for_limits"]),
        "latest_value": latest,
        "outside_limits_high": live & (latest > ucl),
        "outside_limits_low": live & (latest < lcl),
        "trend_high": live & (_trailing(rising) + 1 >= settings["trend_length"]),
        "trend_low": live & (_trailing(falling) + 1 >= settings["trend_length"]),
        "run_high": live & (_trailing(block > mean[:, None]) >= settings["run_length"]),
        "run_low": live & (_trailing(block < mean[:, None]) >= settings["run_length"]),
    }
    above, below = block > mean[:, None], block < mean[:, None]
    for direction, beyond, side in (
        ("high", block > upper[:, None], above),
        ("low", block < lower[:, None], below),
    ):
        if points >= 3:  # the last triple: two beyond 2-sigma, all three on that side of the mean
            same_side = side[:, -1] & side[:, -2] & side[:, -3]
            two = beyond[:, -1] & (beyond[:, -2] | beyond[:, -3]) & same_side
        else:
            two = np.zeros(len(block), dtype=bool)
        out[f"two_in_three_{direction}"] = live & two
    return out


def spc_frame(
    series: pd.DataFrame, metrics: pd.DataFrame, settings: Mapping[str, Any]
) -> pd.DataFrame:
    """One row per (organisation_id, metric_id) of ``series`` (sorted by body, metric, month).

    ``metrics`` is indexed by metric id with ``polarity`` and ``standard`` (the SPC target).
    """
    keys = series[["organisation_id", "metric_id"]].to_numpy()
    starts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)])
    lengths = np.diff(np.r_[starts, len(series)])
    values = series["value"].to_numpy(dtype=float)
    ends = series["period_end"].to_numpy()
    parts = []
    for length in np.unique(lengths):
        chosen = np.flatnonzero(lengths == length)
        rows = starts[chosen][:, None] + np.arange(length)
        found = _block(values[rows], settings)
        found["organisation_id"] = keys[starts[chosen], 0]
        found["metric_id"] = keys[starts[chosen], 1]
        found["points"] = np.full(len(chosen), length)
        found["latest_period_end"] = ends[rows[:, -1]]
        parts.append(pd.DataFrame(found))
    frame = pd.concat(parts, ignore_index=True)
    return _classify(frame, metrics)


def _classify(frame: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Signals read with the polarity: improvement/concern (high/low when neutral), icons."""
    polarity = frame["metric_id"].map(metrics["polarity"]).to_numpy()
    target = frame["metric_id"].map(metrics["standard"]).to_numpy(dtype=float)
    neutral, higher = polarity == "neutral", polarity == "higher_better"
    good = {"high": higher, "low": ~higher}
    first_rule = np.full(len(frame), "", dtype=object)
    first_direction = np.full(len(frame), "", dtype=object)
    concern_outside = np.zeros(len(frame), dtype=bool)
    concern_run_trend = np.zeros(len(frame), dtype=bool)
    for rule in RULES:
        for direction in DIRECTIONS:
            on = frame[f"{rule}_{direction}"].to_numpy()
            unset = on & (first_rule == "")
            first_rule[unset], first_direction[unset] = rule, direction
            concern = on & ~neutral & ~good[direction]
            if rule == "outside_limits":
                concern_outside |= concern
            elif rule in ("run", "trend"):
                concern_run_trend |= concern
    is_high = first_direction == "high"
    classification = np.where(
        first_rule == "",
        "",
        np.where(neutral, first_direction, np.where(is_high == higher, "improvement", "concern")),
    )
    prefix = np.where(neutral, "neither", classification)
    frame["latest_classification"] = classification
    frame["variation"] = np.where(first_rule == "", "common_cause", prefix + "_" + first_direction)
    frame["assurance"] = _assurance(frame, target, neutral, higher)
    reliable = ~frame["trial"].to_numpy()
    frame["concern_outside_limits"] = reliable & concern_outside
    frame["concern_run_or_trend"] = reliable & concern_run_trend
    frame["consistently_fails"] = reliable & (frame["assurance"].to_numpy() == "consistently_fail")
    frame["polarity"] = polarity
    return frame


def _assurance(
    frame: pd.DataFrame, target: np.ndarray, neutral: np.ndarray, higher: np.ndarray
) -> np.ndarray:
    above = target > frame["ucl"].to_numpy()
    below = target < frame["lcl"].to_numpy()
    # A target beyond the limits on the side the process should move towards is never met.
    fail = (above & higher) | (below & ~higher)
    icon = np.where(
        above | below, np.where(fail, "consistently_fail", "consistently_pass"), "hit_and_miss"
    )
    return np.where(np.isnan(target) | neutral, "", icon)


def latest_signals(row: Mapping[str, Any]) -> list[list[str]]:
    """The latest point's signals as the run stores them: [rule, direction, classification]."""
    found = []
    for rule in RULES:
        for direction in DIRECTIONS:
            if row[f"{rule}_{direction}"]:
                if row["polarity"] == "neutral":
                    kind = direction
                else:
                    good = (direction == "high") == (row["polarity"] == "higher_better")
                    kind = "improvement" if good else "concern"
                found.append([rule, direction, kind])
    return found
