"""Undoing a remediation: the pure inverse of a plan, minus what already exists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sgcompliance.engine.model import Direction, Rule
from sgcompliance.engine.rule_codec import rule_identity
from sgcompliance.remediation.plan import MANAGED_TAG_KEYS, RemediationPlan


@dataclass(frozen=True, slots=True)
class RollbackPlan:
    backup_id: str
    account_id: str
    region: str
    group_id: str
    authorize: tuple[Rule, ...]
    skipped: tuple[Rule, ...] = ()
    remove_tags: tuple[str, ...] = MANAGED_TAG_KEYS

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        return tuple(r for r in self.authorize if r.direction is direction)


def invert(plan: RemediationPlan, backup_id: str) -> RollbackPlan:
    """Re-authorize exactly the revoked rules and drop the violation tags."""
    return RollbackPlan(
        backup_id=backup_id,
        account_id=plan.account_id,
        region=plan.region,
        group_id=plan.group_id,
        authorize=plan.revoked_rules,
    )


def without_existing(rollback: RollbackPlan, current: Sequence[Rule]) -> RollbackPlan:
    """Skip rules the group already has again, so a rollback can be re-run safely."""
    present = {rule_identity(r) for r in current}
    keep = tuple(r for r in rollback.authorize if rule_identity(r) not in present)
    skipped = tuple(r for r in rollback.authorize if rule_identity(r) in present)
    return RollbackPlan(
        backup_id=rollback.backup_id,
        account_id=rollback.account_id,
        region=rollback.region,
        group_id=rollback.group_id,
        authorize=keep,
        skipped=rollback.skipped + skipped,
        remove_tags=rollback.remove_tags,
    )
