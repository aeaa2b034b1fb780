"""What the pipeline left behind, as the demo prints it: the alert, the metrics, the audit record.

The shapes are those documented in docs/observability.md: the alert body and attributes from the
SNS inbox, EMF documents (one metric value per name, dimensions beside it) and the audit record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sgcompliance.local.pipeline.flow import InboxAlert

AUDIT_FIELDS_SHOWN = (
    "record_id", "event_id", "event_name", "event_time", "decided_at", "latency_ms", "actor",
    "account_id", "region", "group_id", "policy_id", "mode", "action", "outcome", "backup_id",
    "revoked_rule_ids",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MetricValue:
    name: str
    unit: str
    value: float
    dimensions: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        dims = ", ".join(f"{k}={v}" for k, v in self.dimensions if k != "service")
        value = f"{self.value:g}"
        unit = "" if self.unit in ("Count", "None", "") else f" {self.unit}"
        return f"{self.name:<18} {value + unit:>10}  {dims}"


def metric_values(documents: Iterable[Mapping[str, Any]]) -> list[MetricValue]:
    """Every metric value in EMF documents, with the largest dimension set declared for it."""
    values = []
    for doc in documents:
        for directive in doc.get("_aws", {}).get("CloudWatchMetrics", []):
            dimension_sets = directive.get("Dimensions") or [[]]
            keys = max(dimension_sets, key=len)
            dims = tuple((k, str(doc.get(k, ""))) for k in keys)
            for metric in directive.get("Metrics", []):
                name = metric.get("Name", "")
                raw = doc.get(name)
                for value in raw if isinstance(raw, list) else [raw]:
                    if isinstance(value, int | float):
                        values.append(MetricValue(name, metric.get("Unit", ""), value, dims))
    return values


def metric_total(values: Iterable[MetricValue], name: str) -> float:
    return sum(v.value for v in values if v.name == name)


def alert_for(alerts: Iterable[InboxAlert], event_id: str) -> InboxAlert | None:
    """The alert about the CloudTrail event `event_id` (body.event.id)."""
    for alert in alerts:
        event = alert.body.get("event")
        if isinstance(event, Mapping) and event.get("id") == event_id:
            return alert
    return None


def alert_lines(alert: InboxAlert) -> list[str]:
    body = alert.body
    lines = [f"subject     {alert.subject}"]
    lines.append(
        f"attributes  {', '.join(f'{k}={v}' for k, v in sorted(alert.attributes.items()))}"
    )
    lines.append(f"summary     {body.get('summary', '')}")
    for group in body.get("groups", []) if isinstance(body.get("groups"), list) else []:
        lines.append(f"checks      {', '.join(group.get('checks', []))}")
        lines.append(f"revoked     {', '.join(group.get('revoked_rule_ids', []))}")
        lines.append(f"rollback    {group.get('rollback')}")
        audit = group.get("audit") or {}
        lines.append(f"audit       {audit.get('uri') or audit.get('record_id')}")
    return lines


def audit_lines(record: Mapping[str, Any]) -> list[str]:
    """The record's main fields, one per line, and its findings by check."""
    lines = [f"{name:<17}{json.dumps(record.get(name))}" for name in AUDIT_FIELDS_SHOWN]
    findings = record.get("findings") or []
    checks = sorted({(f.get("check_id"), f.get("severity")) for f in findings})
    shown = ", ".join(f"{check} ({severity})" for check, severity in checks)
    lines.append(f"{'findings':<17}{len(findings)}: {shown}")
    return lines
