"""Rollback: re-authorize exactly what a remediation revoked, from its stored backup."""

from __future__ import annotations

from dataclasses import dataclass, field

from sgcompliance.app.ports import BackupStore, GroupGateway
from sgcompliance.app.remediator import GatewayFor
from sgcompliance.core.errors import BackupError
from sgcompliance.core.model import Direction
from sgcompliance.core.plan import MANAGED_TAG_KEYS
from sgcompliance.core.rollback import RollbackPlan, invert, without_existing
from sgcompliance.core.rule_codec import rule_identity


@dataclass(slots=True)
class RollbackOutcome:
    plan: RollbackPlan
    dry_run: bool
    restored: int = 0
    verified: bool = False
    removed_tags: list[str] = field(default_factory=list)


class RollbackService:
    def __init__(self, backups: BackupStore) -> None:
        self.backups = backups

    def latest(self, group_id: str) -> str:
        ids = self.backups.list(group_id)
        if not ids:
            raise BackupError(f"no backup found for group {group_id}")
        return ids[-1]

    def rollback(
        self, backup_id: str, gateway_for: GatewayFor, *, dry_run: bool
    ) -> RollbackOutcome:
        record = self.backups.get(backup_id)
        gateway = gateway_for(record.plan.account_id, record.plan.region)
        current = gateway.describe_group(record.plan.group_id)
        plan = without_existing(invert(record.plan, backup_id), current.rules)
        outcome = RollbackOutcome(plan, dry_run)
        if dry_run:
            return outcome
        for direction in Direction:
            rules = plan.rules(direction)
            if rules:
                gateway.authorize(plan.group_id, direction, rules)
                outcome.restored += len(rules)
        present_tags = [k for k in MANAGED_TAG_KEYS if k in current.tags]
        if present_tags:
            gateway.remove_tags(plan.group_id, present_tags)
            outcome.removed_tags = present_tags
        outcome.verified = _verify(gateway, plan)
        return outcome


def _verify(gateway: GroupGateway, plan: RollbackPlan) -> bool:
    after = {rule_identity(r) for r in gateway.describe_group(plan.group_id).rules}
    return all(rule_identity(r) in after for r in plan.authorize + plan.skipped)
