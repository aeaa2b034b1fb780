"""Running one call under a time and a memory bound, and measuring it (tests only).

`bounded(call)` runs `call()` under a watchdog (SIGALRM, main thread only): once the call has
used `hard_seconds` of CPU time, or gone `hard_wall_seconds` without returning (a call blocked
on something that never comes), or the memory it allocated passed `hard_bytes` (when
tracemalloc is tracing), an `Overrun` is raised inside it, so that a hang or a memory bomb ends
that one input instead of the whole test run. `Overrun` is a BaseException: the product's
`except Exception` boundaries do not swallow it. The result says what the call returned or
raised, how long it took and the peak of the memory it allocated (Python allocations, as
tracemalloc sees them).

Time is CPU time, for the bound (`TIME_BOUND`) and for the watchdog alike: on a shared machine
wall time also counts whatever else runs. A wall-time cap of 5 s stopped, as a hang, a YAML
policy of the 100,000-input campaign that had cost 0.40 s of CPU (a full CI run shared the
two cores).

The objects that existed before the call are frozen out of the garbage collector for its
duration (`gc.freeze`): a full collection set off by the call's own allocations would otherwise
walk the whole heap of the test worker, so that an input's cost grew with whatever the tests
before it had left in memory. A YAML snapshot at the item limit that costs 0.25 s of CPU took
1.01 s in a worker at the end of a full run (a 6-million-object heap alone doubles it).
"""

from __future__ import annotations

import gc
import signal
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

MB = 1_000_000
# What an input may cost (issue #13): one second, 200 MB.
TIME_BOUND = 1.0
MEMORY_BOUND = 200 * MB
# Where the watchdog stops a call outright; beyond the bounds, so that an overrun is measured.
HARD_SECONDS = 5.0  # CPU time
# Far above what any CPU-bound input takes on a loaded machine: only a call that waits forever.
HARD_WALL_SECONDS = 120.0
HARD_BYTES = 600 * MB
_TICK = 0.05


class Overrun(BaseException):
    """Raised inside a call that ran past the watchdog's hard time or memory cap."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Measured:
    value: object
    error: BaseException | None
    # The process's CPU time for the call (what the input costs, whatever else the machine
    # runs), and the wall time.
    seconds: float
    peak_bytes: int
    # "time" (CPU), "wall" (no answer) or "memory" when the watchdog stopped the call.
    overrun: str | None = None
    wall_seconds: float = 0.0

    @property
    def over_time(self) -> bool:
        return self.overrun in ("time", "wall") or self.seconds > TIME_BOUND

    @property
    def over_memory(self) -> bool:
        return self.overrun == "memory" or self.peak_bytes > MEMORY_BOUND


@contextmanager
def tracing() -> Iterator[None]:
    """tracemalloc on for the block (left on when it already was)."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        yield
    finally:
        if started:
            tracemalloc.stop()


def bounded(
    call: Callable[[], object],
    *,
    hard_seconds: float = HARD_SECONDS,
    hard_wall_seconds: float = HARD_WALL_SECONDS,
    hard_bytes: int = HARD_BYTES,
) -> Measured:
    """Run `call` under the watchdog; its peak memory is measured when tracemalloc is tracing
    (see `tracing`), and is 0 otherwise."""
    if tracemalloc.is_tracing():
        tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    cpu = time.process_time()

    def watch(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        kind = None
        if time.process_time() - cpu > hard_seconds:
            kind = "time"
        elif time.perf_counter() - start > hard_wall_seconds:
            kind = "wall"
        elif tracing and tracemalloc.get_traced_memory()[1] - base > hard_bytes:
            kind = "memory"
        if kind is not None:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)  # once: never inside the clean-up
            raise Overrun(kind)

    tracing = tracemalloc.is_tracing()
    previous = signal.signal(signal.SIGALRM, watch)
    frozen = _freeze_heap()
    value: object = None
    error: BaseException | None = None
    overrun: str | None = None
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, _TICK, _TICK)
            value = call()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
    except Overrun as exc:
        overrun = exc.kind
        error = exc
    except Exception as exc:  # the outcome to judge, not a failure of the harness
        error = exc
    finally:
        signal.signal(signal.SIGALRM, previous)
        if frozen:
            gc.unfreeze()
    wall = time.perf_counter() - start
    seconds = time.process_time() - cpu
    peak = max(0, tracemalloc.get_traced_memory()[1] - base)
    return Measured(value, error, seconds, peak, overrun, wall)


def _freeze_heap() -> bool:
    """Freeze what exists now out of the collector. An earlier freeze (the Lambda handler
    freezes what its first invocation built) is undone by the unfreeze after the call: in a
    test process only, where nothing depends on it."""
    gc.freeze()
    return True
