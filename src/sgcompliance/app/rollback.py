"""Rollback: re-authorize exactly what a remediation revoked, from its stored backup."""

from __future__ import annotations

from dataclasses import dataclass, field

from sgcompliance.app.ports import BackupStore, GroupGateway
from sgcompliance.app.remediator import GatewayFor
from sgcompliance.core.errors import AwsApiError, BackupError
from sgcompliance.core.model import Direction
from sgcompliance.core.plan import MANAGED_TAG_KEYS
from sgcompliance.core.rollback import RollbackPlan, invert, without_existing
from sgcompliance.core.rule_codec import rule_identity

# What AWS answers when a rule to authorize exists already.
DUPLICATE_RULE = "InvalidPermission.Duplicate"


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
            outcome.restored += _authorize(gateway, plan, direction)
        present_tags = [k for k in MANAGED_TAG_KEYS if k in current.tags]
        if present_tags:
            gateway.remove_tags(plan.group_id, present_tags)
            outcome.removed_tags = present_tags
        outcome.verified = _verify(gateway, plan)
        return outcome


def _authorize(gateway: GroupGateway, plan: RollbackPlan, direction: Direction) -> int:
    """Authorize the direction's rules in one call; how many are back.

    A call that timed out after AWS carried it out is retried by the client and then fails
    as a duplicate; so does one racing another rollback. Either way some rules are back
    already: re-describe and authorize only those still missing.
    """
    rules = plan.rules(direction)
    if not rules:
        return 0
    try:
        gateway.authorize(plan.group_id, direction, rules)
        return len(rules)
    except AwsApiError as exc:
        if exc.aws_code != DUPLICATE_RULE:
            raise
    present = {rule_identity(r) for r in gateway.describe_group(plan.group_id).rules}
    missing = [r for r in rules if rule_identity(r) not in present]
    if missing:
        gateway.authorize(plan.group_id, direction, missing)
    return len(rules)


def _verify(gateway: GroupGateway, plan: RollbackPlan) -> bool:
    after = {rule_identity(r) for r in gateway.describe_group(plan.group_id).rules}
    return all(rule_identity(r) in after for r in plan.authorize + plan.skipped)
