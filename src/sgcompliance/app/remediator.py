"""The `SecurityGroupRemediator`: backup first, revoke by rule id, verify, tag, roll back.

Order per group: plan (from a describe) -> backup stored -> pointer tag -> revoke -> verify by
describe -> outcome tags. Nothing is revoked unless the backup store accepted the record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sgcompliance.app.ports import BackupStore, GroupGateway
from sgcompliance.app.scanner import ComplianceScanner
from sgcompliance.core.backup import BackupRecord, backup_id_for
from sgcompliance.core.errors import BackupError, NotFoundError, SgcError
from sgcompliance.core.evaluate import ScanResult
from sgcompliance.core.findings import Finding
from sgcompliance.core.model import Direction, RegionSnapshot, SecurityGroup
from sgcompliance.core.plan import (
    TAG_BACKUP,
    TAG_CHECKS,
    TAG_STATUS,
    Action,
    Mode,
    RemediationPlan,
    limit_blast_radius,
    outcome_tags,
    plan_group,
)
from sgcompliance.core.policy import Severity

log = logging.getLogger(__name__)

GatewayFor = Callable[[str, str], GroupGateway]
STATUS_IN_PROGRESS = "remediating"
# What outcome_tags says once rules were revoked.
STATUS_DONE = frozenset({"remediated", "locked-down"})


class Outcome(StrEnum):
    DRY_RUN = "dry_run"
    APPLIED = "applied"
    UNCHANGED = "unchanged"  # already in the desired state: no write made
    GROUP_GONE = "group_gone"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RemediationSettings:
    mode: Mode = Mode.FLAG_ONLY
    dry_run: bool = False
    max_revokes: int | None = None
    lockdown_severity: Severity = Severity.CRITICAL
    # Leave the outcome tags to the caller (`write_outcome_tags`), to be written once it has
    # recorded and alerted: until then the group stays "in progress", so a process that dies
    # first leaves the next run a plan to finish and an alert to send, not a finished group.
    defer_outcome_tags: bool = False


@dataclass(slots=True)
class GroupOutcome:
    plan: RemediationPlan
    outcome: Outcome
    backup_id: str | None = None
    revoked: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    verified: bool = False
    error: str | None = None
    # Finished from the backup of an earlier run that stopped part way.
    resumed: bool = False
    # Outcome tags still to be written (settings.defer_outcome_tags).
    pending_tags: dict[str, str] | None = None


@dataclass(slots=True)
class RemediationRun:
    plans: list[RemediationPlan]
    outcomes: list[GroupOutcome]
    blast_radius_note: str = ""

    @property
    def revoked_count(self) -> int:
        return sum(len(o.revoked) for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return all(o.outcome not in (Outcome.FAILED,) for o in self.outcomes)


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

    def plan(self, result: ScanResult) -> tuple[list[RemediationPlan], str]:
        """Plans for every group with violations, after the run-wide blast-radius limit."""
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
            )
            if plan is not None:
                plans.append(plan)
        return limit_blast_radius(plans, self.settings.max_revokes)

    def run(
        self,
        result: ScanResult,
        gateway_for: GatewayFor,
        snapshots: Sequence[RegionSnapshot] = (),
    ) -> RemediationRun:
        plans, note = self.plan(result)
        return self.execute(plans, note, gateway_for, snapshots)

    def execute(
        self,
        plans: Sequence[RemediationPlan],
        note: str,
        gateway_for: GatewayFor,
        snapshots: Sequence[RegionSnapshot] = (),
    ) -> RemediationRun:
        """Apply plans group by group. A failing group (say, AccessDenied in one account) is
        recorded and the others go on; a failing backup store stops the whole run."""
        run = RemediationRun(list(plans), [], note)
        for plan in plans:
            try:
                run.outcomes.append(self.apply(plan, gateway_for(plan.account_id, plan.region)))
            except BackupError:
                raise
            except SgcError as exc:
                run.outcomes.append(GroupOutcome(plan, Outcome.FAILED, error=str(exc)))
        planned = {(p.account_id, p.region, p.group_id) for p in plans}
        for group in interrupted(snapshots):
            if (group.account_id, group.region, group.group_id) in planned:
                continue
            try:
                gateway = gateway_for(group.account_id, group.region)
                done = self.finish_interrupted(group, gateway, note)
            except SgcError as exc:  # this group only, as for a plan
                log.warning("cannot finish the remediation of %s: %s", group.group_id, exc)
                continue
            if done is not None:
                run.outcomes.append(done)
        return run

    def apply(self, plan: RemediationPlan, gateway: GroupGateway) -> GroupOutcome:
        """Carry out one plan made from a describe of the group moments ago."""
        if self.settings.dry_run:
            return GroupOutcome(plan, Outcome.DRY_RUN)
        try:
            if plan.revoke_count:
                return self._revoke_with_backup(plan, gateway)
            # Nothing left to revoke now may mean an earlier run died mid-way: finish its plan.
            record = self._recorded(plan.group_id, plan.group_tags, plan.note)
            if record is not None:
                return self._resume(record, gateway)
            return self._flag(plan, gateway)
        except NotFoundError:
            return GroupOutcome(plan, Outcome.GROUP_GONE, error=f"{plan.group_id} no longer exists")

    def _revoke_with_backup(self, plan: RemediationPlan, gateway: GroupGateway) -> GroupOutcome:
        now = self.clock()
        record = BackupRecord(
            backup_id=backup_id_for(plan, now),
            created_at=now.isoformat(),
            plan=plan,
            policy_id=self.scanner.policy.id,
            policy_digest=self.scanner.policy.digest,
        )
        self.backups.put(record)  # raises BackupError: then nothing below happens
        gateway.set_tags(
            plan.group_id, {TAG_BACKUP: record.backup_id, TAG_STATUS: STATUS_IN_PROGRESS}
        )
        return self._carry_out(plan, record.backup_id, gateway)

    def _carry_out(
        self, plan: RemediationPlan, backup_id: str, gateway: GroupGateway
    ) -> GroupOutcome:
        """Everything after the backup and its pointer tag: revoke, verify by describe, tag."""
        outcome = GroupOutcome(plan, Outcome.APPLIED, backup_id=backup_id)
        for direction in Direction:
            self._revoke(gateway, plan, direction, outcome)
        remaining = gateway.rule_ids(plan.group_id)
        outcome.verified = not (set(plan.revoke_ingress) | set(plan.revoke_egress)) & remaining
        if not outcome.verified:
            outcome.outcome = Outcome.FAILED
            outcome.error = "verification failed: a revoked rule is still present"
            return outcome
        tags = outcome_tags(plan, backup_id, self.clock().isoformat())
        if self.settings.defer_outcome_tags:
            outcome.pending_tags = tags
        else:
            gateway.set_tags(plan.group_id, tags)
        return outcome

    def _recorded(
        self, group_id: str, tags: Mapping[str, str], note: str = ""
    ) -> BackupRecord | None:
        """The backup of a remediation the group's tags say is still in progress, when this run
        may finish it: finishing revokes, so not in flag_only mode nor past the blast-radius
        limit (`note`)."""
        backup_id = tags.get(TAG_BACKUP, "")
        if tags.get(TAG_STATUS) != STATUS_IN_PROGRESS or not backup_id:
            return None
        if self.settings.mode is Mode.FLAG_ONLY or note:
            return None
        try:
            record = self.backups.get(backup_id)
        except BackupError as exc:
            log.warning("cannot resume the remediation of %s: %s", group_id, exc)
            return None
        return record if record.plan.group_id == group_id else None

    def _resume(self, record: BackupRecord, gateway: GroupGateway) -> GroupOutcome:
        """Finish a recorded plan: revoke what it lists that is still there, verify, tag. A run
        that died between the revokes of two directions is completed, not left half done."""
        plan = record.plan
        present = gateway.rule_ids(plan.group_id)
        left = replace(
            plan,
            revoke_ingress=tuple(i for i in plan.revoke_ingress if i in present),
            revoke_egress=tuple(i for i in plan.revoke_egress if i in present),
        )
        outcome = self._carry_out(left, record.backup_id, gateway)
        outcome.resumed = True
        return outcome

    def _revoke(
        self, gateway: GroupGateway, plan: RemediationPlan, direction: Direction, out: GroupOutcome
    ) -> None:
        ids = list(plan.revokes(direction))
        if not ids:
            return
        try:
            gateway.revoke(plan.group_id, direction, ids)
            out.revoked.extend(ids)
            return
        except NotFoundError:
            log.info("a rule of %s was already gone; revoking what remains", plan.group_id)
        present = gateway.rule_ids(plan.group_id)
        still = [i for i in ids if i in present]
        out.already_gone.extend(i for i in ids if i not in present)
        if still:
            gateway.revoke(plan.group_id, direction, still)
            out.revoked.extend(still)

    def _flag(self, plan: RemediationPlan, gateway: GroupGateway) -> GroupOutcome:
        current = plan.group_tags
        tags = outcome_tags(plan, current.get(TAG_BACKUP, ""), self.clock().isoformat())
        if current.get(TAG_STATUS) in STATUS_DONE:
            # Rules were revoked earlier and what is left is only flagged: the status keeps
            # saying what was done, and checks it already names need no new write.
            tags[TAG_STATUS] = current[TAG_STATUS]
            if set(tags[TAG_CHECKS].split(",")) <= set(current.get(TAG_CHECKS, "").split(",")):
                return GroupOutcome(plan, Outcome.UNCHANGED, verified=True)
        elif all(current.get(k) == tags[k] for k in (TAG_STATUS, TAG_CHECKS)):
            return GroupOutcome(plan, Outcome.UNCHANGED, verified=True)
        if not tags[TAG_BACKUP]:
            del tags[TAG_BACKUP]
        gateway.set_tags(plan.group_id, tags)
        return GroupOutcome(plan, Outcome.APPLIED, verified=True)

    def finish_interrupted(
        self, group: SecurityGroup, gateway: GroupGateway, note: str = ""
    ) -> GroupOutcome | None:
        """A run that stopped after its backup but before its outcome tags left the pointer tag
        only, on a group with no violation left now: finish the recorded plan."""
        if group.tags.get(TAG_STATUS) != STATUS_IN_PROGRESS or self.settings.dry_run:
            return None
        record = self._recorded(group.group_id, group.tags, note)
        if record is not None:
            return self._resume(record, gateway)
        # Not to be finished by this run, or its backup is not in this store: at least end
        # the in-progress state.
        gateway.set_tags(group.group_id, {TAG_STATUS: "remediated"})
        return None


def write_outcome_tags(outcome: GroupOutcome, gateway: GroupGateway) -> None:
    """The deferred outcome tags of `outcome`, which end its group's "in progress" state."""
    if outcome.pending_tags:
        gateway.set_tags(outcome.plan.group_id, outcome.pending_tags)
        outcome.pending_tags = None


def interrupted(snapshots: Sequence[RegionSnapshot]) -> list[SecurityGroup]:
    return [
        g for snap in snapshots for g in snap.groups if g.tags.get(TAG_STATUS) == STATUS_IN_PROGRESS
    ]


def plans_by_action(plans: Sequence[RemediationPlan]) -> dict[Action, int]:
    counts: dict[Action, int] = {}
    for plan in plans:
        counts[plan.action] = counts.get(plan.action, 0) + 1
    return counts
