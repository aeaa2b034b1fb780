"""The `SecurityGroupRemediator`: backup first, revoke by rule id, verify, tag, roll back.

Order per group: plan (from a describe) -> backup stored -> pointer tag -> revoke -> verify by
describe -> outcome tags. Nothing is revoked unless the backup store accepted the record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sgcompliance.app.ports import BackupStore, GroupGateway
from sgcompliance.app.scanner import ComplianceScanner
from sgcompliance.core.backup import BackupRecord, backup_id_for
from sgcompliance.core.errors import NotFoundError
from sgcompliance.core.evaluate import ScanResult
from sgcompliance.core.findings import Finding
from sgcompliance.core.model import Direction, SecurityGroup
from sgcompliance.core.plan import (
    TAG_BACKUP,
    TAG_CHECKS,
    TAG_STATUS,
    Action,
    Mode,
    RemediationPlan,
    limit_blast_radius,
    outcome_tags,
    plan_group,
)
from sgcompliance.core.policy import Severity

log = logging.getLogger(__name__)

GatewayFor = Callable[[str, str], GroupGateway]
STATUS_IN_PROGRESS = "remediating"


class Outcome(StrEnum):
    DRY_RUN = "dry_run"
    APPLIED = "applied"
    UNCHANGED = "unchanged"  # already in the desired state: no write made
    GROUP_GONE = "group_gone"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RemediationSettings:
    mode: Mode = Mode.FLAG_ONLY
    dry_run: bool = False
    max_revokes: int | None = None
    lockdown_severity: Severity = Severity.CRITICAL


@dataclass(slots=True)
class GroupOutcome:
    plan: RemediationPlan
    outcome: Outcome
    backup_id: str | None = None
    revoked: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    verified: bool = False
    error: str | None = None


@dataclass(slots=True)
class RemediationRun:
    plans: list[RemediationPlan]
    outcomes: list[GroupOutcome]
    blast_radius_note: str = ""

    @property
    def revoked_count(self) -> int:
        return sum(len(o.revoked) for o in self.outcomes)


class SecurityGroupRemediator:
    def __init__(
        self,
        scanner: ComplianceScanner,
        backups: BackupStore,
        clock: Callable[[], datetime],
        settings: RemediationSettings,
    ) -> None:
        self.scanner = scanner
        self.backups = backups
        self.clock = clock
        self.settings = settings

    def plan(self, result: ScanResult) -> tuple[list[RemediationPlan], str]:
        """Plans for every group with violations, after the run-wide blast-radius limit."""
        by_group: dict[tuple[str, str, str], list[Finding]] = {}
        for finding in result.findings:
            by_group.setdefault((finding.account_id, finding.region, finding.group_id), []).append(
                finding
            )
        plans = []
        for findings in by_group.values():
            plan = plan_group(
                findings[0].group,
                findings,
                self.settings.mode,
                lockdown_severity=self.settings.lockdown_severity,
            )
            if plan is not None:
                plans.append(plan)
        return limit_blast_radius(plans, self.settings.max_revokes)

    def run(self, result: ScanResult, gateway_for: GatewayFor) -> RemediationRun:
        plans, note = self.plan(result)
        outcomes = [self.apply(plan, gateway_for(plan.account_id, plan.region)) for plan in plans]
        return RemediationRun(plans, outcomes, note)

    def apply(self, plan: RemediationPlan, gateway: GroupGateway) -> GroupOutcome:
        if self.settings.dry_run:
            return GroupOutcome(plan, Outcome.DRY_RUN)
        try:
            return self._apply(plan, gateway)
        except NotFoundError:
            return GroupOutcome(plan, Outcome.GROUP_GONE, error=f"{plan.group_id} no longer exists")

    def _apply(self, plan: RemediationPlan, gateway: GroupGateway) -> GroupOutcome:
        now = self.clock()
        group = gateway.describe_group(plan.group_id)
        if plan.revoke_count == 0:
            return self._flag(plan, group, gateway, now)
        record = BackupRecord(
            backup_id=backup_id_for(plan, now),
            created_at=now.isoformat(),
            plan=plan,
            policy_id=self.scanner.policy.id,
            policy_digest=self.scanner.policy.digest,
        )
        self.backups.put(record)  # raises BackupError: then nothing below happens
        gateway.set_tags(
            plan.group_id, {TAG_BACKUP: record.backup_id, TAG_STATUS: STATUS_IN_PROGRESS}
        )
        outcome = GroupOutcome(plan, Outcome.APPLIED, backup_id=record.backup_id)
        for direction in Direction:
            self._revoke(gateway, plan, direction, outcome)
        after = gateway.describe_group(plan.group_id)
        remaining = {r.rule_id for r in after.rules}
        outcome.verified = not (set(plan.revoke_ingress) | set(plan.revoke_egress)) & remaining
        if not outcome.verified:
            outcome.outcome = Outcome.FAILED
            outcome.error = "verification failed: a revoked rule is still present"
            return outcome
        gateway.set_tags(plan.group_id, outcome_tags(plan, record.backup_id, now.isoformat()))
        return outcome

    def _revoke(
        self, gateway: GroupGateway, plan: RemediationPlan, direction: Direction, out: GroupOutcome
    ) -> None:
        ids = list(plan.revokes(direction))
        if not ids:
            return
        try:
            gateway.revoke(plan.group_id, direction, ids)
            out.revoked.extend(ids)
            return
        except NotFoundError:
            log.info("a rule of %s was already gone; revoking what remains", plan.group_id)
        present = {r.rule_id for r in gateway.describe_group(plan.group_id).rules}
        still = [i for i in ids if i in present]
        out.already_gone.extend(i for i in ids if i not in present)
        if still:
            gateway.revoke(plan.group_id, direction, still)
            out.revoked.extend(still)

    def _flag(
        self, plan: RemediationPlan, group: SecurityGroup, gateway: GroupGateway, now: datetime
    ) -> GroupOutcome:
        tags = outcome_tags(plan, group.tags.get(TAG_BACKUP, ""), now.isoformat())
        if all(group.tags.get(k) == tags[k] for k in (TAG_STATUS, TAG_CHECKS)):
            return GroupOutcome(plan, Outcome.UNCHANGED, verified=True)
        if not tags[TAG_BACKUP]:
            del tags[TAG_BACKUP]
        gateway.set_tags(plan.group_id, tags)
        return GroupOutcome(plan, Outcome.APPLIED, verified=True)

    def finish_interrupted(self, group: SecurityGroup, gateway: GroupGateway) -> bool:
        """A run that stopped after revoking but before tagging leaves the pointer tag only."""
        if group.tags.get(TAG_STATUS) != STATUS_IN_PROGRESS or self.settings.dry_run:
            return False
        gateway.set_tags(group.group_id, {TAG_STATUS: "remediated"})
        return True


def plans_by_action(plans: Sequence[RemediationPlan]) -> dict[Action, int]:
    counts: dict[Action, int] = {}
    for plan in plans:
        counts[plan.action] = counts.get(plan.action, 0) + 1
    return counts
