"""metrics.spc's two forms agree: spc_block (every series at once, what a run uses) equals
spc_analyse (one series, the hand-worked reference), bit for bit; and the packed chart document
reads back as the document it packs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.engine.kinds import Polarity
from metrics.engine.spc.analysis import spc_analyse
from metrics.engine.spc.block import spc_block
from metrics.engine.spc.document import document_decode, document_encode
from metrics.engine.spc.kinds import PRECEDENCE, SpcSettings
from metrics.engine.spc.masks import SIGNAL_BITS, SIGNALS_OF_MASK

# Few distinct values, so ties, points on the mean and constant stretches are common.
values_strategy = st.lists(
    st.sampled_from([0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 10.0, -4.0]), min_size=1, max_size=40
) | st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=64), min_size=1, max_size=40
)
settings_strategy = st.builds(
    SpcSettings,
    run_length=st.sampled_from([6, 7]),
    trend_length=st.sampled_from([6, 7]),
    screen_moving_ranges=st.booleans(),
    baseline_points=st.sampled_from([None, 2, 5, 13]),
    min_points_for_limits=st.sampled_from([2, 13]),
)


def test_signal_bits_follow_the_precedence():
    assert [s.rule for s in SIGNAL_BITS[::2]] == list(PRECEDENCE)
    assert len(SIGNALS_OF_MASK) > 1
    for mask, signals in enumerate(SIGNALS_OF_MASK):
        assert list(signals) == sorted(
            signals, key=lambda s: (PRECEDENCE.index(s.rule), s.direction.value)
        )
        assert len(signals) == bin(mask).count("1")


@settings(max_examples=400, deadline=None)
@given(values=values_strategy, spc=settings_strategy)
def test_block_equals_analyse(values, spc):
    expected = spc_analyse(values, polarity=Polarity.HIGHER_BETTER, target=None, settings=spc)
    block = spc_block(np.array([values, values[::-1]]), spc)
    backwards = spc_analyse(
        values[::-1], polarity=Polarity.HIGHER_BETTER, target=None, settings=spc
    )
    for row, result in enumerate((expected, backwards)):
        segment = result.segments[0]
        assert (
            block.mean[row],
            block.amr[row],
            block.ucl[row],
            block.lcl[row],
            block.upper_two_sigma[row],
            block.lower_two_sigma[row],
        ) == (
            segment.mean,
            segment.amr,
            segment.ucl,
            segment.lcl,
            segment.upper_two_sigma,
            segment.lower_two_sigma,
        )
        assert (block.trial, block.baseline_points) == (segment.trial, segment.baseline_points)
        assert [SIGNALS_OF_MASK[m] for m in block.masks[row].tolist()] == [
            p.signals for p in result.points
        ]


def test_block_rejects_what_analyse_rejects():
    with pytest.raises(ValueError, match="finite"):
        spc_block(np.array([[1.0, math.nan]]))
    with pytest.raises(ValueError, match="at least one point"):
        spc_block(np.zeros((3, 0)))


def _document(values, polarity, target, rebase_at=()):
    """The chart document as metrics.calculation_spc always described it (a mapping)."""
    result = spc_analyse(values, polarity=polarity, target=target, rebase_at=rebase_at)
    return {
        "polarity": result.polarity.value,
        "target": result.target,
        "period_ends": [f"20{20 + i // 12}-{i % 12 + 1:02d}-28" for i in range(len(values))],
        "values": [float(v) for v in values],
        "special_causes": [
            [
                p.index,
                p.classification.value if p.classification else None,
                [[s.rule.value, s.direction.value, c.value] for s, c in _classified(p, result)],
            ]
            for p in result.points
            if p.signals
        ],
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "baseline_points": s.baseline_points,
                "mean": s.mean,
                "amr": s.amr,
                "ucl": s.ucl,
                "lcl": s.lcl,
                "upper_two_sigma": s.upper_two_sigma,
                "lower_two_sigma": s.lower_two_sigma,
                "trial": s.trial,
            }
            for s in result.segments
        ],
        "variation": result.variation.value,
        "assurance": result.assurance.value if result.assurance else None,
    }


def _classified(point, result):
    from metrics.engine.spc.kinds import classify

    return [(s, classify(s.direction, result.polarity)) for s in point.signals]


@settings(max_examples=200, deadline=None)
@given(
    values=values_strategy,
    polarity=st.sampled_from(list(Polarity)),
    target=st.none() | st.sampled_from([0.0, 2.0, 95.5]),
    rebase=st.booleans(),
)
def test_a_packed_document_reads_back_as_itself(values, polarity, target, rebase):
    rebase_at = [len(values) // 2] if rebase and len(values) > 1 else []
    document = _document(values, polarity, target, rebase_at)
    assert document_decode(document_encode(document)) == document


def test_a_packed_document_is_not_json():
    with pytest.raises(ValueError, match="not an SPC chart document"):
        document_decode(b"XXXX" + bytes(40))
