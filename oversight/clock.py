"""The one timing helper: seconds spent per named part of a piece of work (a calculation run's
steps, a benchmark's phases), added up when a part comes round again. Standard library only."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Clock:
    """``step`` times a block; ``lap`` closes the part that ran since the last tick; ``total``
    adds the whole time. ``on_step`` hears each step as it ends (e.g. to log it)."""

    timings: dict[str, float] = field(default_factory=dict)
    on_step: Callable[[str, float], None] | None = None
    started: float = field(default_factory=time.perf_counter)
    tick: float = field(default_factory=time.perf_counter)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        tick = self.tick = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - tick
            self._add(name, seconds)
            if self.on_step is not None:
                self.on_step(name, seconds)

    def lap(self, name: str) -> float:
        """A part of the current step: the seconds since the step began or the last lap."""
        now = time.perf_counter()
        seconds, self.tick = now - self.tick, now
        self._add(name, seconds)
        return seconds

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def total(self) -> dict[str, float]:
        return {**self.timings, "total": round(self.elapsed(), 4)}

    def _add(self, name: str, seconds: float) -> None:
        self.timings[name] = round(self.timings.get(name, 0.0) + seconds, 4)
