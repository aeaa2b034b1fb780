"""Alerts: one SNS message per event or per sweep, built from the decisions' audit records.

An alert is a subject line (what email subscribers see), a JSON body (who changed what, which
checks fired, what was done, how to undo it, where the full audit record is) and message
attributes for subscription filter policies: severity, account, mode and kind (String), and the
owner routing attributes (String.Array, `owner` and `team` by default) when the groups' or
accounts' tags name an owner. SNS accepts at most 256 KiB of body and attributes together:
findings (or, for a sweep, account-regions) that do not fit are left out, most severe kept
first, and `"truncated": N` says how many; the audit record keeps them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sgcompliance.engine.policy import Severity
from sgcompliance.records.audit import (
    ID_LIMIT,
    AuditAction,
    AuditFinding,
    AuditRecord,
    clip,
    format_time,
    highest_severity,
)
from sgcompliance.records.owner_routing import Routing, routing_size
from sgcompliance.records.sns_message import (
    SNS_MAX_BYTES,
    Alert,
    Droppable,
    attribute_value,
    attributes_size,
    fit_body,
    subject_line,
)
from sgcompliance.records.undo import rollback_command

__all__ = [
    "SNS_MAX_BYTES",
    "Alert",
    "event_alert",
    "subject_line",
    "sweep_alert",
    "worth_alerting",
]

ALERT_SCHEMA_VERSION = 1
# The header of an alert (ids, actor and names, clipped by the audit record) always fits in this.
MIN_ALERT_BYTES = 32 * 1024
# A sweep lists at most this many groups per account-region; the audit records have them all.
MAX_GROUPS_PER_SCOPE = 100
_RANK = {s.value: s.rank for s in Severity}
_ACTED = (AuditAction.FLAG, AuditAction.REVOKE, AuditAction.LOCKDOWN, AuditAction.ERROR)


def worth_alerting(records: Sequence[AuditRecord]) -> bool:
    """Something was found or went wrong, or someone changed a tag the tool reads (an
    exemption granted or removed); compliant, ignored and out-of-scope are silent."""
    return _acted_on(records) or any(r.tag_changes for r in records)


def _acted_on(records: Sequence[AuditRecord]) -> bool:
    """Something was found or went wrong."""
    return any(r.action in _ACTED for r in records)


def event_alert(
    records: Sequence[AuditRecord],
    *,
    audit_uris: Mapping[str, str] | None = None,
    rollback_options: str = "",
    max_bytes: int = SNS_MAX_BYTES,
    routing: Routing | None = None,
) -> Alert:
    """The alert for one CloudTrail event; `records` are its decisions (one per group).
    `routing`: the owner routing attributes (`owner_routing.routing_values`)."""
    if not records:
        raise ValueError("an event alert needs at least one audit record")
    _check_budget(max_bytes)
    first, uris = records[0], audit_uris or {}
    severity = highest_severity(records)
    what, after = _what(records), first.event_name
    story = _tag_story(records)
    if story is not None and not _acted_on(records):
        # Nothing found or done: the news is the tag change itself (an exemption granted).
        what, after = story
    elif story is not None:
        after = f"{story[1]}: {story[0]}"
    label = _label(severity, records)
    where = f"{first.account_id} {first.region}"
    groups = [_group_entry(r, uris, rollback_options) for r in records]
    body: dict[str, Any] = {
        "schema_version": ALERT_SCHEMA_VERSION,
        "kind": "event",
        "summary": f"{label}: {what} in {where}, after {after}",
        "severity": severity,
        "event": {
            "id": first.event_id,
            "name": first.event_name,
            "time": None if first.event_time is None else format_time(first.event_time),
            "actor": first.actor,
        },
        "account_id": first.account_id,
        "region": first.region,
        "mode": _common(r.mode for r in records),
        "dry_run": any(r.dry_run for r in records),
        **_owners(routing),
        "groups": groups,
    }
    items = [
        Droppable(_RANK.get(f.severity, -1), n, group["findings"], _finding_entry(f))
        for group, record in zip(groups, records, strict=True)
        for n, f in enumerate(record.findings)
    ]
    hidden = sum(r.findings_truncated for r in records)
    attributes = _attributes(severity, first.account_id, body["mode"], "event")
    budget = max_bytes - attributes_size(attributes) - routing_size(routing or {})
    message = fit_body(body, items, hidden, budget, "groups")
    subject = subject_line(f"sgcompliance {label}: {what} in {where}")
    return Alert(subject, message, attributes, dict(routing or {}))


def sweep_alert(
    sweep_id: str,
    records: Sequence[AuditRecord],
    *,
    sweep_time: datetime | None = None,
    audit_uris: Mapping[str, str] | None = None,
    rollback_options: str = "",
    max_bytes: int = SNS_MAX_BYTES,
    routing: Routing | None = None,
) -> Alert:
    """One alert for a whole sweep, summarised per account-region. `routing` carries the
    owners of every group in it: each team named receives the whole sweep alert."""
    _check_budget(max_bytes)
    acted = [r for r in records if r.action in _ACTED]
    by_scope: dict[tuple[str, str], list[AuditRecord]] = {}
    for record in acted:
        by_scope.setdefault((record.account_id, record.region), []).append(record)
    uris = audit_uris or {}
    scopes = [_scope_entry(k, v, uris, rollback_options) for k, v in sorted(by_scope.items())]
    severity = highest_severity(acted)
    totals = _totals(acted)
    label = _label(severity, acted)
    what = (
        f"{totals['violations']} violations in {len(scopes)} account-regions, "
        f"{totals['rules_revoked']} rules revoked, {totals['errors']} errors"
    )
    body: dict[str, Any] = {
        "schema_version": ALERT_SCHEMA_VERSION,
        "kind": "sweep",
        "summary": f"{label}: sweep: {what}",
        "severity": severity,
        "sweep": {
            "id": clip(sweep_id, ID_LIMIT),
            "time": None if sweep_time is None else format_time(sweep_time),
        },
        "mode": _common(r.mode for r in acted),
        "dry_run": any(r.dry_run for r in acted),
        "totals": totals,
        **_owners(routing),
        "scopes": [],
    }
    items = [Droppable(_scope_rank(s), n, body["scopes"], s) for n, s in enumerate(scopes)]
    account = _common(r.account_id for r in acted)
    attributes = _attributes(severity, account, body["mode"], "sweep")
    budget = max_bytes - attributes_size(attributes) - routing_size(routing or {})
    message = fit_body(body, items, 0, budget, "scopes")
    subject = subject_line(f"sgcompliance sweep {label}: {what}")
    return Alert(subject, message, attributes, dict(routing or {}))


def _owners(routing: Routing | None) -> dict[str, Any]:
    """The routing values in the body too, for a chat or email reader: only when there are."""
    return {"owners": {k: list(v) for k, v in routing.items()}} if routing else {}


def _check_budget(max_bytes: int) -> None:
    if max_bytes < MIN_ALERT_BYTES:
        raise ValueError(f"an alert needs at least {MIN_ALERT_BYTES} bytes, got {max_bytes}")


def _scope_rank(scope: dict[str, Any]) -> int:
    """Most severe finding first; a scope with errors counts as high, so it is kept early."""
    ranks = [_RANK.get(g["severity"] or "", -1) for g in scope["groups"]]
    if scope["errors"]:
        ranks.append(Severity.HIGH.rank)
    return max(ranks, default=-1)


def _tag_story(records: Sequence[AuditRecord]) -> tuple[str, str] | None:
    """(what the tag changes were, the call and who made it), for an event that changed tags
    the tool reads; None for any other event."""
    changes = [c for r in records for c in r.tag_changes]
    if not changes:
        return None
    told = changes[0].describe()
    if len(changes) > 1:
        told += f" and {len(changes) - 1} more tag change{'s' if len(changes) > 2 else ''}"
    first = records[0]
    return told, f"{first.event_name} by {first.actor or 'an unknown caller'}"


def _what(records: Sequence[AuditRecord]) -> str:
    if len(records) > 1:
        counts: dict[str, int] = {}
        for r in records:
            counts[r.action.value] = counts.get(r.action.value, 0) + 1
        parts = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
        return f"{len(records)} groups ({parts})"
    record = records[0]
    return f"{_verb(record)} {record.group_id or 'no group'}"


# Outcomes (audit record `outcome`) in which rules were revoked, and those an operator must see.
APPLIED_OUTCOMES = frozenset({"applied", "applied_tagging_failed", "applied_unrecorded"})
TROUBLE = frozenset({"failed", "applied_tagging_failed", "applied_unrecorded"})


def _verb(record: AuditRecord) -> str:
    if record.outcome == "failed" or record.action is AuditAction.ERROR:
        return "could not remediate"
    if record.outcome == "group_gone":
        return "group already deleted:"
    if record.outcome == "changed_since_read":
        return "changed since read, judged again, nothing revoked:"
    ahead = "would " if record.dry_run else ""
    if record.action is AuditAction.REVOKE:
        count = len(record.revoked_rule_ids)
        if record.dry_run:
            return "would revoke rules of"
        if not count:
            return "rules already removed from"
        return f"revoked {count} rule{'s' if count != 1 else ''} of"
    if record.action is AuditAction.LOCKDOWN:
        return f"{ahead}lock down" if ahead else "locked down"
    if record.action is AuditAction.FLAG:
        return f"{ahead}flag" if ahead else "flagged"
    if record.action is AuditAction.NONE:
        return "compliant:"
    return record.action.value


def _label(severity: str | None, records: Sequence[AuditRecord]) -> str:
    if severity:
        return severity.upper()
    if any(r.action is AuditAction.ERROR for r in records):
        return "ERROR"
    # A compliant group after a tag change: an exemption granted is still news.
    return "NOTICE" if any(r.tag_changes for r in records) else "INFO"


def _common(values: Iterable[str | None]) -> str | None:
    distinct = {v for v in values if v}
    if len(distinct) > 1:
        return "mixed"
    return next(iter(distinct), None)


def _finding_entry(finding: AuditFinding) -> dict[str, Any]:
    return {
        "finding_id": finding.finding_id,
        "check_id": finding.check_id,
        "severity": finding.severity,
        "rule_id": finding.rule_id,
    }


def _audit_pointer(record: AuditRecord, uris: Mapping[str, str]) -> dict[str, Any]:
    return {"record_id": record.record_id, "uri": uris.get(record.record_id)}


def _group_entry(record: AuditRecord, uris: Mapping[str, str], options: str) -> dict[str, Any]:
    return {
        "group_id": record.group_id,
        "action": record.action.value,
        "outcome": record.outcome,
        "reason": record.reason,
        "violations": record.violation_count,
        "checks": sorted({f.check_id for f in record.findings}),
        "revoked_rule_ids": list(record.revoked_rule_ids),
        "backup_id": record.backup_id,
        "rollback": rollback_command(record.backup_id, options),
        "audit": _audit_pointer(record, uris),
        "findings": [],
        "tag_changes": [c.to_json() for c in record.tag_changes],
    }


def _scope_entry(
    scope: tuple[str, str], records: list[AuditRecord], uris: Mapping[str, str], options: str
) -> dict[str, Any]:
    ranked = sorted(records, key=lambda r: -_RANK.get(highest_severity([r]) or "", -1))
    listed = ranked[:MAX_GROUPS_PER_SCOPE]
    entry = {"account_id": scope[0], "region": scope[1], **_totals(records)}
    entry["groups"] = [
        {
            "group_id": r.group_id,
            "action": r.action.value,
            "outcome": r.outcome,
            "severity": highest_severity([r]),
            "violations": r.violation_count,
            "backup_id": r.backup_id,
            "rollback": rollback_command(r.backup_id, options),
            "audit": _audit_pointer(r, uris),
        }
        for r in listed
    ]
    if len(records) > len(listed):
        entry["groups_truncated"] = len(records) - len(listed)
    return entry


def _totals(records: Sequence[AuditRecord]) -> dict[str, Any]:
    by_severity: dict[str, int] = {}
    for finding in (f for r in records for f in r.findings):
        by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
    return {
        "groups": len(records),
        "violations": sum(r.violation_count for r in records),
        "by_severity": dict(sorted(by_severity.items(), key=lambda kv: -_RANK.get(kv[0], -1))),
        "rules_revoked": sum(len(r.revoked_rule_ids) for r in records),
        "groups_locked_down": sum(
            1 for r in records if r.action is AuditAction.LOCKDOWN and r.outcome in APPLIED_OUTCOMES
        ),
        "errors": sum(1 for r in records if r.action is AuditAction.ERROR or r.outcome in TROUBLE),
    }


def _attributes(
    severity: str | None, account: str | None, mode: str | None, kind: str
) -> dict[str, str]:
    values = {"severity": severity, "account": account, "mode": mode, "kind": kind}
    return {name: attribute_value(value) for name, value in values.items()}
