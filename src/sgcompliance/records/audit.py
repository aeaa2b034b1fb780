"""Audit records: one self-describing JSON document per decision about one group (or event).

A record says what triggered the decision (event, actor, time), what the policy found, what was
decided and done, and where the undo lives. Its id is a hash of the trigger and the decision, so a
duplicate delivery of the same event that reaches the same decision produces the same record id
(and the S3 writer stores it once). Strings from events are kept as data, never interpreted, and
clipped to fixed limits with a visible marker so a hostile event cannot bloat the trail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from sgcompliance.engine.policy import Severity
from sgcompliance.records.tag_change import TagChange

SCHEMA_VERSION = 1

# Limits in characters. ARNs are at most 2048 characters; ids and names are far shorter.
ID_LIMIT = 128
NAME_LIMIT = 256
ARN_LIMIT = 2048
REASON_LIMIT = 2048
# A group has at most 1000 rules; several checks can fire per rule.
MAX_FINDINGS = 2000
MAX_RULE_IDS = 1000
MAX_PROBLEMS = 20
# A CreateTags call takes at most 1000 resources and 50 tags each; a record keeps the first.
MAX_TAG_CHANGES = 100


class AuditAction(StrEnum):
    FLAG = "flag"
    REVOKE = "revoke"
    LOCKDOWN = "lockdown"
    NONE = "none"  # judged compliant: nothing to do
    IGNORED = "ignored"  # not ours to judge (failed call, Revoke*, our own change, malformed)
    OUT_OF_SCOPE = "out_of_scope"  # account or region outside the configured scope: no AWS call
    ERROR = "error"  # no decision could be made (describe failed, access denied, ...)
    ROLLBACK = "rollback"  # revoked rules authorized again from a backup (or refused)


class IgnoreReason(StrEnum):
    """Why an event was ignored: a closed set, so that it can be a metric dimension."""

    FAILED_CALL = "failed_call"
    REVOKE_EVENT = "revoke_event"
    OWN_SESSION = "own_session"
    OUT_OF_SCOPE = "out_of_scope"
    MALFORMED = "malformed"
    UNSUPPORTED = "unsupported_event"
    DUPLICATE = "duplicate"
    STALE_EVENT = "stale_event"
    UNWATCHED_TAGS = "unwatched_tags"  # a tag change on keys the tool does not read


class JudgedFinding(Protocol):
    """What a record keeps of a finding a decision was about (a remediation plan's findings)."""

    @property
    def finding_id(self) -> str: ...
    @property
    def check_id(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def rule_id(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Trigger:
    """What led to a decision: a CloudTrail event, or a sweep (then `actor` is None)."""

    event_id: str
    event_name: str
    account_id: str
    region: str
    event_time: datetime | None = None
    actor: str | None = None
    # A tag change event's changes to tags the tool reads (the exemption tag, `sgc:` tags).
    tag_changes: tuple[TagChange, ...] = ()


@dataclass(frozen=True, slots=True)
class AuditFinding:
    finding_id: str
    check_id: str
    severity: str
    rule_id: str | None


@dataclass(frozen=True, slots=True)
class RollbackAudit:
    """What a rollback restored, could not restore, and could not verify (forced past)."""

    restored_rule_ids: tuple[str, ...]
    already_present_rule_ids: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (rule id from the backup, why it did not come back)
    unverified: tuple[str, ...]  # problems with the backup: forced past, or why it was refused
    forced: bool


@dataclass(frozen=True, slots=True)
class AuditRecord:
    record_id: str
    event_id: str
    event_name: str
    event_time: datetime | None
    decided_at: datetime
    actor: str | None
    account_id: str
    region: str
    group_id: str | None
    policy_id: str | None
    policy_digest: str | None
    mode: str | None
    action: AuditAction
    findings: tuple[AuditFinding, ...]
    findings_truncated: int
    pre_image_hash: str | None
    plan_id: str | None
    backup_id: str | None
    outcome: str | None
    revoked_rule_ids: tuple[str, ...]
    reason: str
    latency_ms: int | None
    dry_run: bool
    # Only on records of action `rollback` (and then in the JSON document too).
    rollback: RollbackAudit | None = None
    # The backup as stored: its version in the store and the sha256 of its canonical content.
    backup_version: str | None = None
    backup_sha256: str | None = None
    # Planned rules that changed or went between the read and the revoke (judged again), and
    # planned rules this tool did not remove.
    changed_rule_ids: tuple[str, ...] = ()
    not_revoked_rule_ids: tuple[str, ...] = ()
    # The changes to tags the tool reads that triggered the decision (CreateTags/DeleteTags).
    tag_changes: tuple[TagChange, ...] = ()

    @property
    def violation_count(self) -> int:
        return len(self.findings) + self.findings_truncated


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """Where a sink put a record; `created` is False when that record id was already there."""

    location: str
    created: bool = True


def clip(value: object, limit: int) -> str:
    """`value` as text of at most `limit` characters; a cut says how much it dropped."""
    text = value if isinstance(value, str) else str(value)
    try:
        text.encode()
    except UnicodeEncodeError:  # lone surrogates (valid in JSON input) cannot be stored as UTF-8
        text = text.encode(errors="replace").decode()
    if len(text) <= limit:
        return text
    room = limit - len(f"...[truncated {len(text)} chars]")
    keep = max(room, 0)
    return text[:keep] + f"...[truncated {len(text) - keep} chars]"


def _optional(value: object | None, limit: int) -> str | None:
    return None if value is None or value == "" else clip(value, limit)


def as_utc(moment: datetime) -> datetime:
    """Naive times are taken as UTC (CloudTrail's eventTime is UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    return as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def latency_ms(event_time: datetime | None, decided_at: datetime) -> int | None:
    """Milliseconds from the change to the decision; clock skew never makes it negative."""
    if event_time is None:
        return None
    delta = as_utc(decided_at) - as_utc(event_time)
    return max(0, round(delta.total_seconds() * 1000))


def record_id_for(trigger: Trigger, group_id: str | None, action: AuditAction) -> str:
    """Same event, same group, same decision: same id, whatever the delivery."""
    key = "\x1f".join(
        (trigger.event_id, trigger.account_id, trigger.region, group_id or "", action.value)
    )
    return hashlib.sha256(key.encode(errors="surrogatepass")).hexdigest()[:32]


def audit_record(
    trigger: Trigger,
    *,
    decided_at: datetime,
    action: AuditAction,
    group_id: str | None = None,
    policy_id: str | None = None,
    policy_digest: str | None = None,
    mode: str | None = None,
    findings: Sequence[JudgedFinding] = (),
    pre_image_digest: str | None = None,
    plan_id: str | None = None,
    backup_id: str | None = None,
    outcome: str | None = None,
    revoked_rule_ids: Sequence[str] = (),
    reason: str = "",
    dry_run: bool = False,
    backup: tuple[str | None, str | None] = (None, None),
    changed_rule_ids: Sequence[str] = (),
    not_revoked_rule_ids: Sequence[str] = (),
) -> AuditRecord:
    """The record of one decision. `decided_at` comes from the caller's clock; `backup` is
    the stored backup's (version, sha256)."""
    kept = findings[:MAX_FINDINGS]
    return AuditRecord(
        record_id=record_id_for(trigger, group_id, action),
        event_id=clip(trigger.event_id, ID_LIMIT),
        event_name=clip(trigger.event_name, ID_LIMIT),
        event_time=None if trigger.event_time is None else as_utc(trigger.event_time),
        decided_at=as_utc(decided_at),
        actor=_optional(trigger.actor, ARN_LIMIT),
        account_id=clip(trigger.account_id, ID_LIMIT),
        region=clip(trigger.region, ID_LIMIT),
        group_id=_optional(group_id, ID_LIMIT),
        policy_id=_optional(policy_id, NAME_LIMIT),
        policy_digest=_optional(policy_digest, ID_LIMIT),
        mode=_optional(mode, ID_LIMIT),
        action=action,
        findings=tuple(_finding(f) for f in kept),
        findings_truncated=len(findings) - len(kept),
        pre_image_hash=_optional(pre_image_digest, ID_LIMIT),
        plan_id=_optional(plan_id, ID_LIMIT),
        backup_id=_optional(backup_id, NAME_LIMIT),
        outcome=_optional(outcome, ID_LIMIT),
        revoked_rule_ids=_rule_ids(revoked_rule_ids),
        reason=clip(reason, REASON_LIMIT),
        latency_ms=latency_ms(trigger.event_time, decided_at),
        dry_run=dry_run,
        backup_version=_optional(backup[0], NAME_LIMIT),
        backup_sha256=_optional(backup[1], ID_LIMIT),
        changed_rule_ids=_rule_ids(changed_rule_ids),
        not_revoked_rule_ids=_rule_ids(not_revoked_rule_ids),
        tag_changes=tuple(_tag_change(c) for c in trigger.tag_changes[:MAX_TAG_CHANGES]),
    )


def _tag_change(change: TagChange) -> TagChange:
    return replace(
        change,
        resource_id=clip(change.resource_id, ID_LIMIT),
        key=_optional(change.key, ID_LIMIT),
        value=None if change.value is None else clip(change.value, NAME_LIMIT),
    )


def _rule_ids(ids: Sequence[str]) -> tuple[str, ...]:
    return tuple(clip(r, ID_LIMIT) for r in ids[:MAX_RULE_IDS])


def rollback_audit_record(
    trigger: Trigger,
    *,
    decided_at: datetime,
    backup_id: str,
    group_id: str | None,
    outcome: str,
    detail: RollbackAudit,
    plan_id: str | None = None,
    dry_run: bool = False,
) -> AuditRecord:
    """The record of one rollback, refused or carried out. Restored rules are named by their
    ids in the backup (AWS gives each a new id), never as `revoked_rule_ids`."""
    parts = [
        f"restored {len(detail.restored_rule_ids)} rule(s), "
        f"{len(detail.already_present_rule_ids)} already present"
    ]
    if detail.failed:
        parts.append("not restored: " + "; ".join(f"{i}: {why}" for i, why in detail.failed))
    problems = list(detail.unverified)
    # A failed rollback's last problem is what stopped it (`RollbackService.record_failure`).
    stopped = problems.pop() if outcome == "failed" and problems else None
    if problems:
        verb = "forced past" if detail.forced else "refused"
        parts.append(f"{verb}: " + "; ".join(problems))
    if stopped is not None:
        parts.append(f"stopped: {stopped}")
    record = audit_record(
        trigger, decided_at=decided_at, action=AuditAction.ROLLBACK, group_id=group_id,
        plan_id=plan_id, backup_id=backup_id, outcome=outcome, reason="; ".join(parts),
        dry_run=dry_run,
    )  # fmt: skip
    return replace(record, rollback=_clipped(detail))


def _clipped(detail: RollbackAudit) -> RollbackAudit:
    def ids(values: Sequence[str]) -> tuple[str, ...]:
        return tuple(clip(v, ID_LIMIT) for v in values[:MAX_RULE_IDS])

    return RollbackAudit(
        restored_rule_ids=ids(detail.restored_rule_ids),
        already_present_rule_ids=ids(detail.already_present_rule_ids),
        failed=tuple(
            (clip(i, ID_LIMIT), clip(why, NAME_LIMIT)) for i, why in detail.failed[:MAX_RULE_IDS]
        ),
        unverified=tuple(clip(p, NAME_LIMIT) for p in detail.unverified[:MAX_PROBLEMS]),
        forced=detail.forced,
    )


def _finding(finding: JudgedFinding) -> AuditFinding:
    return AuditFinding(
        finding_id=clip(finding.finding_id, ID_LIMIT),
        check_id=clip(finding.check_id, NAME_LIMIT),
        severity=clip(finding.severity.value, ID_LIMIT),
        rule_id=_optional(finding.rule_id, ID_LIMIT),
    )


def highest_severity(records: Sequence[AuditRecord]) -> str | None:
    """The most severe finding's severity across `records`, or None when none has findings."""
    ranks = {s.value: s.rank for s in Severity}
    found = [f.severity for r in records for f in r.findings if f.severity in ranks]
    return max(found, key=ranks.__getitem__) if found else None


def to_json(record: AuditRecord) -> dict[str, Any]:
    """The record as the documented JSON object (docs/observability.md)."""
    doc = _common_json(record)
    if record.rollback is not None:
        detail = record.rollback
        doc["rollback"] = {
            "restored_rule_ids": list(detail.restored_rule_ids),
            "already_present_rule_ids": list(detail.already_present_rule_ids),
            "failed": [{"rule_id": i, "reason": why} for i, why in detail.failed],
            "unverified": list(detail.unverified),
            "forced": detail.forced,
        }
    return doc


def _common_json(record: AuditRecord) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "record_id": record.record_id,
        "event_id": record.event_id,
        "event_name": record.event_name,
        "event_time": None if record.event_time is None else format_time(record.event_time),
        "decided_at": format_time(record.decided_at),
        "latency_ms": record.latency_ms,
        "actor": record.actor,
        "account_id": record.account_id,
        "region": record.region,
        "group_id": record.group_id,
        "policy_id": record.policy_id,
        "policy_digest": record.policy_digest,
        "mode": record.mode,
        "dry_run": record.dry_run,
        "action": record.action.value,
        "outcome": record.outcome,
        "reason": record.reason,
        "findings": [
            {
                "finding_id": f.finding_id,
                "check_id": f.check_id,
                "severity": f.severity,
                "rule_id": f.rule_id,
            }
            for f in record.findings
        ],
        "findings_truncated": record.findings_truncated,
        "pre_image_hash": record.pre_image_hash,
        "plan_id": record.plan_id,
        "backup_id": record.backup_id,
        "backup_version": record.backup_version,
        "backup_sha256": record.backup_sha256,
        "revoked_rule_ids": list(record.revoked_rule_ids),
        "changed_rule_ids": list(record.changed_rule_ids),
        "not_revoked_rule_ids": list(record.not_revoked_rule_ids),
        "tag_changes": [change.to_json() for change in record.tag_changes],
    }
