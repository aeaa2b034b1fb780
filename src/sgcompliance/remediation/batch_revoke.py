"""The guarded revoke of many groups of one account x region, in phases instead of group by group.

Every group goes through exactly the steps of `GuardedRevoke.run`, in the same order for each
group: its backup is stored, then its pointer tag written, then its rules read again, then its
revokes (by content), then their verification, then its receipt, then its outcome tags. What
changes is that each step is taken for the whole batch before the next, so that the reads and
the tags that are the same for many groups cost one call for many:

- the backups, each stored (and its version and digest known) before any pointer is written:
  the remediator stores those of the whole run first (`store`), and a store that fails stops
  the run there, in the order of the plans, before anything is written to any group;
- the pointer tags: one manifest stored (`manifest`: every group's backup, id, digest and
  version), then the manifest's pointer on every group in one call per 1,000 groups; where the
  store keeps no manifests or either write fails, and for a group whose plan narrows, one call
  per group naming its own backup. A group whose tags may go back to what they were (judged
  again, or nothing revoked) is first pointed at its own backup, which is what taking the
  pointer back compares;
- one read of every group's rules (`BatchGateway.rules_of`: a `group-id` filter of up to 200
  groups); a group that differs from its pre-image is judged again on its own, as
  `GuardedRevoke.run` does (a new backup, a new pointer, a new read);
- the revokes, one call per group and direction, by content;
- the verification: by AWS's answers to a group's revokes where they account for every rule (as
  for a group alone), else by content, in one read of the rules of every such group;
- the receipts, one per group;
- the outcome tags, in one call per set of identical tags: the tags every group gets but its
  pointer (which the pointer tag wrote already, and a check of the groups' tags confirms is
  still there; a group whose pointer changed meanwhile gets its whole outcome tags alone, with
  a pointer to its own backup). A group pointed at the manifest keeps that pointer.

A failure in one group (its tags, its revoke) is that group's outcome; the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from sgcompliance.engine.model import Rule
from sgcompliance.errors import BackupError, SgcError
from sgcompliance.remediation.backup import StoredBackup, pointer_value
from sgcompliance.remediation.drift import drift
from sgcompliance.remediation.guarded_revoke import (
    Applied,
    GuardedRevoke,
    Narrowed,
    Rejudge,
    Rejudged,
    previous_tags,
    started,
    verified,
)
from sgcompliance.remediation.manifest import (
    BackupManifest,
    ManifestStore,
    entry_of,
    manifest_id_for,
)
from sgcompliance.remediation.outcome import STATUS_IN_PROGRESS, GroupOutcome, Outcome
from sgcompliance.remediation.plan import TAG_BACKUP, TAG_STATUS, RemediationPlan
from sgcompliance.remediation.ports import BatchGateway, GroupGateway

log = logging.getLogger(__name__)

K = TypeVar("K")

# What one group of a batch came to: an outcome, a new judgement that calls for no revoke, or
# the error that stopped it (NotFoundError: the group is gone).
Result = GroupOutcome | Rejudged | SgcError


@dataclass(slots=True)
class BatchResult(Generic[K]):
    results: dict[K, Result] = field(default_factory=dict)


@dataclass(slots=True)
class _Item(Generic[K]):
    key: K
    plan: RemediationPlan
    stored: StoredBackup
    previous: dict[str, str]
    # The pointer this batch tagged the group with: its own backup's, or the manifest's.
    pointer: str = ""
    revoked: tuple[str, ...] = ()
    not_revoked: tuple[str, ...] = ()
    # AWS's answers to its revokes accounted for every rule: no read is needed to verify them.
    answered: bool = False


def rules_of(gateway: GroupGateway, group_ids: Sequence[str]) -> dict[str, tuple[Rule, ...]]:
    """The rules of every listed group: one call for them all where the gateway can."""
    if len(group_ids) > 1 and isinstance(gateway, BatchGateway):
        found = gateway.rules_of(group_ids)
        return {g: tuple(found.get(g, ())) for g in group_ids}
    return {g: gateway.rules(g) for g in group_ids}


class BatchRevoke:
    def __init__(
        self,
        guarded: GuardedRevoke,
        clock: Callable[[], datetime],
        *,
        manifests: ManifestStore | None = None,
        run_id: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.guarded = guarded
        self.clock = clock
        self.manifests = manifests
        self.run_id = run_id

    def store(self, plan: RemediationPlan) -> StoredBackup | BackupError:
        """The plan's backup stored (phase one, for every plan of the run before any write to
        a group), or why the store refused it."""
        try:
            return self.guarded.store(plan)
        except BackupError as exc:
            return exc

    def run(
        self,
        items: Sequence[tuple[K, RemediationPlan, StoredBackup]],
        gateway: GroupGateway,
        rejudge: Rejudge,
    ) -> BatchResult[K]:
        """Revoke under each plan (all of one account x region, each with rules to revoke, its
        backup already stored, and without an earlier run's remediation in progress)."""
        done: BatchResult[K] = BatchResult()
        batch = [_Item(key, plan, stored, previous_tags(plan)) for key, plan, stored in items]
        batch = self._point(batch, gateway, done)
        reads = self._read(batch, gateway, done)
        plain: list[_Item[K]] = []
        for item in batch:
            if item.key not in reads:
                continue
            current = reads[item.key]
            try:
                if drift(item.plan.pre_image, current):
                    # Changed since it was judged: judged again on its own, under a new backup.
                    self._point_own(item, gateway)
                    first = (item.stored, current)
                    done.results[item.key] = self.guarded.run(
                        item.plan, gateway, rejudge, first=first
                    )
                elif item.plan.narrowing:
                    # Authorize, then revoke, then verify both: group by group.
                    done.results[item.key] = self.guarded.carry_out(
                        item.plan, item.stored, gateway, previous=item.previous
                    )
                else:
                    revoked = self.guarded.revoke_calls(item.plan, gateway)
                    item.revoked, item.not_revoked, item.answered = revoked
                    if not item.revoked:
                        # Nothing matched: the pointer and status go back to what they were.
                        self._point_own(item, gateway)
                    plain.append(item)
            except SgcError as exc:
                done.results[item.key] = exc
        self._conclude(plain, gateway, done)
        return done

    def _point(
        self, batch: list[_Item[K]], gateway: GroupGateway, done: BatchResult[K]
    ) -> list[_Item[K]]:
        """Each group's pointer to its backup, before anything is read or revoked: the
        manifest's for many groups at once where it can be, else the group's own."""
        shared = [i for i in batch if not i.plan.narrowing]
        if len(shared) > 1 and isinstance(gateway, BatchGateway):
            pointer = self._manifest(shared)
            if pointer is not None:
                tags = {TAG_BACKUP: pointer, TAG_STATUS: STATUS_IN_PROGRESS}
                try:
                    gateway.set_tags_many([i.plan.group_id for i in shared], tags)
                except SgcError as exc:
                    # Some groups may hold it now: their own pointer below replaces it.
                    log.info("pointing %d groups at once failed (%s): one by one", len(shared), exc)
                else:
                    for item in shared:
                        item.pointer = pointer
        pointed = []
        for item in batch:
            if not item.pointer:
                try:
                    self._point_own(item, gateway)
                except SgcError as exc:
                    done.results[item.key] = exc
                    continue
            pointed.append(item)
        return pointed

    def _manifest(self, items: list[_Item[K]]) -> str | None:
        """The pointer of a stored manifest naming every item's backup (None: not stored)."""
        if self.manifests is None:
            return None
        now = self.clock()
        plan = items[0].plan
        manifest = BackupManifest(
            manifest_id=manifest_id_for(now),
            created_at=now.isoformat(),
            account_id=plan.account_id,
            region=plan.region,
            entries=tuple(entry_of(i.stored) for i in items),
            run_id=self.run_id(),
        )
        try:
            return pointer_value(self.manifests.put_manifest(manifest))
        except BackupError as exc:
            log.info("no manifest for %d groups (%s): one pointer each", len(items), exc)
            return None

    def _point_own(self, item: _Item[K], gateway: GroupGateway) -> None:
        """Point the group at its own backup, unless it is already."""
        own = pointer_value(item.stored)
        if item.pointer != own:
            gateway.set_tags(item.plan.group_id, {TAG_BACKUP: own, TAG_STATUS: STATUS_IN_PROGRESS})
            item.pointer = own

    def _read(
        self, batch: list[_Item[K]], gateway: GroupGateway, done: BatchResult[K]
    ) -> dict[K, tuple[Rule, ...]]:
        """Every group's rules after its pointer; a failing read fails the groups it was for."""
        try:
            found = rules_of(gateway, [i.plan.group_id for i in batch])
        except SgcError as exc:
            done.results.update((i.key, exc) for i in batch)
            return {}
        return {i.key: found[i.plan.group_id] for i in batch}

    def _conclude(self, plain: list[_Item[K]], gateway: GroupGateway, done: BatchResult[K]) -> None:
        """Verify by content, in one read, every revoked group whose revokes AWS's answers do
        not account for (the others are verified by those answers, as a group alone is), store
        each receipt, then the outcome tags by identical sets."""
        unanswered = [i for i in plain if not i.answered]
        after: dict[str, tuple[Rule, ...]] = {}
        if unanswered:
            try:
                after = rules_of(gateway, [i.plan.group_id for i in unanswered])
            except SgcError as exc:
                done.results.update((i.key, exc) for i in unanswered)
                plain = [i for i in plain if i.answered]
        timestamp = self.clock().isoformat()
        to_tag: list[GroupOutcome] = []
        for item in plain:
            if item.answered:
                applied = Applied(item.revoked, item.not_revoked, ())
            else:
                applied = verified(
                    item.plan, item.revoked, item.not_revoked, after[item.plan.group_id]
                )
            try:
                outcome = self.guarded.conclude(
                    item.plan,
                    item.stored,
                    gateway,
                    started(item.plan, item.stored),
                    applied,
                    Narrowed(),
                    previous=item.previous,
                    defer=True,
                    timestamp=timestamp,
                )
            except SgcError as exc:
                done.results[item.key] = exc
                continue
            done.results[item.key] = outcome
            if outcome.pending_tags is not None:
                to_tag.append(outcome)
        if not self.guarded.defer_outcome_tags:
            write_outcome_tags(to_tag, gateway, {i.plan.group_id: i.pointer for i in plain})


def write_outcome_tags(
    outcomes: Sequence[GroupOutcome],
    gateway: GroupGateway,
    pointed: Mapping[str, str] | None = None,
) -> None:
    """The pending outcome tags of `outcomes` (one account x region): one call per set of
    identical tags where the gateway can, once the groups' tags show each one's pointer is
    still the one the outcome names or the one this batch wrote (`pointed`, by group: a
    manifest's, which then stays); else, and for any group whose batched call failed, one
    call per group. A group whose tags cannot be written is `applied_tagging_failed`."""
    pointed = pointed or {}
    todo = [o for o in outcomes if o.pending_tags]
    alone: list[GroupOutcome] = []
    shared: dict[tuple[tuple[str, str], ...], list[GroupOutcome]] = {}
    if len(todo) > 1 and isinstance(gateway, BatchGateway):
        try:
            held = gateway.tags_of([o.plan.group_id for o in todo])
        except SgcError as exc:
            log.info("cannot read the tags of %d groups (%s): tagging one by one", len(todo), exc)
            held = {}
        for outcome in todo:
            tags = outcome.pending_tags or {}
            pointer = held.get(outcome.plan.group_id, {}).get(TAG_BACKUP)
            ours = (tags.get(TAG_BACKUP), pointed.get(outcome.plan.group_id))
            if pointer is not None and pointer in ours:
                rest = tuple(sorted((k, v) for k, v in tags.items() if k != TAG_BACKUP))
                shared.setdefault(rest, []).append(outcome)
            else:
                alone.append(outcome)
    else:
        alone = todo
    for rest, members in shared.items():
        if len(members) == 1:
            alone.extend(members)
            continue
        assert isinstance(gateway, BatchGateway)
        try:
            gateway.set_tags_many([o.plan.group_id for o in members], dict(rest))
        except SgcError as exc:
            log.info("tagging %d groups at once failed (%s): one by one", len(members), exc)
            alone.extend(members)
            continue
        for outcome in members:
            outcome.pending_tags = None
    for outcome in alone:
        _tag_alone(outcome, gateway)


def _tag_alone(outcome: GroupOutcome, gateway: GroupGateway) -> None:
    try:
        gateway.set_tags(outcome.plan.group_id, outcome.pending_tags or {})
    except SgcError as exc:
        outcome.outcome = Outcome.APPLIED_TAGGING_FAILED
        outcome.error = f"revoked and verified, but the outcome tags failed: {exc}"
    outcome.pending_tags = None


__all__ = ["BatchResult", "BatchRevoke", "rules_of", "write_outcome_tags"]
