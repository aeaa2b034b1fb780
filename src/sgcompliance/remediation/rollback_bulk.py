"""Rolling back many backups at once: several ids, or every backup of one remediation run.

Each backup is checked and restored exactly as a rollback of it alone would be
(`RollbackService.check`, then the steps of `restore`, each backup audited once), so a refused
one says why and never stops the others. The steps are taken for every group before the next,
so that the reads and tag removals of an account-region cost a few calls, not two or three per
group: an account-region with several groups to restore is read once instead of each restore's
first describe, and one read after the authorizes verifies them all (`rollback_batch`). A
group's own backups go one after another, newest first, as changes are undone: two restores of
one group at once would race on its rules and its tags.

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

from sgcompliance.engine.model import SecurityGroup
from sgcompliance.errors import SgcError
from sgcompliance.remediation.backup import group_of, tagged_with_run
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.remediation.rollback import (
    GatewayFor,
    RollbackOutcome,
    RollbackService,
    new_request_id,
    unexpected,
)
from sgcompliance.remediation.rollback_batch import Restoring, conclude
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
    def trusted(self) -> CheckedBackup:
        assert self.checked is not None  # refused ones are reported before any restore
        return self.checked

    @property
    def where(self) -> tuple[str, str] | None:
        if self.checked is None:
            return None
        plan = self.checked.record.plan
        return plan.account_id, plan.region


class BulkRollback:
    """Each step for every group before the next, so that what is the same for many groups
    costs one call for many: every backup checked (store reads only; a refused one is
    reported at once), each account-region with several groups to restore read once, the
    groups' rules authorized (one call per group and direction: AWS takes one group a call),
    then per account-region one read that verifies them all and one tag removal per identical
    set of keys (`rollback_batch`), and each backup audited. A group's later backups go
    through the same steps once its earlier ones are done (`rounds`)."""

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
        """Every backup's result: the refused ones first, then those of an account-region as
        it is done."""
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
            for depth, items in enumerate(rounds(todo)):
                # Only a group's first restore starts from the region read; a later one reads
                # the group as the earlier restores left it.
                yield from self._round(pool, items, read if depth == 0 else {}, request)

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

    def _round(
        self,
        pool: ThreadPoolExecutor,
        items: Sequence[_Checked],
        read: Mapping[tuple[str, str], Mapping[str, SecurityGroup]],
        request: Request,
    ) -> Iterator[BackupResult]:
        """One backup of each group: every group's authorizes, concurrently; then each
        account-region's verification and tags, concurrently."""
        started = list(pool.map(lambda item: self._start(item, read, request), items))
        regions: dict[tuple[str, str], list[_Started]] = {}
        for item in started:
            if item.result is not None:
                yield item.result
            elif item.restoring is not None:
                outcome = item.restoring.outcome
                regions.setdefault((outcome.account_id, outcome.region), []).append(item)
        pending = [
            pool.submit(self._conclude, where, members, request)
            for where, members in regions.items()
        ]
        for done in as_completed(pending):
            yield from done.result()

    def _start(
        self,
        item: _Checked,
        read: Mapping[tuple[str, str], Mapping[str, SecurityGroup]],
        request: Request,
    ) -> _Started:
        """The group read (from its account-region's read when there is one) and its rules
        authorized; a dry run's result, or a failed one, at once."""
        checked = item.trusted
        plan = checked.record.plan
        outcome: RollbackOutcome | None = None
        try:
            gateway = self.gateway_for(plan.account_id, plan.region)
            current = read.get((plan.account_id, plan.region), {}).get(plan.group_id)
            if current is None:
                current = gateway.describe_group(plan.group_id)
            outcome = self.service.begin(checked, current, dry_run=request.dry_run)
            if request.dry_run:
                self.service.record_outcome(checked, outcome, request_id=item.request_id)
                return _Started(item, None, _result(item, outcome))
            self.service.put_back(outcome, gateway)
        except SgcError as exc:
            return _Started(item, None, self._failed(item, exc, request, outcome))
        except Exception as exc:  # the per-backup boundary: this restore fails, audited
            return _Started(item, None, self._failed(item, unexpected(exc), request, outcome))
        return _Started(item, Restoring(outcome))

    def _conclude(
        self, where: tuple[str, str], started: Sequence[_Started], request: Request
    ) -> list[BackupResult]:
        """Verify and tag the restores of one account-region, each audited."""
        restoring = [s.restoring for s in started if s.restoring is not None]
        try:
            conclude(self.service, self.gateway_for(*where), restoring)
        except SgcError as exc:  # no gateway for the account-region: every restore fails
            for one in restoring:
                one.error = exc
        except Exception as exc:  # the per-account-region boundary: its restores fail, audited
            for one in restoring:
                one.error = one.error or unexpected(exc)
        results = []
        for item, one in zip((s.checked for s in started), restoring, strict=True):
            if one.error is not None:
                results.append(self._failed(item, one.error, request, one.outcome))
                continue
            self.service.record_outcome(item.trusted, one.outcome, request_id=item.request_id)
            results.append(_result(item, one.outcome))
        return results

    def _failed(
        self,
        item: _Checked,
        exc: SgcError,
        request: Request,
        outcome: RollbackOutcome | None = None,
    ) -> BackupResult:
        """A failed restore, audited with what it had done before it stopped (`outcome`)."""
        self.service.record_failure(
            item.trusted, exc, dry_run=request.dry_run, request_id=item.request_id,
            outcome=outcome,
        )  # fmt: skip
        return BackupResult(item.backup_id, Status.FAILED, reason=str(exc))


@dataclass(frozen=True, slots=True)
class _Started:
    checked: _Checked
    # Rules authorized, to verify; else the result, known at once (a dry run, a failure).
    restoring: Restoring | None
    result: BackupResult | None = None


def _result(item: _Checked, outcome: RollbackOutcome) -> BackupResult:
    return BackupResult(item.backup_id, Status(outcome.status), outcome)


def rounds(groups: Sequence[Sequence[_Checked]]) -> Iterator[list[_Checked]]:
    """Each group's first backup, then each group's second, and so on: a group's backups one
    round after another, newest first, as its ids are sorted."""
    for depth in range(max((len(g) for g in groups), default=0)):
        yield [g[depth] for g in groups if len(g) > depth]


def counts(results: Iterable[BackupResult]) -> dict[Status, int]:
    """Results by status, every status present (zero or not), in the enum's order."""
    tally = dict.fromkeys(Status, 0)
    for result in results:
        tally[result.status] += 1
    return tally
