"""Python's cycle collector paused for a piece of bulk work (a calculation run, an SPC part).

Such work allocates hundreds of thousands of short-lived rows, dicts and tuples, which
reference counting frees; each allocation burst also triggers the cycle collector, whose full
collections walk every live object of the worker (Django, the run's arrays) again and again:
a third of a run's Python time at England scale. Paused for the work, collected once after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """No cycle collection inside the block (it nests); one collection at its end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(1)
