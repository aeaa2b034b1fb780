"""The `SecurityGroupRemediator`: backup first, revoke only what was judged, verify, tag.

Order per group: plan (from a read) -> backup stored -> pointer tag -> read again (a change
since the first read is judged again under a new backup) -> revoke by content -> verify by
content -> receipt -> outcome tags. Nothing is revoked unless the backup store accepted the
record (see `guarded_revoke`). Groups an earlier run left in progress are finished or reported
(`interrupted`); flagged groups found compliant have their flags cleared.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import PeerKind, RegionSnapshot, SecurityGroup
from sgcompliance.engine.policy import Remediation, allowed_peers
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.errors import BackupError, NotFoundError, SgcError
from sgcompliance.remediation.backup import StoredBackup, group_of, parse_pointer
from sgcompliance.remediation.batch_revoke import BatchRevoke
from sgcompliance.remediation.drift import drift
from sgcompliance.remediation.guarded_revoke import GuardedRevoke, Rejudged
from sgcompliance.remediation.interrupted import InterruptedRemediations
from sgcompliance.remediation.manifest import ManifestReader, ManifestStore, is_manifest_id
from sgcompliance.remediation.outcome import (
    REVOKED_OUTCOMES,
    STATUS_COMPLIANT,
    STATUS_DONE,
    STATUS_FLAGGED,
    STATUS_IN_PROGRESS,
    STATUS_UNVERIFIED,
    GroupOutcome,
    Outcome,
    RemediationRun,
    RemediationSettings,
)
from sgcompliance.remediation.plan import (
    TAG_BACKUP,
    TAG_CHECKS,
    TAG_DEADLINE,
    TAG_STATUS,
    TAG_TIME,
    Action,
    Grace,
    Mode,
    NarrowTo,
    RemediationPlan,
    fitting,
    limit_blast_radius,
    outcome_tags,
    plan_group,
)
from sgcompliance.remediation.ports import BackupStore, BatchGateway, GroupGateway
from sgcompliance.remediation.run_backups import RunBackups

__all__ = [
    "STATUS_IN_PROGRESS",
    "GatewayFor",
    "GroupOutcome",
    "Outcome",
    "RemediationRun",
    "RemediationSettings",
    "SecurityGroupRemediator",
    "interrupted",
    "plans_by_action",
    "write_outcome_tags",
]

log = logging.getLogger(__name__)

GatewayFor = Callable[[str, str], GroupGateway]
GroupKey = tuple[str, str, str]


class SecurityGroupRemediator:
    def __init__(
        self,
        scanner: ComplianceScanner,
        backups: BackupStore,
        clock: Callable[[], datetime],
        settings: RemediationSettings,
    ) -> None:
        self.scanner = scanner
        self.backups = backups
        self.clock = clock
        self.settings = settings
        # Backups name the run that wrote them, so that `sgc rollback --run` finds them all.
        self.run_backups = RunBackups(backups)
        self.guarded = GuardedRevoke(
            self.run_backups,
            clock,
            policy_id=scanner.policy.id,
            policy_digest=scanner.policy.digest,
            defer_outcome_tags=settings.defer_outcome_tags,
        )
        # Resolves the pointers that name a batch's manifest (read once per manifest).
        self.manifest_reader = ManifestReader(backups)
        self.interrupted = InterruptedRemediations(
            backups, self.guarded, clock, self.manifest_reader
        )
        self.batch = BatchRevoke(
            self.guarded,
            clock,
            manifests=backups if isinstance(backups, ManifestStore) else None,
            run_id=lambda: self.run_backups.run_id,
        )
        # What a group was read as, to judge it again from a new read of its rules.
        self._read: dict[GroupKey, tuple[SecurityGroup, Mapping[str, tuple[str, ...]]]] = {}

    def plan(
        self, result: ScanResult, snapshots: Sequence[RegionSnapshot] = ()
    ) -> tuple[list[RemediationPlan], str]:
        """Plans for every group with violations, after the run-wide blast-radius limit.
        `snapshots`: the reads judged, whose prefix lists `narrow` checks may narrow to."""
        lists = {(s.account_id, s.region): s.prefix_lists for s in snapshots}
        by_group: dict[tuple[str, str, str], list[Finding]] = {}
        for finding in result.findings:
            by_group.setdefault((finding.account_id, finding.region, finding.group_id), []).append(
                finding
            )
        plans = []
        for findings in by_group.values():
            plan = plan_group(
                findings[0].group,
                findings,
                self.settings.mode,
                lockdown_severity=self.settings.lockdown_severity,
                grace=self._grace(),
                narrow_to=self._narrow_to(
                    lists.get((findings[0].account_id, findings[0].region), {})
                ),
            )
            if plan is not None:
                plans.append(plan)
        return limit_blast_radius(plans, self.settings.max_revokes)

    def run(
        self,
        result: ScanResult,
        gateway_for: GatewayFor,
        snapshots: Sequence[RegionSnapshot] = (),
        *,
        run_id: str | None = None,
    ) -> RemediationRun:
        plans, note = self.plan(result, snapshots)
        return self.execute(plans, note, gateway_for, snapshots, run_id=run_id)

    def execute(
        self,
        plans: Sequence[RemediationPlan],
        note: str,
        gateway_for: GatewayFor,
        snapshots: Sequence[RegionSnapshot] = (),
        *,
        run_id: str | None = None,
    ) -> RemediationRun:
        """Apply plans, each account x region in phases (`batch_revoke`), several account x
        regions at once (`settings.max_workers`). A failing group (say, AccessDenied in one
        account) is recorded and the others go on; a failing backup store stops the run
        (`stopped_by`): the groups not yet backed up are reported not attempted. Then groups
        left in progress by an earlier run, and flagged groups compliant now.
        `run_id`: what the backups of this run record as their run (the trigger's event id)."""
        self.run_backups.run_id = run_id
        self._remember(snapshots)
        run = RemediationRun(list(plans), [], note)
        workers = max(1, self.settings.max_workers)
        batched = [i for i, plan in enumerate(plans) if self._batched(plan)]
        # Every backup of the run first, before anything is written to any group; the first
        # alone, the rest concurrently. The first plan (in order) whose backup the store
        # refused, or that was not tried once it had refused one, stops the run there.
        refused = threading.Event()

        def store(i: int) -> StoredBackup | BackupError | None:
            if refused.is_set():
                return None
            result = self.batch.store(plans[i])
            if isinstance(result, BackupError):
                refused.set()
            return result

        stored: dict[int, StoredBackup] = {}
        limit, failure = len(plans), None
        with ThreadPoolExecutor(workers, thread_name_prefix="sgc-backup") as pool:
            results = [store(i) for i in batched[:1]]
            results += pool.map(store, batched[1:])
        for i, result in zip(batched, results, strict=True):
            if not isinstance(result, StoredBackup):
                limit = i
                failure = next(r for r in results if isinstance(r, BackupError))
                break
            stored[i] = result
        scopes: dict[tuple[str, str], list[int]] = {}
        for i, plan in enumerate(plans[:limit]):
            scopes.setdefault((plan.account_id, plan.region), []).append(i)
        stop = _Stop()
        if failure is not None:
            stop.fail(failure)
        done: dict[int, list[GroupOutcome]] = {}

        def work(indices: list[int]) -> dict[int, list[GroupOutcome]]:
            items = [(i, plans[i], stored.get(i)) for i in indices]
            return self._scope(items, gateway_for, note, stop)

        if min(workers, len(scopes)) <= 1:
            for indices in scopes.values():
                done.update(work(indices))
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="sgc-remediate") as pool:
                for part in pool.map(work, scopes.values()):
                    done.update(part)
        if failure is not None:
            error = f"{failure.code}: {failure}"
            done[limit] = [GroupOutcome(plans[limit], Outcome.FAILED, error=error)]
        for i, plan in enumerate(plans):
            if i in done:
                run.outcomes.extend(done[i])
            else:
                assert stop.error is not None  # only a failing store leaves a plan undone
                run.outcomes.append(
                    GroupOutcome(
                        plan,
                        Outcome.FAILED,
                        error=f"not attempted: the backup store failed ({stop.error})",
                    )
                )
        if stop.error is not None:
            run.stopped_by = stop.error
            return run
        planned = {(p.account_id, p.region, p.group_id) for p in plans}
        for group in _unplanned(snapshots, planned):
            try:
                self._settle_unplanned(group, gateway_for, note, run)
            except SgcError as exc:  # this group only, as for a plan
                log.warning("cannot settle the state of %s: %s", group.group_id, exc)
        return run

    def _batched(self, plan: RemediationPlan) -> bool:
        """Whether the plan goes with its account x region's batch of revokes (else alone:
        a flag, a dry run, or a group an earlier run left in progress, closed first)."""
        return (
            not self.settings.dry_run
            and bool(plan.revoke_count)
            and plan.group_tags.get(TAG_STATUS) != STATUS_IN_PROGRESS
        )

    def _flag_only(self, plan: RemediationPlan) -> bool:
        """Whether the plan only flags a group no earlier run left in progress (nothing to
        close first): such flags of one account x region are written together (`_flags`)."""
        return (
            not self.settings.dry_run
            and not plan.revoke_count
            and plan.group_tags.get(TAG_STATUS) != STATUS_IN_PROGRESS
        )

    def _scope(
        self,
        items: Sequence[tuple[int, RemediationPlan, StoredBackup | None]],
        gateway_for: GatewayFor,
        note: str,
        stop: _Stop,
    ) -> dict[int, list[GroupOutcome]]:
        """The outcomes of the plans of one account x region (by their index; a plan left
        out was not attempted): flags, dry runs and groups an earlier run left in progress
        one by one, then the revokes as one batch under the backups stored for them."""
        done: dict[int, list[GroupOutcome]] = {}
        account_id, region = items[0][1].account_id, items[0][1].region
        try:
            gateway = gateway_for(account_id, region)
        except SgcError as exc:
            return {i: [GroupOutcome(plan, Outcome.FAILED, error=str(exc))] for i, plan, _ in items}
        batch: list[tuple[int, RemediationPlan, StoredBackup]] = []
        flags: list[tuple[int, RemediationPlan]] = []
        for i, plan, backup in items:
            if backup is not None:
                batch.append((i, plan, backup))
                continue
            if self._flag_only(plan):
                flags.append((i, plan))
                continue
            if stop.error is not None and plan.revoke_count:
                continue  # a revoke without its backup stored first: not attempted
            try:
                done[i] = self._group(plan, gateway, note)
            except BackupError as exc:
                stop.fail(exc)
                done[i] = [GroupOutcome(plan, Outcome.FAILED, error=f"{exc.code}: {exc}")]
            except SgcError as exc:
                done[i] = [GroupOutcome(plan, Outcome.FAILED, error=str(exc))]
        if flags:
            done.update(self._flags(flags, gateway))
        if len(batch) == 1:
            # One group (a change event's): nothing to share, and its revokes may need no
            # read around them (`_alone`).
            i, plan, backup = batch[0]
            done[i] = [self._batch_outcome(plan, self._alone(plan, backup, gateway), gateway)]
        elif batch:
            result = self.batch.run(batch, gateway, self._rejudge)
            for i, plan, _ in batch:
                done[i] = [self._batch_outcome(plan, result.results[i], gateway)]
        return done

    def _alone(
        self, plan: RemediationPlan, stored: StoredBackup, gateway: GroupGateway
    ) -> GroupOutcome | Rejudged | SgcError:
        """The guarded revoke of one group under its stored backup, or what stopped it."""
        try:
            return self.guarded.run_stored(
                plan, stored, gateway, self._rejudge, stands_alone=self._stands_alone(plan)
            )
        except SgcError as exc:
            return exc

    def _stands_alone(self, plan: RemediationPlan) -> bool:
        """Whether every rule the plan revokes is revoked for what it opens by itself, so that
        what the group's other rules are has no say in it and the revoke needs no read of them
        first (`GuardedRevoke.run_stored`): its peer is a whole address family (`/0`) or a
        group, and judged in its group as read (name, tags, attachment) holding it alone, it
        is revoked again. The other rules of a group touch a rule's findings only through
        coverage (ranges that cover every address together), in which such a peer never takes
        part; a narrower range can (a /1 of a covering pair, or a wide range that a partner
        added meanwhile turns into a coverage finding another check judges), so it is read."""
        if not self.settings.changes_come_as_events:
            return False
        known = self._read.get((plan.account_id, plan.region, plan.group_id))
        if known is None or known[0].rules != plan.pre_image or plan.action is not Action.REVOKE:
            return False
        # A rule deleted and added again under a new id with a tag an exemption names would be
        # exempt, and the revoke by content would take it: the read first sees the new rule.
        if any(e.rule_tags for e in self.scanner.policy.exemptions):
            return False
        group, prefix_lists = known
        for rule in plan.revoked_rules:
            whole = rule.peer.is_cidr and rule.peer.value.endswith("/0")
            if not (whole or rule.peer.kind is PeerKind.GROUP):
                return False
            alone = replace(group, rules=(rule,))
            snapshot = RegionSnapshot(plan.account_id, plan.region, (alone,), prefix_lists)
            fresh = plan_group(
                alone,
                self.scanner.scan([snapshot]).findings,
                plan.mode,
                lockdown_severity=self.settings.lockdown_severity,
                grace=self._grace(),
                narrow_to=self._narrow_to(prefix_lists),
            )
            if fresh is None or fresh.action is not Action.REVOKE or fresh.narrowing:
                return False
            if rule.rule_id not in fresh.revokes(rule.direction):
                return False
        return True

    def _batch_outcome(
        self,
        plan: RemediationPlan,
        result: GroupOutcome | Rejudged | SgcError,
        gateway: GroupGateway,
    ) -> GroupOutcome:
        """A batch's result for one plan as the outcome `apply` would have given."""
        if isinstance(result, NotFoundError):
            return GroupOutcome(plan, Outcome.GROUP_GONE, error=f"{plan.group_id} no longer exists")
        if isinstance(result, BackupError):
            return GroupOutcome(plan, Outcome.FAILED, error=f"{result.code}: {result}")
        if isinstance(result, SgcError):
            return GroupOutcome(plan, Outcome.FAILED, error=str(result))
        try:
            return self._revoked(plan, result, gateway)
        except NotFoundError:
            return GroupOutcome(plan, Outcome.GROUP_GONE, error=f"{plan.group_id} no longer exists")
        except SgcError as exc:
            return GroupOutcome(plan, Outcome.FAILED, error=str(exc))

    def _group(self, plan: RemediationPlan, gateway: GroupGateway, note: str) -> list[GroupOutcome]:
        """The outcomes of one plan: closing an earlier run's remediation of the group first,
        when it left one in progress, then the plan (made again if closing changed the group)."""
        settled = self._settle(plan, gateway, note)
        if settled is None:
            return [self.apply(plan, gateway)]
        fresh = self._after_settling(plan, settled, gateway)
        return [settled] if fresh is None else [settled, self.apply(fresh, gateway)]

    def apply(self, plan: RemediationPlan, gateway: GroupGateway) -> GroupOutcome:
        """Carry out one plan made from a read of the group moments ago."""
        if self.settings.dry_run:
            return GroupOutcome(plan, Outcome.DRY_RUN)
        try:
            if plan.revoke_count:
                return self._revoke(plan, gateway)
            return self._flag(plan, gateway)
        except NotFoundError:
            return GroupOutcome(plan, Outcome.GROUP_GONE, error=f"{plan.group_id} no longer exists")

    def _settle(
        self, plan: RemediationPlan, gateway: GroupGateway, note: str
    ) -> GroupOutcome | None:
        """The outcome of closing an earlier run's remediation of the plan's group, if any."""
        if self.settings.dry_run:
            return None
        where = (plan.account_id, plan.region, plan.group_id)
        try:
            return self.interrupted.settle(
                where, plan.group_tags, gateway, may_revoke=self._may_revoke(note)
            )
        except NotFoundError:
            return None

    def _after_settling(
        self, plan: RemediationPlan, settled: GroupOutcome, gateway: GroupGateway
    ) -> RemediationPlan | None:
        """The plan to carry out once an earlier run's remediation was closed: a new one from a
        new read when that changed the group (None when it calls for no revoke: the closing
        outcome tags say what was done), else `plan` itself."""
        if settled.outcome not in REVOKED_OUTCOMES:
            return replace(plan, group_tags=_without_status(plan.group_tags))
        try:
            fresh, _ = self._rejudge(plan, gateway)
        except NotFoundError:
            return None
        return fresh if fresh is not None and fresh.revoke_count else None

    def _revoke(self, plan: RemediationPlan, gateway: GroupGateway) -> GroupOutcome:
        return self._revoked(plan, self.guarded.run(plan, gateway, self._rejudge), gateway)

    def _revoked(
        self, plan: RemediationPlan, done: GroupOutcome | Rejudged, gateway: GroupGateway
    ) -> GroupOutcome:
        """The outcome of a guarded revoke; a group judged again is flagged or left alone."""
        if isinstance(done, Rejudged):
            if done.plan is None:
                outcome = GroupOutcome(plan, Outcome.CHANGED, verified=True)
            else:
                outcome = self._flag(replace(done.plan, group_tags=done.tags), gateway)
                outcome.outcome = Outcome.CHANGED
            outcome.changed = done.changed
            outcome.error = "changed since read: judged again, nothing left to revoke"
            done_outcome = outcome
        else:
            done_outcome = done
        return done_outcome

    def _rejudge(
        self, plan: RemediationPlan, gateway: GroupGateway
    ) -> tuple[RemediationPlan | None, Mapping[str, str]]:
        """The plan for the group as it is now, and its tags (NotFoundError when it is gone)."""
        now = gateway.describe_group(plan.group_id)
        known = self._read.get((plan.account_id, plan.region, plan.group_id))
        prefix_lists: Mapping[str, tuple[str, ...]] = {}
        if known is not None:
            # The describe does not read attachments; the first read's stands.
            now = replace(now, attachment=known[0].attachment)
            prefix_lists = known[1]
        snapshot = RegionSnapshot(plan.account_id, plan.region, (now,), prefix_lists)
        result = self.scanner.scan([snapshot])
        fresh = plan_group(
            now,
            result.findings,
            plan.mode,
            lockdown_severity=self.settings.lockdown_severity,
            grace=self._grace(),
            narrow_to=self._narrow_to(prefix_lists),
        )
        return fresh, now.tags

    def _narrow_to(self, prefix_lists: Mapping[str, tuple[str, ...]]) -> NarrowTo:
        allowed = {
            c.id: allowed
            for c in self.scanner.policy.checks
            if c.remediation is Remediation.NARROW and (allowed := allowed_peers(c))
        }
        return NarrowTo(allowed, prefix_lists)

    def _grace(self) -> Grace:
        """The policy's grace periods, as of the run's clock (UTC day)."""
        days = {c.id: c.grace_days for c in self.scanner.policy.checks if c.grace_days}
        return Grace(days, self.clock().date())

    def _may_revoke(self, note: str) -> bool:
        return self.settings.mode is not Mode.FLAG_ONLY and not note

    def _flag_write(
        self, plan: RemediationPlan, timestamp: str
    ) -> tuple[dict[str, str], bool] | GroupOutcome:
        """The tags a flag writes and whether it takes away a pointer not the group's own;
        the outcome instead when the group says all of it already."""
        current = plan.group_tags
        # A flag carries a pointer only to a backup of this group: anyone may write the tag.
        where = (plan.account_id, plan.region, plan.group_id)
        pointer = parse_pointer(self.manifest_reader.own_tags(current, where).get(TAG_BACKUP, ""))
        own = pointer is not None and group_of(pointer.backup_id) == plan.group_id
        tags = outcome_tags(plan, current[TAG_BACKUP] if own else "", timestamp)
        if current.get(TAG_STATUS) in STATUS_DONE:
            # Rules were revoked earlier and what is left is only flagged: the status keeps
            # saying what was done, and checks it already names need no new write.
            tags[TAG_STATUS] = current[TAG_STATUS]
            if set(tags[TAG_CHECKS].split(",")) <= set(
                current.get(TAG_CHECKS, "").split(",")
            ) and current.get(TAG_DEADLINE, "") == tags.get(TAG_DEADLINE, ""):
                return GroupOutcome(plan, Outcome.UNCHANGED, verified=True)
        elif all(current.get(k) == tags[k] for k in (TAG_STATUS, TAG_CHECKS)) and current.get(
            TAG_DEADLINE, ""
        ) == tags.get(TAG_DEADLINE, ""):
            return GroupOutcome(plan, Outcome.UNCHANGED, verified=True)
        if not tags[TAG_BACKUP]:
            del tags[TAG_BACKUP]
        # A manifest pointer left unresolved (the store may have failed to answer) stays: it
        # leads only to the backups the manifest names for this very group, if any.
        held = parse_pointer(current.get(TAG_BACKUP, ""))
        unresolved = held is not None and is_manifest_id(held.backup_id)
        return fitting(tags, current), TAG_BACKUP in current and not own and not unresolved

    def _flags(
        self, plans: Sequence[tuple[int, RemediationPlan]], gateway: GroupGateway
    ) -> dict[int, list[GroupOutcome]]:
        """The flags of one account x region: the groups given the same tags (the same checks,
        one time for the run) in one call where the gateway can, the others one by one, as
        is any group of a shared call that failed (AWS fails it whole for one group gone)."""
        timestamp = self.clock().isoformat()
        done: dict[int, list[GroupOutcome]] = {}
        shared: dict[tuple[tuple[str, str], ...], list[tuple[int, RemediationPlan]]] = {}
        for i, plan in plans:
            write = self._flag_write(plan, timestamp)
            if isinstance(write, GroupOutcome):
                done[i] = [write]
                continue
            tags, drops_pointer = write
            if drops_pointer or not isinstance(gateway, BatchGateway):
                done[i] = [self._flag_alone(plan, gateway, write)]
                continue
            shared.setdefault(tuple(sorted(tags.items())), []).append((i, plan))
        for same, members in shared.items():
            if len(members) > 1:
                assert isinstance(gateway, BatchGateway)
                try:
                    gateway.set_tags_many([plan.group_id for _, plan in members], dict(same))
                except SgcError as exc:
                    log.info(
                        "flagging %d groups at once failed (%s): one by one", len(members), exc
                    )
                else:
                    for i, plan in members:
                        done[i] = [GroupOutcome(plan, Outcome.APPLIED, verified=True)]
                    continue
            for i, plan in members:
                done[i] = [self._flag_alone(plan, gateway, (dict(same), False))]
        return done

    def _flag_alone(
        self, plan: RemediationPlan, gateway: GroupGateway, write: tuple[dict[str, str], bool]
    ) -> GroupOutcome:
        try:
            return self._flagged(plan, gateway, write)
        except NotFoundError:
            return GroupOutcome(plan, Outcome.GROUP_GONE, error=f"{plan.group_id} no longer exists")
        except SgcError as exc:
            return GroupOutcome(plan, Outcome.FAILED, error=str(exc))

    def _flag(self, plan: RemediationPlan, gateway: GroupGateway) -> GroupOutcome:
        write = self._flag_write(plan, self.clock().isoformat())
        if isinstance(write, GroupOutcome):
            return write
        return self._flagged(plan, gateway, write)

    def _flagged(
        self, plan: RemediationPlan, gateway: GroupGateway, write: tuple[dict[str, str], bool]
    ) -> GroupOutcome:
        tags, drops_pointer = write
        try:
            gateway.set_tags(plan.group_id, tags)
            if drops_pointer:
                gateway.remove_tags(plan.group_id, [TAG_BACKUP])
        except NotFoundError:
            raise
        except SgcError as exc:
            return GroupOutcome(plan, Outcome.FAILED, error=f"flag tags not written: {exc}")
        return GroupOutcome(plan, Outcome.APPLIED, verified=True)

    def _settle_unplanned(
        self, group: SecurityGroup, gateway_for: GatewayFor, note: str, run: RemediationRun
    ) -> None:
        """A group without a plan: close an earlier run's remediation, or clear stale flags."""
        if self.settings.dry_run:
            return
        status = group.tags.get(TAG_STATUS)
        if status == STATUS_IN_PROGRESS:
            gateway = gateway_for(group.account_id, group.region)
            where = (group.account_id, group.region, group.group_id)
            done = self.interrupted.settle(
                where, group.tags, gateway, may_revoke=self._may_revoke(note)
            )
            if done is not None:
                run.outcomes.append(done)
        elif status == STATUS_FLAGGED:
            gateway = gateway_for(group.account_id, group.region)
            if self.mark_compliant(group, gateway):
                run.cleared.append((group.account_id, group.region, group.group_id))

    def finish_interrupted(
        self, group: SecurityGroup, gateway: GroupGateway, note: str = ""
    ) -> GroupOutcome | None:
        """Close the remediation an earlier run left in progress on `group` (see `interrupted`)."""
        if self.settings.dry_run:
            return None
        where = (group.account_id, group.region, group.group_id)
        return self.interrupted.settle(
            where, group.tags, gateway, may_revoke=self._may_revoke(note)
        )

    def mark_compliant(self, group: SecurityGroup, gateway: GroupGateway) -> bool:
        """A flagged group judged compliant: its violations tag goes, its status says so.
        Only while its rules are still those judged (read again first): a rule opened since
        leaves the flags, and the change's own event judges it. Whether it was marked."""
        if drift(group.rules, gateway.rules(group.group_id)):
            return False
        gateway.set_tags(
            group.group_id, {TAG_STATUS: STATUS_COMPLIANT, TAG_TIME: self.clock().isoformat()}
        )
        stale = [k for k in (TAG_CHECKS, TAG_DEADLINE) if k in group.tags]
        if stale:
            gateway.remove_tags(group.group_id, stale)
        return True

    def _remember(self, snapshots: Sequence[RegionSnapshot]) -> None:
        for snap in snapshots:
            for group in snap.groups:
                key = (group.account_id, group.region, group.group_id)
                self._read[key] = (group, snap.prefix_lists)


class _Stop:
    """The first failure of the backup store, seen by every account x region of the run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.error: BackupError | None = None

    def fail(self, exc: BackupError) -> None:
        with self._lock:
            if self.error is None:
                self.error = exc


def _without_status(tags: Mapping[str, str]) -> dict[str, str]:
    """The tags as closing an unverified in-progress remediation left them."""
    return {**tags, TAG_STATUS: STATUS_UNVERIFIED} if TAG_STATUS in tags else dict(tags)


def write_outcome_tags(outcome: GroupOutcome, gateway: GroupGateway) -> None:
    """The deferred outcome tags of `outcome`, which end its group's "in progress" state."""
    if outcome.pending_tags:
        gateway.set_tags(outcome.plan.group_id, outcome.pending_tags)
        outcome.pending_tags = None


def interrupted(snapshots: Sequence[RegionSnapshot]) -> list[SecurityGroup]:
    return [
        g for snap in snapshots for g in snap.groups if g.tags.get(TAG_STATUS) == STATUS_IN_PROGRESS
    ]


def _unplanned(
    snapshots: Sequence[RegionSnapshot], planned: set[tuple[str, str, str]]
) -> list[SecurityGroup]:
    return [
        g
        for snap in snapshots
        for g in snap.groups
        if (g.account_id, g.region, g.group_id) not in planned
    ]


def plans_by_action(plans: Sequence[RemediationPlan]) -> dict[Action, int]:
    counts: dict[Action, int] = {}
    for plan in plans:
        counts[plan.action] = counts.get(plan.action, 0) + 1
    return counts
