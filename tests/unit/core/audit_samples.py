"""Audit records for the audit and alert tests: one CloudTrail change and its decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sgcompliance.engine.policy import Severity
from sgcompliance.records.audit import AuditAction, AuditRecord, Trigger, audit_record
from sgcompliance.remediation.plan import PlannedFinding

ACCOUNT, REGION = "111111111111", "eu-west-1"
ACTOR = "arn:aws:sts::111111111111:assumed-role/developer/alice"
EVENT_TIME = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
DECIDED_AT = EVENT_TIME + timedelta(seconds=2, milliseconds=345)
BACKUP_ID = "sg-0abc.20261127T120002345000Z.0123abcd"


def trigger(
    event_id: str = "6f1c2d3e-0000-4000-8000-000000000001",
    *,
    account_id: str = ACCOUNT,
    region: str = REGION,
    actor: str | None = ACTOR,
    event_time: datetime | None = EVENT_TIME,
) -> Trigger:
    return Trigger(
        event_id=event_id,
        event_name="AuthorizeSecurityGroupIngress",
        account_id=account_id,
        region=region,
        event_time=event_time,
        actor=actor,
    )


def findings(count: int, severity: Severity = Severity.CRITICAL) -> list[PlannedFinding]:
    return [
        PlannedFinding(
            finding_id=f"{n:032x}",
            check_id="cis-5.2-ssh-world",
            severity=severity,
            rule_id=f"sgr-{n:017x}",
            message="ingress tcp/22 from 0.0.0.0/0",
        )
        for n in range(count)
    ]


def revoked_record(
    *,
    group_id: str = "sg-0abc",
    found: list[PlannedFinding] | None = None,
    when: Trigger | None = None,
    decided_at: datetime = DECIDED_AT,
) -> AuditRecord:
    """sg-0abc had one world-open SSH rule; it was revoked after a backup."""
    return audit_record(
        when or trigger(),
        decided_at=decided_at,
        action=AuditAction.REVOKE,
        group_id=group_id,
        policy_id="cis-aws",
        policy_digest="9" * 64,
        mode="remove_non_compliant_rules",
        findings=findings(1) if found is None else found,
        pre_image_digest="a" * 64,
        plan_id="plan-0123456789abcdef0123",
        backup_id=BACKUP_ID,
        outcome="applied",
        revoked_rule_ids=["sgr-00000000000000000"],
    )


def decided(
    action: AuditAction,
    *,
    group_id: str | None = "sg-0abc",
    account_id: str = ACCOUNT,
    region: str = REGION,
    found: list[PlannedFinding] | None = None,
    mode: str | None = "flag_only",
    reason: str = "",
) -> AuditRecord:
    """A record with `action`, in `account_id`/`region`, with `found` findings."""
    return audit_record(
        trigger(account_id=account_id, region=region),
        decided_at=DECIDED_AT,
        action=action,
        group_id=group_id,
        mode=mode,
        findings=found or [],
        reason=reason,
    )
