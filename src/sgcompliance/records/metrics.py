"""The `MetricsManager`: the metrics of a run, gathered in memory and handed to a sink.

Values are gathered per set of dimension values and handed by `flush()` to a `MetricsSink`; in
AWS the sink is `adapters.emf.EmfMetricsSink`, which writes embedded metric format (EMF) lines
that CloudWatch Logs turns into metrics.

Dimensions stay low-cardinality, because every distinct combination is a billed metric:
- `service` (powertools' convention) and `Mode` on everything about a scan or a remediation:
  dashboards split flagging from enforcing, and `RulesRevoked` with `Mode=flag_only` must stay 0.
- `Severity` on `Violations` (5 values), published with and without it in one document.
- `Reason` on `EventsIgnored`: a closed set (`IgnoreReason`); anything else counts as `other`.
- `Account` on `RemediationErrors` only: errors are rare, so only failing accounts create a
  series, and the alarm that fires must say which account's role or permissions broke. Other
  per-account questions are answered by the audit records, not by one metric per account.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from sgcompliance.records.audit import IgnoreReason

DEFAULT_NAMESPACE = "sgcompliance"
DEFAULT_SERVICE = "sgcompliance"
UNKNOWN = "unknown"
OTHER_REASON = "other"
_DIMENSION_VALUE_MAX = 250


class MetricName(StrEnum):
    GROUPS_SCANNED = "GroupsScanned"
    RULES_EVALUATED = "RulesEvaluated"
    VIOLATIONS = "Violations"
    RULES_REVOKED = "RulesRevoked"
    GROUPS_LOCKED_DOWN = "GroupsLockedDown"
    REMEDIATION_ERRORS = "RemediationErrors"
    EVENTS_IGNORED = "EventsIgnored"
    SCAN_DURATION = "ScanDuration"
    TIME_TO_REMEDIATE = "TimeToRemediate"
    ALERT_ERRORS = "AlertPublishErrors"


COUNT, MILLISECONDS = "Count", "Milliseconds"
Dims = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Document:
    """One EMF document: its dimension values, and the subset also published as a rollup."""

    dimensions: Dims
    rollup: tuple[str, ...] = ()


@dataclass(slots=True)
class _Series:
    unit: str
    values: list[float] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MetricSet:
    """The metrics gathered under one set of dimension values. `rollup` names the dimensions
    also published on their own (e.g. `Violations` with and without `Severity`)."""

    dimensions: Dims
    rollup: tuple[str, ...]
    metrics: Mapping[str, tuple[str, tuple[float, ...]]]  # name -> (unit, values)


class MetricsSink(Protocol):
    """Where `flush()` sends a run's metrics; returns the documents it wrote (none when off)."""

    def publish(
        self, namespace: str, service: str, sets: Sequence[MetricSet]
    ) -> list[dict[str, Any]]: ...


class MetricsManager:
    """Collects metrics for one invocation (or one CLI run) and hands them to `sink` on
    `flush()`. `mode` is the default `Mode` dimension; each call may name its own (modes differ
    per account). Safe to share between threads.
    """

    def __init__(
        self,
        sink: MetricsSink,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        service: str = DEFAULT_SERVICE,
        mode: str | None = None,
    ) -> None:
        self.namespace = namespace
        self.service = _value(service)
        self.mode = mode
        self._sink = sink
        self._lock = threading.Lock()
        self._pending: dict[_Document, dict[str, _Series]] = {}

    def groups_scanned(self, n: int, *, mode: str | None = None) -> None:
        self._count(self._by_mode(mode), MetricName.GROUPS_SCANNED, n)

    def rules_evaluated(self, n: int, *, mode: str | None = None) -> None:
        self._count(self._by_mode(mode), MetricName.RULES_EVALUATED, n)

    def violations(self, by_severity: Mapping[str, int], *, mode: str | None = None) -> None:
        """Per severity (e.g. `ScanResult.by_severity()`); no violation at all records a 0."""
        base = self._by_mode(mode)
        counted = {str(s): n for s, n in by_severity.items() if n}
        if not counted:
            self._count(base, MetricName.VIOLATIONS, 0)
        for severity, n in sorted(counted.items()):
            doc = _Document((*base.dimensions, ("Severity", _value(severity))), _names(base))
            self._count(doc, MetricName.VIOLATIONS, n)

    def rules_revoked(self, n: int, *, mode: str | None = None) -> None:
        self._count(self._by_mode(mode), MetricName.RULES_REVOKED, n)

    def groups_locked_down(self, n: int, *, mode: str | None = None) -> None:
        self._count(self._by_mode(mode), MetricName.GROUPS_LOCKED_DOWN, n)

    def remediation_errors(
        self, n: int, *, mode: str | None = None, account: str | None = None
    ) -> None:
        base = self._by_mode(mode)
        doc = (
            _Document((*base.dimensions, ("Account", _value(account))), _names(base))
            if account
            else base
        )
        self._count(doc, MetricName.REMEDIATION_ERRORS, n)

    def event_ignored(self, reason: str) -> None:
        known = reason if reason in IgnoreReason._value2member_map_ else OTHER_REASON
        base = _Document((("service", self.service),))
        doc = _Document((*base.dimensions, ("Reason", known)), _names(base))
        self._count(doc, MetricName.EVENTS_IGNORED, 1)

    def alert_errors(self, n: int = 1) -> None:
        """An alert SNS did not accept: the remediation stands, but nobody was told."""
        self._count(_Document((("service", self.service),)), MetricName.ALERT_ERRORS, n)

    def scan_duration(self, ms: float, *, mode: str | None = None) -> None:
        self._sample(self._by_mode(mode), MetricName.SCAN_DURATION, ms)

    def time_to_remediate(self, ms: float, *, mode: str | None = None) -> None:
        """From the CloudTrail eventTime of the change to the remediation (audit `latency_ms`)."""
        self._sample(self._by_mode(mode), MetricName.TIME_TO_REMEDIATE, ms)

    def flush(self) -> list[dict[str, Any]]:
        """Hand every pending set to the sink; return what it wrote. Empties the buffer."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return []
        sets = [
            MetricSet(
                doc.dimensions,
                doc.rollup,
                {name: (s.unit, tuple(s.values)) for name, s in series.items()},
            )
            for doc, series in pending.items()
        ]
        return self._sink.publish(self.namespace, self.service, sets)

    def _by_mode(self, mode: str | None) -> _Document:
        return _Document((("service", self.service), ("Mode", _value(mode or self.mode))))

    def _count(self, doc: _Document, name: MetricName, n: float) -> None:
        with self._lock:
            series = self._pending.setdefault(doc, {}).setdefault(name, _Series(COUNT, [0.0]))
            series.values[0] += n

    def _sample(self, doc: _Document, name: MetricName, value: float) -> None:
        with self._lock:
            series = self._pending.setdefault(doc, {}).setdefault(name, _Series(MILLISECONDS))
            series.values.append(value)


def _names(doc: _Document) -> tuple[str, ...]:
    return tuple(key for key, _ in doc.dimensions)


def _value(value: str | None) -> str:
    """A dimension value CloudWatch accepts: non-empty, bounded, without surrounding spaces."""
    text = (value or "").strip()[:_DIMENSION_VALUE_MAX]
    return text or UNKNOWN
