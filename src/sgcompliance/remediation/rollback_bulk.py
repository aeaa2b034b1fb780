"""Rolling back many backups at once: several ids, or every backup of one remediation run.

Each backup is checked and restored exactly as a rollback of it alone would be
(`RollbackService.check` then `restore`, each audited), so a refused one says why and never
stops the others. Groups are restored concurrently, a group's own backups one after another,
newest first, as changes are undone: two restores of one group at once would race on its rules
and its tags. An account-region with several groups to restore is read once, in a few calls,
instead of each restore's first describe (two calls per group).

A run's backups are found by the run tag their ids end with, from one listing of the store;
that tag is a name anyone who may write to the store can give a key, so each backup found
must also be of the run by its document, which its receipt's digest pins (`request_problem`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from enum import StrEnum

from sgcompliance.engine.model import Direction, Rule, SecurityGroup
from sgcompliance.errors import SgcError
from sgcompliance.remediation.backup import group_of, tagged_with_run
from sgcompliance.remediation.drift import RevokeResult
from sgcompliance.remediation.ports import BackupStore, GroupGateway
from sgcompliance.remediation.rollback import (
    GatewayFor,
    RollbackOutcome,
    RollbackService,
    new_request_id,
)
from sgcompliance.remediation.rollback_trust import CheckedBackup

log = logging.getLogger(__name__)


class Status(StrEnum):
    RESTORED = "restored"  # every rule back and verified
    PARTIAL = "partial"  # some rules could not come back; each has its reason
    UNVERIFIED = "unverified"  # a restored rule was not found by the describe after
    FAILED = "failed"  # the restore stopped part way (access denied, throttled, group gone)
    REFUSED = "refused"  # not the backup it claims to be, or not of the request: untouched
    DRY_RUN = "dry_run"


@dataclass(frozen=True, slots=True)
class Request:
    """What every backup of a bulk rollback is checked against and how it is restored."""

    dry_run: bool
    force_unverified: bool = False
    group_id: str | None = None
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class BackupResult:
    backup_id: str
    status: Status
    outcome: RollbackOutcome | None = None
    # Why it was refused or failed.
    reason: str = ""


def backups_of_run(store: BackupStore, run_id: str, group_id: str | None = None) -> list[str]:
    """The ids the store lists (the group's only, with `group_id`) that carry the run's tag:
    one listing, no backup read."""
    return [b for b in store.list(group_id) if tagged_with_run(b, run_id)]


def by_group(backup_ids: Iterable[str]) -> list[tuple[str, ...]]:
    """The ids without repeats, in groups (in the order each group first appears), each
    group's newest first: the backup id sorts by time within its group."""
    groups: dict[str, set[str]] = {}
    for backup_id in backup_ids:
        groups.setdefault(group_of(backup_id), set()).add(backup_id)
    return [tuple(sorted(ids, reverse=True)) for ids in groups.values()]


# What reads every group of an account-region at once (a region read: a few calls, whatever
# its size), so that many restores there start without a describe each.
ReadGroups = Callable[[str, str], Sequence[SecurityGroup]]
# A region read costs about what two groups' describes do: worth it from three groups on.
READ_REGION_FROM = 3


@dataclass(frozen=True, slots=True)
class _Checked:
    backup_id: str
    request_id: str
    checked: CheckedBackup | None = None
    refused: str = ""

    @property
    def where(self) -> tuple[str, str] | None:
        if self.checked is None:
            return None
        plan = self.checked.record.plan
        return plan.account_id, plan.region


class BulkRollback:
    """Three steps, each concurrent: every backup checked (store reads only; a refused one is
    reported at once), each account-region with several groups to restore read once, then the
    groups restored, each from that read (the describe after every restore stays its own)."""

    def __init__(
        self,
        service: RollbackService,
        gateway_for: GatewayFor,
        *,
        max_workers: int = 8,
        read_groups: ReadGroups | None = None,
    ) -> None:
        self.service = service
        self.gateway_for = gateway_for
        self.max_workers = max_workers
        self.read_groups = read_groups

    def run(self, backup_ids: Sequence[str], request: Request) -> Iterator[BackupResult]:
        """Every backup's result: the refused ones first, then a group's as it is done."""
        groups = by_group(backup_ids)
        if not groups:
            return
        with ThreadPoolExecutor(min(self.max_workers, len(groups))) as pool:
            checked = list(pool.map(lambda ids: [self._check(b, request) for b in ids], groups))
            for item in (c for group in checked for c in group if c.checked is None):
                yield BackupResult(item.backup_id, Status.REFUSED, reason=item.refused)
            todo = [[c for c in group if c.checked is not None] for group in checked]
            todo = [group for group in todo if group]
            read = self._read_regions(pool, todo)
            pending = [pool.submit(self._restore, group, read, request) for group in todo]
            for done in as_completed(pending):
                yield from done.result()

    def _check(self, backup_id: str, request: Request) -> _Checked:
        """The backup as `RollbackService.check` trusts it (audited when refused)."""
        request_id = new_request_id()
        try:
            checked = self.service.check(
                backup_id,
                group_id=request.group_id,
                force_unverified=request.force_unverified,
                request_id=request_id,
                run_id=request.run_id,
            )
        except SgcError as exc:
            return _Checked(backup_id, request_id, refused=str(exc))
        return _Checked(backup_id, request_id, checked)

    def _read_regions(
        self, pool: ThreadPoolExecutor, groups: Sequence[Sequence[_Checked]]
    ) -> dict[tuple[str, str], dict[str, SecurityGroup]]:
        """The groups of each account-region with enough restores to be worth one read; an
        account-region whose read fails is left to each restore's own describe."""
        if self.read_groups is None:
            return {}
        wanted = Counter(group[0].where for group in groups)
        regions = [w for w, n in wanted.items() if w is not None and n >= READ_REGION_FROM]
        read = self.read_groups

        def one(where: tuple[str, str]) -> dict[str, SecurityGroup]:
            try:
                return {g.group_id: g for g in read(*where)}
            except SgcError as exc:
                log.info("%s/%s not read at once (%s): each group is described", *where, exc)
                return {}

        return dict(zip(regions, pool.map(one, regions), strict=True))

    def _restore(
        self,
        group: Sequence[_Checked],
        read: Mapping[tuple[str, str], Mapping[str, SecurityGroup]],
        request: Request,
    ) -> list[BackupResult]:
        """A group's backups, newest first; only the first starts from the region read (the
        later ones describe the group as the earlier restores left it)."""
        results = []
        for i, item in enumerate(group):
            assert item.checked is not None  # refused ones were reported already
            plan = item.checked.record.plan
            known = read.get((plan.account_id, plan.region), {}).get(plan.group_id)
            gateways = self._gateways(known if i == 0 else None)
            results.append(self._restore_one(item, item.checked, gateways, request))
        return results

    def _gateways(self, known: SecurityGroup | None) -> GatewayFor:
        if known is None:
            return self.gateway_for

        def gateway_for(account_id: str, region: str) -> GroupGateway:
            return ReadOnce(self.gateway_for(account_id, region), known)

        return gateway_for

    def _restore_one(
        self, item: _Checked, checked: CheckedBackup, gateway_for: GatewayFor, request: Request
    ) -> BackupResult:
        try:
            outcome = self.service.restore(
                checked, gateway_for, dry_run=request.dry_run, request_id=item.request_id
            )
        except SgcError as exc:
            return BackupResult(item.backup_id, Status.FAILED, reason=str(exc))
        return BackupResult(item.backup_id, Status(outcome.status), outcome)


class ReadOnce:
    """A group's gateway whose first describe of the group is answered from a read of its
    account-region moments before; every other call, and any later describe (the one that
    verifies the restore), goes to AWS. A rule the read saw that is gone by the restore is
    skipped as present, and that describe after the restore reports it missing (unverified)."""

    def __init__(self, inner: GroupGateway, group: SecurityGroup) -> None:
        self.inner = inner
        self.group: SecurityGroup | None = group

    def describe_group(self, group_id: str) -> SecurityGroup:
        group, self.group = self.group, None
        if group is not None and group.group_id == group_id:
            return group
        return self.inner.describe_group(group_id)

    def rules(self, group_id: str) -> tuple[Rule, ...]:
        return self.inner.rules(group_id)

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        return self.inner.revoke(group_id, direction, rules)

    def revoke_ids(self, group_id: str, direction: Direction, rule_ids: Sequence[str]) -> None:
        self.inner.revoke_ids(group_id, direction, rule_ids)

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        self.inner.authorize(group_id, direction, rules)

    def set_tags(self, group_id: str, tags: Mapping[str, str]) -> None:
        self.inner.set_tags(group_id, tags)

    def remove_tags(self, group_id: str, keys: Sequence[str]) -> None:
        self.inner.remove_tags(group_id, keys)


def counts(results: Iterable[BackupResult]) -> dict[Status, int]:
    """Results by status, every status present (zero or not), in the enum's order."""
    tally = dict.fromkeys(Status, 0)
    for result in results:
        tally[result.status] += 1
    return tally
