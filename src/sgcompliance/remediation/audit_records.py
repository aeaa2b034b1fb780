"""Audit records of remediation decisions: a plan carried out (or not), one group's outcome.

The record's format is `records.audit`'s; what a plan and an outcome put in it is decided here,
next to the plan and the outcome, so the records package knows nothing of remediation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sgcompliance.records.audit import AuditAction, AuditRecord, Trigger, audit_record
from sgcompliance.remediation.outcome import GroupOutcome, Outcome
from sgcompliance.remediation.plan import Action, RemediationPlan, pre_image_hash

_PLAN_ACTIONS = {
    Action.FLAG: AuditAction.FLAG,
    Action.REVOKE: AuditAction.REVOKE,
    Action.LOCKDOWN: AuditAction.LOCKDOWN,
}


def plan_audit_record(
    trigger: Trigger,
    plan: RemediationPlan,
    *,
    decided_at: datetime,
    outcome: str,
    policy_id: str | None = None,
    policy_digest: str | None = None,
    backup_id: str | None = None,
    revoked_rule_ids: Sequence[str] = (),
    reason: str = "",
    dry_run: bool = False,
    backup: tuple[str | None, str | None] = (None, None),
    changed_rule_ids: Sequence[str] = (),
    not_revoked_rule_ids: Sequence[str] = (),
) -> AuditRecord:
    """The record of a plan carried out (or not): action, mode, findings and pre-image from it."""
    return audit_record(
        trigger,
        decided_at=decided_at,
        action=_PLAN_ACTIONS[plan.action],
        group_id=plan.group_id,
        policy_id=policy_id,
        policy_digest=policy_digest,
        mode=plan.mode.value,
        findings=plan.findings,
        pre_image_digest=pre_image_hash(plan.pre_image),
        plan_id=plan.plan_id,
        backup_id=backup_id,
        outcome=outcome,
        revoked_rule_ids=revoked_rule_ids,
        reason=reason or plan.note,
        dry_run=dry_run,
        backup=backup,
        changed_rule_ids=changed_rule_ids,
        not_revoked_rule_ids=not_revoked_rule_ids,
    )


def outcome_audit_record(
    trigger: Trigger,
    outcome: GroupOutcome,
    *,
    decided_at: datetime,
    policy_id: str | None = None,
    policy_digest: str | None = None,
) -> AuditRecord:
    """The record of one group's remediation outcome (`RemediationRun.outcomes` entries)."""
    return plan_audit_record(
        trigger,
        outcome.plan,
        decided_at=decided_at,
        outcome=outcome.outcome.value,
        policy_id=policy_id,
        policy_digest=policy_digest,
        backup_id=outcome.backup_id,
        revoked_rule_ids=outcome.revoked,
        reason=outcome.error or "",
        dry_run=outcome.outcome is Outcome.DRY_RUN,
        backup=(outcome.backup_version, outcome.backup_sha256),
        changed_rule_ids=outcome.changed,
        not_revoked_rule_ids=outcome.already_gone,
    )
