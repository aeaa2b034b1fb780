"""Counting AWS API calls by operation, for `--stats` and for tests that pin call budgets.

Hooks botocore's event system: `before-call` fires once per API call, `before-send` once per
HTTP attempt, so attempts minus calls is the number of retries.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CallStats:
    calls: dict[str, int]
    attempts: dict[str, int]

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def retries(self) -> int:
        return max(0, sum(self.attempts.values()) - self.total_calls)


class ApiCallCounter:
    """Thread-safe tally keyed "service:Operation", e.g. "ec2:DescribeSecurityGroups"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._attempts: Counter[str] = Counter()
        # Unique while registered: the emitter keeps this counter alive, so its id is not reused.
        self._unique = f"sgcompliance-api-calls-{id(self)}"

    def attach(self, events: Any) -> None:
        """Register on a botocore event emitter (a session's or one client's `meta.events`).

        Registering twice on the same emitter is harmless: the handlers are unique per counter.
        """
        events.register("before-call", self._on_call, unique_id=f"{self._unique}-call")
        events.register("before-send", self._on_send, unique_id=f"{self._unique}-send")

    def record_call(self, operation: str) -> None:
        with self._lock:
            self._calls[operation] += 1

    def record_attempt(self, operation: str) -> None:
        with self._lock:
            self._attempts[operation] += 1

    def count(self, operation: str) -> int:
        with self._lock:
            return self._calls[operation]

    def snapshot(self) -> CallStats:
        with self._lock:
            return CallStats(
                dict(sorted(self._calls.items())), dict(sorted(self._attempts.items()))
            )

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._attempts.clear()

    def _on_call(self, event_name: str = "", **_: Any) -> None:
        self.record_call(operation_key(event_name))

    def _on_send(self, event_name: str = "", **_: Any) -> None:
        self.record_attempt(operation_key(event_name))


def operation_key(event_name: str) -> str:
    """ "before-call.ec2.DescribeSecurityGroups" -> "ec2:DescribeSecurityGroups"."""
    parts = event_name.split(".", 2)
    if len(parts) < 3:
        return event_name or "unknown"
    return f"{parts[1]}:{parts[2]}"
