"""The `MetricsManager`: CloudWatch metrics as embedded metric format (EMF) log lines.

Values are gathered in memory and written by `flush()` as one JSON line per set of dimension
values, through aws-lambda-powertools' `Metrics`; CloudWatch Logs turns the lines into metrics.

Dimensions stay low-cardinality, because every distinct combination is a billed metric:
- `service` (powertools' convention) and `Mode` on everything about a scan or a remediation:
  dashboards split flagging from enforcing, and `RulesRevoked` with `Mode=flag_only` must stay 0.
- `Severity` on `Violations` (5 values), published with and without it in one document.
- `Reason` on `EventsIgnored`: a closed set (`IgnoreReason`); anything else counts as `other`.
- `Account` on `RemediationErrors` only: errors are rare, so only failing accounts create a
  series, and the alarm that fires must say which account's role or permissions broke. Other
  per-account questions are answered by the audit records, not by one metric per account.

powertools is imported on first use: importing it loads botocore (its user-agent hook), which
neither `sgcompliance.app` nor a cold start should pay for at import time.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TextIO

from sgcompliance.records.audit import IgnoreReason

if TYPE_CHECKING:
    from aws_lambda_powertools.metrics import Metrics

DEFAULT_NAMESPACE = "sgcompliance"
DEFAULT_SERVICE = "sgcompliance"
UNKNOWN = "unknown"
OTHER_REASON = "other"
# powertools writes a document itself, to stdout, when one metric reaches 100 values: stay below.
MAX_VALUES_PER_DOCUMENT = 99
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


class MetricsManager:
    """Collects metrics for one invocation (or one CLI run) and writes them on `flush()`.

    `mode` is the default `Mode` dimension; each call may name its own (modes differ per
    account). `out` receives the EMF lines (stdout by default, which Lambda sends to CloudWatch
    Logs). Safe to share between threads.
    """

    def __init__(
        self,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        service: str = DEFAULT_SERVICE,
        mode: str | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.namespace = namespace
        self.service = _value(service)
        self.mode = mode
        self._out = out
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
        """Write every pending document as one EMF JSON line; return them. Empties the buffer."""
        with self._lock:
            pending, self._pending = self._pending, {}
        from aws_lambda_powertools.metrics.functions import is_metrics_disabled  # noqa: PLC0415

        if not pending or is_metrics_disabled():
            return []
        documents = [emf for doc, series in pending.items() for emf in self._serialise(doc, series)]
        out = self._out if self._out is not None else sys.stdout
        for emf in documents:
            out.write(json.dumps(emf, separators=(",", ":")) + "\n")
        out.flush()
        return documents

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

    def _serialise(self, doc: _Document, series: dict[str, _Series]) -> list[dict[str, Any]]:
        """As many documents as the values need (EMF takes at most 100 values per metric)."""
        documents = []
        start = 0
        while any(start < len(s.values) for s in series.values()):
            metrics = self._new_metrics()
            for name, s in series.items():
                for value in s.values[start : start + MAX_VALUES_PER_DOCUMENT]:
                    metrics.add_metric(name=name, unit=s.unit, value=value)
            for key, text in doc.dimensions:
                metrics.add_dimension(name=key, value=text)
            if doc.rollup:
                named = dict(doc.dimensions)
                metrics.add_dimensions(**{key: named[key] for key in doc.rollup})
            documents.append(dict(metrics.serialize_metric_set()))
            metrics.clear_metrics()
            start += MAX_VALUES_PER_DOCUMENT
        return documents

    def _new_metrics(self) -> Metrics:
        """`Metrics` keeps its data in class attributes shared by every instance in the process;
        a private provider per document keeps documents (and managers) apart."""
        from aws_lambda_powertools.metrics import Metrics  # noqa: PLC0415
        from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (  # noqa: PLC0415
            AmazonCloudWatchEMFProvider,
        )

        provider = AmazonCloudWatchEMFProvider(namespace=self.namespace, service=self.service)
        return Metrics(provider=provider)


def _names(doc: _Document) -> tuple[str, ...]:
    return tuple(key for key, _ in doc.dimensions)


def _value(value: str | None) -> str:
    """A dimension value CloudWatch accepts: non-empty, bounded, without surrounding spaces."""
    text = (value or "").strip()[:_DIMENSION_VALUE_MAX]
    return text or UNKNOWN
