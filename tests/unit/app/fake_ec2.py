"""An in-memory stand-in for one account-region's EC2 security groups, with AWS's rules:
revoking a missing rule id fails the whole call with NotFound, and authorize mints new ids."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from sgcompliance.engine.model import Direction, PeerKind, Rule, SecurityGroup
from sgcompliance.engine.rule_codec import rule_identity
from sgcompliance.errors import AwsApiError, BackupError, NotFoundError
from sgcompliance.remediation.backup import (
    BackupRecord,
    LoadedBackup,
    StoredBackup,
    canonical_bytes,
    from_document,
    sha256_hex,
)
from sgcompliance.remediation.drift import RevokeResult
from sgcompliance.remediation.receipt import BackupReceipt


class FakeGateway:
    """AWS's answers by default: a revoke names content, and content the group no longer holds
    comes back as unknown. `fail_unknown` answers as endpoints that fail the whole call instead.
    `before(call, action)` runs `action` once, just before the next `call`: another actor's
    change between two steps of the tool."""

    def __init__(
        self,
        groups: Sequence[SecurityGroup],
        log: list[str] | None = None,
        *,
        fail_unknown: bool = False,
        in_order: bool = False,
        refuse_references: bool = False,
    ) -> None:
        self.groups = {g.group_id: g for g in groups}
        self.log = log if log is not None else []
        self.writes: list[str] = []
        self.fail_unknown = fail_unknown
        # moto's answers: the rules of a revoke are removed one after the other until one does
        # not match, which fails the call; and a group reference never matches by content.
        self.in_order = in_order
        self.refuse_references = refuse_references
        self.hooks: dict[str, list[Callable[[], None]]] = {}
        self._ids = itertools.count(1)

    def before(self, call: str, action: Callable[[], None]) -> None:
        self.hooks.setdefault(call, []).append(action)

    def _hook(self, call: str) -> None:
        pending = self.hooks.get(call)
        if pending:
            pending.pop(0)()

    def describe_group(self, group_id: str) -> SecurityGroup:
        self._hook("describe")
        self.log.append(f"describe {group_id}")
        if group_id not in self.groups:
            raise NotFoundError(f"{group_id} not found")
        return self.groups[group_id]

    def rules(self, group_id: str) -> tuple[Rule, ...]:
        self._hook("rules")
        self.log.append(f"rules {group_id}")
        group = self.groups.get(group_id)
        return () if group is None else group.rules

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        self._hook("revoke")
        if self.in_order:
            return self._revoke_in_order(group_id, direction, rules)
        group = self.groups[group_id]
        held = {rule_identity(r): r for r in group.rules if r.direction is direction}
        unknown = tuple(r for r in rules if rule_identity(r) not in held)
        if unknown and self.fail_unknown:
            raise NotFoundError("InvalidPermission.NotFound")
        gone = {held[rule_identity(r)].rule_id for r in rules if rule_identity(r) in held}
        self.writes.append(f"revoke {group_id} {direction} {sorted(gone)}")
        self.log.append(self.writes[-1])
        self.groups[group_id] = replace(
            group, rules=tuple(r for r in group.rules if r.rule_id not in gone)
        )
        return RevokeResult(unknown, tuple(sorted(gone)))

    def _revoke_in_order(
        self, group_id: str, direction: Direction, rules: Sequence[Rule]
    ) -> RevokeResult:
        for rule in rules:
            group = self.groups[group_id]
            held = {rule_identity(r): r for r in group.rules if r.direction is direction}
            match = held.get(rule_identity(rule))
            if match is None or (self.refuse_references and rule.peer.kind is PeerKind.GROUP):
                raise NotFoundError("InvalidPermission.NotFound")
            self.writes.append(f"revoke {group_id} {direction} {[match.rule_id]}")
            self.log.append(self.writes[-1])
            rest = tuple(r for r in group.rules if r.rule_id != match.rule_id)
            self.groups[group_id] = replace(group, rules=rest)
        return RevokeResult((), None)

    def revoke_ids(self, group_id: str, direction: Direction, rule_ids: Sequence[str]) -> None:
        self._hook("revoke_ids")
        group = self.groups[group_id]
        present = {r.rule_id for r in group.rules if r.direction is direction}
        if not set(rule_ids) <= present:
            raise NotFoundError("InvalidSecurityGroupRuleId.NotFound")
        self.writes.append(f"revoke-ids {group_id} {direction} {sorted(rule_ids)}")
        self.log.append(self.writes[-1])
        self.groups[group_id] = replace(
            group, rules=tuple(r for r in group.rules if r.rule_id not in set(rule_ids))
        )

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        self._hook("authorize")
        group = self.describe_group(group_id)
        self.writes.append(f"authorize {group_id} {direction} {len(rules)}")
        self.log.append(self.writes[-1])
        fresh = tuple(replace(r, rule_id=f"sgr-new{next(self._ids)}") for r in rules)
        self.groups[group_id] = replace(group, rules=group.rules + fresh)

    def set_tags(self, group_id: str, tags: Mapping[str, str]) -> None:
        self._hook("tag")
        group = self.describe_group(group_id)
        merged = {**group.tags, **tags}
        if sum(1 for k in merged if not k.startswith("aws:")) > 50:
            raise AwsApiError("TagLimitExceeded", aws_code="TagLimitExceeded")
        self.writes.append(f"tag {group_id} {sorted(tags)}")
        self.log.append(self.writes[-1])
        self.groups[group_id] = replace(group, tags=merged)

    def remove_tags(self, group_id: str, keys: Sequence[str]) -> None:
        self._hook("untag")
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

    def modify_rule(self, group_id: str, rule_id: str, **changes: object) -> None:
        """`ModifySecurityGroupRules`: new content, same rule id."""
        group = self.groups[group_id]
        rules = tuple(
            replace(r, **changes) if r.rule_id == rule_id else r  # type: ignore[arg-type]
            for r in group.rules
        )
        self.groups[group_id] = replace(group, rules=rules)

    def add_rule(self, group_id: str, rule: Rule) -> None:
        group = self.groups[group_id]
        self.groups[group_id] = replace(group, rules=(*group.rules, rule))


class MemoryBackups:
    """A versioned, write-once backup store in memory; `tamper` writes as an attacker would."""

    def __init__(self, log: list[str] | None = None, *, fail: bool = False) -> None:
        self.records: dict[str, BackupRecord] = {}
        self.versions: dict[str, list[bytes]] = {}
        self.receipts_by_id: dict[str, list[BackupReceipt]] = {}
        self.log = log if log is not None else []
        self.fail = fail

    def put(self, record: BackupRecord) -> StoredBackup:
        if self.fail:
            raise BackupError("store unavailable")
        if record.backup_id in self.versions:
            raise BackupError(f"backup {record.backup_id} exists already")
        self.records[record.backup_id] = record
        self.versions[record.backup_id] = [canonical_bytes(record)]
        self.log.append(f"backup {record.plan.group_id}")
        return StoredBackup(
            record.backup_id,
            f"memory://{record.backup_id}",
            "v1",
            sha256_hex(canonical_bytes(record)),
        )

    def tamper(self, backup_id: str, record: BackupRecord) -> None:
        """A new version under an existing (or new) id, written around the tool."""
        self.records[backup_id] = record
        self.versions.setdefault(backup_id, []).append(canonical_bytes(record))

    def get(self, backup_id: str) -> BackupRecord:
        if backup_id not in self.records:
            raise BackupError(f"no backup {backup_id}")
        return self.records[backup_id]

    def load(self, backup_id: str, version_id: str | None = None) -> LoadedBackup:
        if backup_id not in self.versions:
            raise BackupError(f"no backup {backup_id}")
        versions = self.versions[backup_id]
        index = len(versions) if version_id is None else int(version_id.removeprefix("v"))
        if not 1 <= index <= len(versions):
            raise BackupError(f"no version {version_id} of {backup_id}")
        data = versions[index - 1]
        record = from_document(json.loads(data))
        return LoadedBackup(record, sha256_hex(data), f"v{index}")

    def list(self, group_id: str | None = None) -> list[str]:
        return sorted(k for k, r in self.records.items() if group_id in (None, r.plan.group_id))

    def put_receipt(self, receipt: BackupReceipt) -> None:
        if self.fail:
            raise BackupError("store unavailable")
        if receipt.backup_id in self.receipts_by_id:
            raise BackupError(f"receipt of {receipt.backup_id} exists already")
        self.receipts_by_id[receipt.backup_id] = [receipt]
        self.log.append(f"receipt {receipt.group_id}")

    def receipt(self, backup_id: str) -> BackupReceipt | None:
        found = self.receipts_by_id.get(backup_id)
        if not found:
            return None
        if len(found) > 1:
            raise BackupError(f"the receipt of {backup_id} was rewritten")
        return found[0]

    def receipts(self, group_id: str) -> list[BackupReceipt]:
        return [r[0] for r in self.receipts_by_id.values() if r[0].group_id == group_id]
