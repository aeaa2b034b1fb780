"""What the use cases need from the outside world; the aws package provides it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from sgcompliance.core.backup import BackupRecord
from sgcompliance.core.model import Direction, RegionSnapshot, Rule, SecurityGroup


class GroupGateway(Protocol):
    """Reads and writes security groups of one account x region."""

    def describe_group(self, group_id: str) -> SecurityGroup:
        """The group with its current rules; raises NotFoundError if it is gone."""
        ...

    def rule_ids(self, group_id: str) -> set[str]:
        """Ids of the group's current rules, in one call; for verification after a change."""
        ...

    def revoke(self, group_id: str, direction: Direction, rule_ids: Sequence[str]) -> None:
        """One call for all rule ids; raises NotFoundError if any is already gone."""
        ...

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None: ...

    def set_tags(self, group_id: str, tags: Mapping[str, str]) -> None: ...

    def remove_tags(self, group_id: str, keys: Sequence[str]) -> None: ...


class RegionReader(Protocol):
    def read(self) -> RegionSnapshot: ...


class BackupStore(Protocol):
    def put(self, record: BackupRecord) -> str:
        """Store durably and return where it went; raises BackupError on any failure."""
        ...

    def get(self, backup_id: str) -> BackupRecord: ...

    def list(self, group_id: str | None = None) -> list[str]:
        """Backup ids, oldest first."""
        ...
