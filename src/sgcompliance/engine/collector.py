"""Pausing Python's cycle collector while the engine builds its (acyclic) results.

An evaluation allocates tens of thousands of findings that all live until it returns. Each of
those allocations counts towards the collector's thresholds, and the collections they trigger
walk the young objects again and again, and at times every tracked object in the process, the
caller's whole estate included, finding no garbage: the engine creates no reference cycles
(reference counting frees everything it drops). So the collector is paused for the duration, as
`timeit` does, and resumed as it was found; its first collection afterwards looks at the
evaluation's survivors once. Measured in one process, alternating, with the previous result
still alive: 2 % faster at 100,000 groups, 4 % at 10,000.

The collector is process-wide, so pauses are counted: with evaluations running in several
threads, it resumes only when the last one ends, and only if it was enabled when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    __slots__ = ("active", "lock", "resume")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.resume = False


# Process-wide because the collector it guards is.
_PAUSES = _Pauses()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the body with the cycle collector off; nested and concurrent pauses are safe."""
    with _PAUSES.lock:
        if _PAUSES.active == 0:
            _PAUSES.resume = gc.isenabled()
            gc.disable()
        _PAUSES.active += 1
    try:
        yield
    finally:
        with _PAUSES.lock:
            _PAUSES.active -= 1
            if _PAUSES.active == 0 and _PAUSES.resume:
                gc.enable()
