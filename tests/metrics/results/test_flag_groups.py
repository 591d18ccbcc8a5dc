"""A body's flags are read grouped by kind, concerns first, each kind with its count."""

from __future__ import annotations

from metrics.engine.kinds import FlagKind
from metrics.models.results import Flag
from metrics.results.explain import FlagView
from metrics.results.flag_groups import flag_groups


def view(kind: FlagKind, n: int) -> FlagView:
    return FlagView(Flag(id=n, kind=kind), [f"flag {n}"])


def test_concerns_come_first_then_strengths_each_kind_once_with_its_count() -> None:
    flags = [
        view(FlagKind.TOP_QUARTILE, 1),
        view(FlagKind.SPC_CONCERN, 2),
        view(FlagKind.BOTTOM_QUARTILE, 3),
        view(FlagKind.SPC_CONCERN, 4),
        view(FlagKind.SPC_IMPROVEMENT, 5),
    ]
    groups = flag_groups(flags)
    assert [(g.kind, g.nature, g.count) for g in groups] == [
        (FlagKind.BOTTOM_QUARTILE, "concern", 1),
        (FlagKind.SPC_CONCERN, "concern", 2),
        (FlagKind.TOP_QUARTILE, "strength", 1),
        (FlagKind.SPC_IMPROVEMENT, "strength", 1),
    ]
    assert [v.flag.id for v in groups[1].flags] == [2, 4]


def test_no_flags_no_groups() -> None:
    assert flag_groups([]) == []
