"""An in-memory stand-in for one account-region's EC2 security groups, with AWS's rules:
revoking a missing rule id fails the whole call with NotFound, and authorize mints new ids."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sgcompliance.core.backup import BackupRecord
from sgcompliance.core.errors import BackupError, NotFoundError
from sgcompliance.core.model import Direction, Rule, SecurityGroup


class FakeGateway:
    def __init__(self, groups: Sequence[SecurityGroup], log: list[str] | None = None) -> None:
        self.groups = {g.group_id: g for g in groups}
        self.log = log if log is not None else []
        self.writes: list[str] = []
        self._ids = itertools.count(1)

    def describe_group(self, group_id: str) -> SecurityGroup:
        self.log.append(f"describe {group_id}")
        if group_id not in self.groups:
            raise NotFoundError(f"{group_id} not found")
        return self.groups[group_id]

    def rule_ids(self, group_id: str) -> set[str]:
        return {r.rule_id for r in self.describe_group(group_id).rules}

    def revoke(self, group_id: str, direction: Direction, rule_ids: Sequence[str]) -> None:
        group = self.describe_group(group_id)
        present = {r.rule_id for r in group.rules if r.direction is direction}
        if not set(rule_ids) <= present:
            raise NotFoundError("InvalidSecurityGroupRuleId.NotFound")
        self.writes.append(f"revoke {group_id} {direction} {sorted(rule_ids)}")
        self.log.append(self.writes[-1])
        rules = tuple(r for r in group.rules if r.rule_id not in set(rule_ids))
        self.groups[group_id] = replace(group, rules=rules)

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        group = self.describe_group(group_id)
        self.writes.append(f"authorize {group_id} {direction} {len(rules)}")
        self.log.append(self.writes[-1])
        fresh = tuple(replace(r, rule_id=f"sgr-new{next(self._ids)}") for r in rules)
        self.groups[group_id] = replace(group, rules=group.rules + fresh)

    def set_tags(self, group_id: str, tags: Mapping[str, str]) -> None:
        group = self.describe_group(group_id)
        self.writes.append(f"tag {group_id} {sorted(tags)}")
        self.log.append(self.writes[-1])
        self.groups[group_id] = replace(group, tags={**group.tags, **tags})

    def remove_tags(self, group_id: str, keys: Sequence[str]) -> None:
        group = self.describe_group(group_id)
        self.writes.append(f"untag {group_id} {sorted(keys)}")
        self.log.append(self.writes[-1])
        self.groups[group_id] = replace(
            group, tags={k: v for k, v in group.tags.items() if k not in keys}
        )

    def delete_rule(self, group_id: str, rule_id: str) -> None:
        """Someone else's change between plan and apply."""
        group = self.groups[group_id]
        self.groups[group_id] = replace(
            group, rules=tuple(r for r in group.rules if r.rule_id != rule_id)
        )


class MemoryBackups:
    def __init__(self, log: list[str] | None = None, *, fail: bool = False) -> None:
        self.records: dict[str, BackupRecord] = {}
        self.log = log if log is not None else []
        self.fail = fail

    def put(self, record: BackupRecord) -> str:
        if self.fail:
            raise BackupError("store unavailable")
        self.records[record.backup_id] = record
        self.log.append(f"backup {record.plan.group_id}")
        return f"memory://{record.backup_id}"

    def get(self, backup_id: str) -> BackupRecord:
        if backup_id not in self.records:
            raise BackupError(f"no backup {backup_id}")
        return self.records[backup_id]

    def list(self, group_id: str | None = None) -> list[str]:
        return sorted(k for k, r in self.records.items() if group_id in (None, r.plan.group_id))
