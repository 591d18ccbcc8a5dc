"""The stored chart document of a series, packed as bytes and read back as a mapping."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np

from metrics.engine.kinds import Polarity
from metrics.engine.spc.kinds import AssuranceIcon, VariationIcon
from metrics.engine.spc.masks import CAUSES, SIGNAL_BITS

# --- the stored chart document -------------------------------------------------------------------
#
# What a calculation run stores of each series for its chart (SpcSeries.result): every point's
# value, period end and special causes, and every segment's limits. Stored compactly as bytes —
# a header, the segments, then the values (float64), period ends (days since 1970-01-01, int32)
# and signal masks (uint8), little-endian — and read back as the mapping charts and the API read:
#   {"polarity", "target", "period_ends": ["YYYY-MM-DD", …], "values": […],
#    "special_causes": [[index, classification, [[rule, direction, classification], …]], …]
#                      (points with a special cause only),
#    "segments": [{"start", "end", "baseline_points", "mean", "amr", "ucl", "lcl",
#                  "upper_two_sigma", "lower_two_sigma", "trial"}, …],
#    "variation", "assurance" (None without a target)}.
# Packing is a few array copies where JSON meant formatting and parsing every number.

DOCUMENT_MAGIC = b"SPC1"
POLARITY_CODES: tuple[Polarity, ...] = tuple(Polarity)
VARIATION_CODES: tuple[VariationIcon, ...] = tuple(VariationIcon)
ASSURANCE_CODES: tuple[AssuranceIcon | None, ...] = (None, *AssuranceIcon)
DOCUMENT_HEAD = np.dtype(
    [
        ("magic", "S4"),
        ("polarity", "u1"),
        ("variation", "u1"),
        ("assurance", "u1"),
        ("has_target", "u1"),
        ("points", "<u4"),
        ("segments", "<u4"),
        ("target", "<f8"),
    ]
)
DOCUMENT_SEGMENT = np.dtype(
    [
        ("start", "<u4"),
        ("end", "<u4"),
        ("baseline_points", "<u4"),
        ("mean", "<f8"),
        ("amr", "<f8"),
        ("ucl", "<f8"),
        ("lcl", "<f8"),
        ("upper_two_sigma", "<f8"),
        ("lower_two_sigma", "<f8"),
        ("trial", "?"),
    ]
)
EPOCH = date(1970, 1, 1)


def document_dtype(points: int) -> np.dtype:
    """One document of a one-segment series of ``points`` points, as a numpy record: a block of
    documents is filled column by column and cut into bytes, one document per row."""
    return np.dtype(
        [
            ("head", DOCUMENT_HEAD),
            ("segment", DOCUMENT_SEGMENT),
            ("values", "<f8", (points,)),
            ("days", "<i4", (points,)),
            ("masks", "u1", (points,)),
        ]
    )


def document_encode(document: Mapping[str, Any]) -> bytes:
    """A chart document (the mapping above) as stored bytes; ``document_decode`` reverses it."""
    polarity = Polarity(document["polarity"])
    values = [float(v) for v in document["values"]]
    count = len(values)
    segments = document["segments"]
    masks = np.zeros(count, dtype=np.uint8)
    bit_of = {(s.rule.value, s.direction.value): 1 << bit for bit, s in enumerate(SIGNAL_BITS)}
    for index, _classification, signals in document["special_causes"]:
        masks[int(index)] = sum(bit_of[(str(rule), str(side))] for rule, side, _ in signals)
    target = document.get("target")
    assurance = document.get("assurance")
    head = np.zeros((), DOCUMENT_HEAD)
    head["magic"] = DOCUMENT_MAGIC
    head["polarity"] = POLARITY_CODES.index(polarity)
    head["variation"] = VARIATION_CODES.index(VariationIcon(document["variation"]))
    head["assurance"] = ASSURANCE_CODES.index(AssuranceIcon(assurance) if assurance else None)
    head["has_target"] = target is not None
    head["points"] = count
    head["segments"] = len(segments)
    head["target"] = float(target) if target is not None else 0.0
    rows = np.zeros(len(segments), DOCUMENT_SEGMENT)
    for row, segment in zip(rows, segments, strict=True):
        for name in DOCUMENT_SEGMENT.names or ():
            row[name] = segment[name]
    days = [(date.fromisoformat(str(end)[:10]) - EPOCH).days for end in document["period_ends"]]
    return b"".join(
        [
            head.tobytes(),
            rows.tobytes(),
            np.array(values, "<f8").tobytes(),
            np.array(days, "<i4").tobytes(),
            masks.tobytes(),
        ]
    )


def document_decode(data: bytes) -> dict[str, Any]:
    """The chart document ``document_encode`` (or a run's packing) stored, as a mapping."""
    head = np.frombuffer(data, DOCUMENT_HEAD, count=1)[0]
    if bytes(head["magic"]) != DOCUMENT_MAGIC:
        raise ValueError("not an SPC chart document")
    count, segment_count = int(head["points"]), int(head["segments"])
    offset = DOCUMENT_HEAD.itemsize
    segments = np.frombuffer(data, DOCUMENT_SEGMENT, count=segment_count, offset=offset)
    offset += segments.nbytes
    values = np.frombuffer(data, "<f8", count=count, offset=offset)
    offset += values.nbytes
    days = np.frombuffer(data, "<i4", count=count, offset=offset)
    offset += days.nbytes
    masks = data[offset : offset + count]
    polarity = POLARITY_CODES[int(head["polarity"])]
    causes = CAUSES[polarity]
    assurance = ASSURANCE_CODES[int(head["assurance"])]
    return {
        "polarity": polarity.value,
        "target": float(head["target"]) if head["has_target"] else None,
        "period_ends": [_iso_day(day) for day in days.tolist()],
        "values": values.tolist(),
        "special_causes": [
            [index, causes[mask][0], [list(signal) for signal in causes[mask][1]]]
            for index, mask in enumerate(masks)
            if mask
        ],
        "segments": [
            {
                "start": int(s["start"]),
                "end": int(s["end"]),
                "baseline_points": int(s["baseline_points"]),
                "mean": float(s["mean"]),
                "amr": float(s["amr"]),
                "ucl": float(s["ucl"]),
                "lcl": float(s["lcl"]),
                "upper_two_sigma": float(s["upper_two_sigma"]),
                "lower_two_sigma": float(s["lower_two_sigma"]),
                "trial": bool(s["trial"]),
            }
            for s in segments
        ],
        "variation": VARIATION_CODES[int(head["variation"])].value,
        "assurance": assurance.value if assurance else None,
    }


@functools.lru_cache(maxsize=4096)
def _iso_day(day: int) -> str:
    return (EPOCH + timedelta(days=day)).isoformat()
