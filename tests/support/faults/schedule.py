"""Which calls fail, and how: the seeded schedules of the fault-injecting proxy (`fault_proxy`).

A schedule sees each call the proxy receives (service, operation, query parameters) and says
whether it fails and with which kind of fault; the same seed and the same calls give the same
faults.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class FaultKind(StrEnum):
    THROTTLE = "throttle"  # RequestLimitExceeded / Throttling / SlowDown
    SERVER_ERROR = "http_500"
    UNAVAILABLE = "http_503"
    RESET = "connection_reset"  # dropped before the server saw the call
    TIMEOUT = "timeout"  # the server acted, the answer never came back in time


@dataclass(frozen=True, slots=True)
class Call:
    """One request as the proxy saw it; `params` keeps the query parameters of query-protocol
    calls (EC2, STS, SNS) so that campaigns can tell which group and rules a call touched."""

    service: str
    operation: str
    path: str
    params: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Delivered:
    """A call the server answered: `sent` and `done` are positions in one global sequence."""

    call: Call
    status: int
    sent: int
    done: int
    fault: FaultKind | None = None


Eligible = Callable[[Call], bool]


def any_call(call: Call) -> bool:  # the default: every call may fail
    return True


@dataclass(slots=True)
class FaultSchedule:
    """Seeded: the same seed and the same calls give the same faults.

    Each eligible call fails with probability `rate`; a failure may start a burst that fails the
    next calls too (up to `max_burst` in a row), which is how a fault outlasts the client's
    retries and reaches the product's own error handling. With a `period`, exactly one eligible
    call in `period` fails instead (the middle one of each period), whatever the draws.
    """

    seed: int
    rate: float = 0.05
    max_burst: int = 1
    kinds: tuple[FaultKind, ...] = tuple(FaultKind)
    eligible: Eligible = any_call
    active: bool = True
    period: int = 0
    _random: random.Random = field(init=False)
    _burst: int = field(default=0, init=False)
    _seen: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def decide(self, call: Call) -> FaultKind | None:
        if not self.active or not self.eligible(call):
            return None
        with self._lock:
            self._seen += 1
            if self.period > 0:
                due = self._seen % self.period == self.period // 2
                return self._random.choice(self.kinds) if due else None
            if self._burst > 0:
                self._burst -= 1
                return self._random.choice(self.kinds)
            if self._random.random() >= self.rate:
                return None
            self._burst = self._random.randint(1, max(1, self.max_burst)) - 1
            return self._random.choice(self.kinds)


NO_FAULTS = FaultSchedule(seed=0, rate=0.0, active=False)
