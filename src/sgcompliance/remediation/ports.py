"""What the use cases need from the outside world; the aws package provides it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from sgcompliance.engine.model import Direction, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.remediation.backup import BackupRecord, LoadedBackup, StoredBackup
from sgcompliance.remediation.drift import RevokeResult
from sgcompliance.remediation.receipt import BackupReceipt


class GroupGateway(Protocol):
    """Reads and writes security groups of one account x region."""

    def describe_group(self, group_id: str) -> SecurityGroup:
        """The group with its current rules; raises NotFoundError if it is gone."""
        ...

    def rules(self, group_id: str) -> tuple[Rule, ...]:
        """The group's current rules, in one call: the re-read before a revoke and the
        verification after it. NotFoundError when the group is gone."""
        ...

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        """Revoke by content (protocol, ports, peer), one call for all `rules`: a rule changed
        in place since it was judged no longer matches and is never removed. Raises
        NotFoundError where the API fails a call naming content the group does not hold."""
        ...

    def revoke_ids(self, group_id: str, direction: Direction, rule_ids: Sequence[str]) -> None:
        """Revoke by rule id, one call: only for a rule just read under that id with exactly
        the content judged, on an endpoint that refused to match that content."""
        ...

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None: ...

    def set_tags(self, group_id: str, tags: Mapping[str, str]) -> None: ...

    def remove_tags(self, group_id: str, keys: Sequence[str]) -> None: ...


@runtime_checkable
class BatchGateway(Protocol):
    """What a `GroupGateway` may also do for many groups of its account x region at once; a
    remediation of many groups uses it when the gateway has it, else the one-group calls."""

    def rules_of(self, group_ids: Sequence[str]) -> Mapping[str, tuple[Rule, ...]]:
        """Every listed group's current rules (a group that is gone has none), in one call
        per 200 groups (a `group-id` filter)."""
        ...

    def tags_of(self, group_ids: Sequence[str]) -> Mapping[str, Mapping[str, str]]:
        """The current tags of the listed groups that exist, in one call per 200 groups."""
        ...

    def groups_of(self, group_ids: Sequence[str]) -> Mapping[str, SecurityGroup]:
        """The listed groups that exist, by content (their tags and every rule's content, as
        `DescribeSecurityGroups` gives them: no rule ids, no rule tags), in one call per 200
        groups: what tells which rules and tags a group holds, in half the calls of
        `rules_of` and `tags_of`."""
        ...

    def set_tags_many(self, group_ids: Sequence[str], tags: Mapping[str, str]) -> None:
        """The same tags on every listed group, one call per 1,000 groups (AWS fails a call
        naming a group that is gone as a whole)."""
        ...

    def remove_tags_many(self, group_ids: Sequence[str], keys: Sequence[str]) -> None:
        """The same tag keys off every listed group, whatever their values, one call per 1,000
        groups (AWS may fail a call naming a group that is gone as a whole)."""
        ...


class RegionReader(Protocol):
    def read(self) -> RegionSnapshot: ...


class BackupStore(Protocol):
    def put(self, record: BackupRecord) -> StoredBackup:
        """Store durably, never over an existing backup; raises BackupError on any failure."""
        ...

    def get(self, backup_id: str) -> BackupRecord:
        """The newest stored content under `backup_id` (listing and display only: a rollback
        reads the receipt's pinned version through `load`)."""
        ...

    def load(self, backup_id: str, version_id: str | None = None) -> LoadedBackup:
        """Exactly that version (the newest when None), with the digest of what was read."""
        ...

    def list(self, group_id: str | None = None) -> list[str]:
        """Backup ids, oldest first."""
        ...

    def put_receipt(self, receipt: BackupReceipt) -> None:
        """Store the receipt once; a receipt already there is never replaced (BackupError)."""
        ...

    def receipt(self, backup_id: str) -> BackupReceipt | None:
        """The receipt of `backup_id`; None when there is none; BackupError when it cannot be
        trusted (unreadable, or rewritten since it was stored)."""
        ...

    def receipts(self, group_id: str) -> Sequence[BackupReceipt]:
        """The group's receipts (any order); unreadable ones are left out and logged."""
        ...
