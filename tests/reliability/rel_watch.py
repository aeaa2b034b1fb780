"""The product's ports as the product sees them, watched.

`WatchedGateway` and `WatchedStore` wrap the real `Ec2GroupGateway` and backup store. Before
each call the adversary has its turn; then the call is written to the journal and made. The
observer (the oracles) sees a revoke's group just before and just after it, every authorize
before it is sent, and every pointer tag, backup and receipt the product wrote. The journal is
the interleaving: every port call and every act of the adversary, in order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sgcompliance.engine.model import Direction, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.events.services import MemberGroups
from sgcompliance.remediation.backup import BackupRecord, LoadedBackup, StoredBackup, group_of
from sgcompliance.remediation.drift import RevokeResult
from sgcompliance.remediation.ports import BackupStore, GroupGateway
from sgcompliance.remediation.receipt import BackupReceipt

T = TypeVar("T")
SGC = "sgc"
ADVERSARY = "adversary"


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    phase: str
    actor: str
    what: str
    group_id: str
    detail: str = ""

    def __str__(self) -> str:
        return f"#{self.seq} [{self.phase}] {self.actor}: {self.what} {self.group_id} {self.detail}"


@dataclass(slots=True)
class Journal:
    entries: list[Entry] = field(default_factory=list)
    phase: str = "setup"

    def add(self, actor: str, what: str, group_id: str, detail: str = "") -> Entry:
        entry = Entry(len(self.entries), self.phase, actor, what, group_id, detail)
        self.entries.append(entry)
        return entry

    def calls(self, phase: str) -> Counter[str]:
        """The product's port calls in phases starting with `phase`, by method."""
        return Counter(e.what for e in self.entries if e.actor == SGC and e.phase.startswith(phase))

    def before(self, group_id: str, seq: int | None = None, count: int = 20) -> list[str]:
        """The last `count` entries about `group_id` up to entry `seq`: what led to a finding."""
        upto = len(self.entries) if seq is None else seq + 1
        mine = [e for e in self.entries[:upto] if e.group_id == group_id]
        return [str(e) for e in mine[-count:]]


class Turns(Protocol):
    def turn(self, group_id: str) -> None: ...


class Observer(Protocol):
    def revoking(self, where: tuple[str, str], group_id: str, entry: Entry) -> Any:
        """Before a revoke (by content or by id): what `revoked` needs after it."""
        ...

    def revoked(self, token: Any) -> None: ...

    def authorizing(self, group_id: str, rules: Sequence[Rule], entry: Entry) -> None: ...

    def tagged(self, group_id: str, tags: Mapping[str, str]) -> None: ...

    def stored(self, record: BackupRecord, stored: StoredBackup) -> None: ...

    def receipted(self, receipt: BackupReceipt) -> None: ...


@dataclass(slots=True)
class Watch:
    journal: Journal
    adversary: Turns
    observer: Observer

    def call(self, method: str, group_id: str, run: Callable[[Entry], T], detail: str = "") -> T:
        """The adversary's turn, then the call, journaled (a failure too)."""
        self.adversary.turn(group_id)
        entry = self.journal.add(SGC, method, group_id, detail)
        try:
            return run(entry)
        except Exception as exc:
            self.journal.add(SGC, f"{method} failed", group_id, f"{type(exc).__name__}: {exc}")
            raise


class WatchedGateway:
    def __init__(self, inner: GroupGateway, watch: Watch, where: tuple[str, str]) -> None:
        self.inner = inner
        self.watch = watch
        self.where = where  # (account, region)

    def describe_group(self, group_id: str) -> SecurityGroup:
        return self.watch.call(
            "describe_group", group_id, lambda _: self.inner.describe_group(group_id)
        )

    def rules(self, group_id: str) -> tuple[Rule, ...]:
        return self.watch.call("rules", group_id, lambda _: self.inner.rules(group_id))

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        def run(entry: Entry) -> RevokeResult:
            token = self.watch.observer.revoking(self.where, group_id, entry)
            try:
                return self.inner.revoke(group_id, direction, rules)
            finally:
                self.watch.observer.revoked(token)

        return self.watch.call("revoke", group_id, run, _ids(rules))

    def revoke_ids(self, group_id: str, direction: Direction, rule_ids: Sequence[str]) -> None:
        def run(entry: Entry) -> None:
            token = self.watch.observer.revoking(self.where, group_id, entry)
            try:
                self.inner.revoke_ids(group_id, direction, rule_ids)
            finally:
                self.watch.observer.revoked(token)

        self.watch.call("revoke_ids", group_id, run, ",".join(rule_ids))

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        def run(entry: Entry) -> None:
            self.watch.observer.authorizing(group_id, rules, entry)
            self.inner.authorize(group_id, direction, rules)

        self.watch.call("authorize", group_id, run, _ids(rules))

    def set_tags(self, group_id: str, tags: Mapping[str, str]) -> None:
        def run(_: Entry) -> None:
            self.inner.set_tags(group_id, tags)
            self.watch.observer.tagged(group_id, tags)

        self.watch.call("set_tags", group_id, run, str(dict(tags)))

    def remove_tags(self, group_id: str, keys: Sequence[str]) -> None:
        self.watch.call("remove_tags", group_id, lambda _: self.inner.remove_tags(group_id, keys))


class WatchedStore:
    def __init__(self, inner: BackupStore, watch: Watch) -> None:
        self.inner = inner
        self.watch = watch

    def put(self, record: BackupRecord) -> StoredBackup:
        def run(_: Entry) -> StoredBackup:
            stored = self.inner.put(record)
            self.watch.observer.stored(record, stored)
            return stored

        return self.watch.call("put", record.plan.group_id, run, record.backup_id)

    def get(self, backup_id: str) -> BackupRecord:
        return self.watch.call("get", group_of(backup_id), lambda _: self.inner.get(backup_id))

    def load(self, backup_id: str, version_id: str | None = None) -> LoadedBackup:
        return self.watch.call(
            "load", group_of(backup_id), lambda _: self.inner.load(backup_id, version_id), backup_id
        )

    def list(self, group_id: str | None = None) -> list[str]:
        return self.watch.call("list", group_id or "", lambda _: self.inner.list(group_id))

    def put_receipt(self, receipt: BackupReceipt) -> None:
        def run(_: Entry) -> None:
            self.inner.put_receipt(receipt)
            self.watch.observer.receipted(receipt)

        self.watch.call("put_receipt", receipt.group_id, run, receipt.backup_id)

    def receipt(self, backup_id: str) -> BackupReceipt | None:
        return self.watch.call(
            "receipt", group_of(backup_id), lambda _: self.inner.receipt(backup_id), backup_id
        )

    def receipts(self, group_id: str) -> Sequence[BackupReceipt]:
        return self.watch.call("receipts", group_id, lambda _: self.inner.receipts(group_id))


class WatchedMembers:
    """The pipeline's member access, handing out watched gateways."""

    def __init__(self, inner: MemberGroups, watch: Watch) -> None:
        self.inner = inner
        self.watch = watch

    def group(self, account_id: str, region: str, group_id: str) -> RegionSnapshot:
        return self.inner.group(account_id, region, group_id)

    def group_ids_named(self, account_id: str, region: str, names: Sequence[str]) -> list[str]:
        return self.inner.group_ids_named(account_id, region, names)

    def region(
        self, account_id: str, region: str, judged_by: ComplianceScanner | None = None
    ) -> RegionSnapshot:
        return self.inner.region(account_id, region, judged_by)

    def gateway(self, account_id: str, region: str) -> WatchedGateway:
        inner = self.inner.gateway(account_id, region)
        return WatchedGateway(inner, self.watch, (account_id, region))


def _ids(rules: Sequence[Rule]) -> str:
    return ",".join(r.rule_id for r in rules)
