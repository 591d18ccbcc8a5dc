"""The same rules over many series of equal length at once, on numpy arrays (a run's form)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from metrics.engine.spc.kinds import LIMIT_FACTOR, SCREEN_FACTOR, TWO_SIGMA_FACTOR, SpcSettings
from metrics.engine.spc.masks import (
    OUTSIDE_HIGH,
    OUTSIDE_LOW,
    RUN_HIGH,
    RUN_LOW,
    TREND_HIGH,
    TREND_LOW,
    TWO_HIGH,
    TWO_LOW,
)

# --- every series at once: the calculation run's form -------------------------------------------


@dataclass(frozen=True)
class SpcBlock:
    """``spc_block``'s answer for a (series, points) block: one row per series, each series one
    segment (a calculation run records no rebases)."""

    baseline_points: int
    trial: bool  # the same for every row: they have the same number of points
    mean: np.ndarray
    amr: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    upper_two_sigma: np.ndarray
    lower_two_sigma: np.ndarray
    masks: np.ndarray  # (series, points) uint8: each point's SIGNAL_BITS


def spc_block(values: np.ndarray, settings: SpcSettings | None = None) -> SpcBlock:
    """``spc_analyse`` of every row of ``values`` (series of equal length, oldest point first)
    at once, as arrays: the same limits bit for bit (means and AMRs by ``math.fsum``, then the
    same float operations) and the same special causes, as masks.

    Each rule is a few whole-array operations: a point's stretch of "above the mean" (or of
    rising steps) is measured from the positions of the nearest breaks on either side.
    """
    settings = settings or SpcSettings()
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] == 0:
        raise ValueError("spc_block takes a (series, points) array with at least one point")
    if not np.isfinite(values).all():
        raise ValueError("SPC values must be finite numbers; leave missing months out")
    count, length = values.shape
    base = values[:, : settings.baseline_points] if settings.baseline_points else values
    points = base.shape[1]
    mean = _fsum_rows(base) / points
    amr = np.zeros(count)
    if points > 1:
        ranges = np.abs(base[:, 1:] - base[:, :-1])
        amr = _fsum_rows(ranges) / (points - 1)
        if settings.screen_moving_ranges:
            kept = ranges < SCREEN_FACTOR * amr[:, None]
            for row in np.flatnonzero(amr > 0).tolist():
                amr[row] = math.fsum(ranges[row, kept[row]].tolist()) / int(kept[row].sum())
    ucl, lcl = mean + LIMIT_FACTOR * amr, mean - LIMIT_FACTOR * amr
    upper, lower = mean + TWO_SIGMA_FACTOR * amr, mean - TWO_SIGMA_FACTOR * amr
    masks = np.zeros((count, length), dtype=np.uint8)
    live = amr > 0  # AMR = 0: no rule fires
    if live.any():
        masks[live] = _block_masks(
            values[live], mean[live], ucl[live], lcl[live], upper[live], lower[live], settings
        )
    return SpcBlock(
        baseline_points=points,
        trial=points < settings.min_points_for_limits,
        mean=mean,
        amr=amr,
        ucl=ucl,
        lcl=lcl,
        upper_two_sigma=upper,
        lower_two_sigma=lower,
        masks=masks,
    )


def _fsum_rows(block: np.ndarray) -> np.ndarray:
    """Each row's exactly rounded sum (math.fsum): numpy's pairwise sum can differ in the last
    bit, and a mean one bit off moves a point lying on it to one side. (fsum reads each row
    through a memoryview: no list of Python floats is built first.)"""
    rows = np.ascontiguousarray(block, dtype=np.float64)
    return np.fromiter((math.fsum(memoryview(row)) for row in rows), np.float64, len(rows))


def _block_masks(
    v: np.ndarray,
    mean: np.ndarray,
    ucl: np.ndarray,
    lcl: np.ndarray,
    upper: np.ndarray,
    lower: np.ndarray,
    settings: SpcSettings,
) -> np.ndarray:
    def bits(condition: np.ndarray, bit: int) -> np.ndarray:
        return condition.view(np.uint8) * np.uint8(bit)

    length = v.shape[1]
    masks: np.ndarray = bits(v > ucl[:, None], OUTSIDE_HIGH) | bits(v < lcl[:, None], OUTSIDE_LOW)
    if length > 1:
        for bit, steps in ((TREND_HIGH, v[:, 1:] > v[:, :-1]), (TREND_LOW, v[:, 1:] < v[:, :-1])):
            # Step j joins points j and j + 1: a stretch of k steps is a trend of k + 1 points.
            long_enough = steps & (_stretch_lengths(steps) + 1 >= settings.trend_length)
            marked = np.zeros_like(v, dtype=bool)
            marked[:, 1:] |= long_enough
            marked[:, :-1] |= long_enough
            masks |= bits(marked, bit)
    if length > 2:
        above, below = v > mean[:, None], v < mean[:, None]
        for bit, beyond, side in (
            (TWO_HIGH, v > upper[:, None], above),
            (TWO_LOW, v < lower[:, None], below),
        ):
            b = beyond.view(np.uint8)
            # The triple starting at j: two or more beyond the line, all three on its side.
            same_side = side[:, :-2] & side[:, 1:-1] & side[:, 2:]
            triple = ((b[:, :-2] + b[:, 1:-1] + b[:, 2:]) >= 2) & same_side
            covered = np.zeros_like(beyond)
            covered[:, :-2] |= triple
            covered[:, 1:-1] |= triple
            covered[:, 2:] |= triple
            masks |= bits(beyond & covered, bit)
    for bit, side in ((RUN_HIGH, v > mean[:, None]), (RUN_LOW, v < mean[:, None])):
        masks |= bits(side & (_stretch_lengths(side) >= settings.run_length), bit)
    return masks


def _stretch_lengths(flags: np.ndarray) -> np.ndarray:
    """For each True cell, the length of the maximal stretch of True cells along its row that
    holds it (0 for False cells): the gap between the nearest False on either side."""
    columns = flags.shape[1]
    position = np.arange(columns)
    before = np.maximum.accumulate(np.where(flags, -1, position), axis=1)
    after = np.minimum.accumulate(np.where(flags, columns, position)[:, ::-1], axis=1)[:, ::-1]
    return np.where(flags, after - before - 1, 0)
