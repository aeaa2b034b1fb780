"""What the campaign counts across a test session, and the table `make reliability` prints."""

from __future__ import annotations

import os
import resource
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from support.faults.schedule import FaultKind


@dataclass(slots=True)
class Tally:
    schedules: int = 0
    # "phase: operation aws-code" -> runs a fault stopped that way (a clean re-run followed)
    stopped_by: Counter[str] = field(default_factory=Counter)
    faults: Counter[FaultKind] = field(default_factory=Counter)
    revoked: int = 0
    restored: int = 0
    violations: list[str] = field(default_factory=list)
    # name -> figure, of the other parts: crash points, concurrency, load (added up)
    counts: Counter[str] = field(default_factory=Counter)
    load_peak_mib: float | None = None
    notes: list[str] = field(default_factory=list)  # printed under the table
    worker_rss_mib: float = 0.0

    def add_faults(self, injected: Counter[FaultKind]) -> None:
        self.faults.update(injected)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schedules": self.schedules,
            "stopped_by": dict(self.stopped_by),
            "faults": {k.value: n for k, n in self.faults.items()},
            "revoked": self.revoked,
            "restored": self.restored,
            "violations": list(self.violations),
            "counts": dict(self.counts),
            "load_peak_mib": self.load_peak_mib,
            "notes": list(self.notes),
            "rss_mib": peak_rss_mib(),
        }

    def merge(self, other: Mapping[str, Any]) -> None:
        """Add what another process (an xdist worker) counted."""
        self.schedules += int(other["schedules"])
        self.stopped_by.update(other["stopped_by"])
        self.faults.update({FaultKind(k): int(n) for k, n in other["faults"].items()})
        self.revoked += int(other["revoked"])
        self.restored += int(other["restored"])
        self.violations.extend(other["violations"])
        self.counts.update(other["counts"])
        self.notes.extend(other["notes"])
        if other["load_peak_mib"] is not None:
            self.load_peak_mib = max(self.load_peak_mib or 0.0, float(other["load_peak_mib"]))
        self.worker_rss_mib = max(self.worker_rss_mib, float(other["rss_mib"]))

    @property
    def rss_mib(self) -> float:
        return max(peak_rss_mib(), self.worker_rss_mib)

    @property
    def empty(self) -> bool:
        return not self.schedules and not self.counts

    def table(self) -> list[str]:
        # Imported here: the change campaign's modules need the import path conftest sets.
        from rel_change_tally import PREFIX, change_rows

        own = Counter({k: n for k, n in self.counts.items() if not k.startswith(PREFIX)})
        lines = []
        if self.schedules or own or self.load_peak_mib is not None:
            lines += _render(self._rows(own))
        change = change_rows(self.counts)
        if change:
            lines += ([""] if lines else []) + _render(change, "concurrent-change campaign")
        stops = [f"stopped: {why} x{n}" for why, n in sorted(self.stopped_by.items())]
        problems = [f"violation: {v}" for v in self.violations[:50]]
        return lines + stops + self.notes + problems

    def _rows(self, counts: Counter[str]) -> list[tuple[str, str]]:
        return [
            ("schedules run", str(self.schedules)),
            ("runs stopped by a fault (then re-run)", str(sum(self.stopped_by.values()))),
            *((f"faults injected: {k.value}", str(self.faults[k])) for k in FaultKind),
            ("faults injected: total", str(sum(self.faults.values()))),
            ("rules revoked", str(self.revoked)),
            ("rules restored", str(self.restored)),
            ("invariant violations", str(len(self.violations))),
            *((name, str(n)) for name, n in sorted(counts.items())),
            ("peak memory, load sweep (tracemalloc)", _mib(self.load_peak_mib)),
            ("peak memory, test process (ru_maxrss)", _mib(self.rss_mib)),
        ]


def _render(rows: list[tuple[str, str]], heading: str = "measure") -> list[str]:
    width = max(len(name) for name, _ in [(heading, ""), *rows])
    lines = [f"| {heading.ljust(width)} | value |", f"|{'-' * (width + 2)}|-------|"]
    return lines + [f"| {name.ljust(width)} | {value} |" for name, value in rows]


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _mib(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.1f} MiB"


TALLY = Tally()


def sized(name: str, default: int) -> int:
    """A campaign size from the environment (`make reliability` sets the full ones)."""
    return int(os.environ.get(name, default))
