"""Rolling back many backups at once: several ids, or every backup of one remediation run.

Each backup is checked and restored exactly as a rollback of it alone would be
(`RollbackService.check` then `restore`, each audited), so a refused one says why and never
stops the others. Groups are restored concurrently, a group's own backups one after another,
newest first, as changes are undone: two restores of one group at once would race on its rules
and its tags.

A run's backups are found by the run tag their ids end with, from one listing of the store;
that tag is a name anyone who may write to the store can give a key, so each backup found
must also be of the run by its document, which its receipt's digest pins (`request_problem`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from enum import StrEnum

from sgcompliance.errors import SgcError
from sgcompliance.remediation.backup import group_of, tagged_with_run
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.remediation.rollback import (
    GatewayFor,
    RollbackOutcome,
    RollbackService,
    new_request_id,
)


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


class BulkRollback:
    def __init__(
        self, service: RollbackService, gateway_for: GatewayFor, *, max_workers: int = 8
    ) -> None:
        self.service = service
        self.gateway_for = gateway_for
        self.max_workers = max_workers

    def run(self, backup_ids: Sequence[str], request: Request) -> Iterator[BackupResult]:
        """Every backup's result, a group's at once as soon as that group is done."""
        groups = by_group(backup_ids)
        if not groups:
            return
        with ThreadPoolExecutor(min(self.max_workers, len(groups))) as pool:
            pending = [pool.submit(self._group, ids, request) for ids in groups]
            for done in as_completed(pending):
                yield from done.result()

    def _group(self, backup_ids: tuple[str, ...], request: Request) -> list[BackupResult]:
        return [self.one(backup_id, request) for backup_id in backup_ids]

    def one(self, backup_id: str, request: Request) -> BackupResult:
        """Check, then restore, as `sgc rollback BACKUP_ID` does; audited either way."""
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
            return BackupResult(backup_id, Status.REFUSED, reason=str(exc))
        try:
            outcome = self.service.restore(
                checked, self.gateway_for, dry_run=request.dry_run, request_id=request_id
            )
        except SgcError as exc:
            return BackupResult(backup_id, Status.FAILED, reason=str(exc))
        return BackupResult(backup_id, Status(outcome.status), outcome)


def counts(results: Iterable[BackupResult]) -> dict[Status, int]:
    """Results by status, every status present (zero or not), in the enum's order."""
    tally = dict.fromkeys(Status, 0)
    for result in results:
        tally[result.status] += 1
    return tally
