"""Rollback: re-authorize what a remediation revoked, from the exact backup it stored.

Nothing in the backup store is taken on trust: the document must be the version and digest the
receipt pins, of the group its key names, and only the rules the receipt says this tool removed
are restored (`sgcompliance.remediation.rollback_trust`). A rule that cannot come back does not keep
the others out (`rollback_restore`). The group's `sgc:*` tags are removed only when its pointer
tag names this backup, so rolling back an older backup leaves a newer remediation's tags alone.
Every rollback, refused or carried out, is one audit record given to `record`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sgcompliance.clock import utc_now
from sgcompliance.engine.model import Direction, Rule, SecurityGroup
from sgcompliance.engine.rule_codec import rule_identity
from sgcompliance.errors import BackupError, NotFoundError, SgcError
from sgcompliance.records.audit import AuditRecord, RollbackAudit, Trigger, rollback_audit_record
from sgcompliance.remediation.backup import group_of
from sgcompliance.remediation.inverse import RollbackPlan, without_existing
from sgcompliance.remediation.manifest import ManifestReader
from sgcompliance.remediation.ports import BackupStore, GroupGateway
from sgcompliance.remediation.receipt import BackupReceipt
from sgcompliance.remediation.rollback_restore import (
    GROUP_NOT_FOUND,
    FailedRule,
    Restored,
    Retagged,
    all_back,
    restore,
    tag_change,
    tags_note,
    write_tags,
)
from sgcompliance.remediation.rollback_trust import (
    CheckedBackup,
    backup_problems,
    latest_receipt,
    request_problem,
)

log = logging.getLogger(__name__)

GatewayFor = Callable[[str, str], GroupGateway]
RecordSink = Callable[[AuditRecord], object]
CLI_EVENT_NAME = "SgcRollback"
FORCE_HINT = (
    "investigate the backup store; `sgc rollback BACKUP_ID --force-unverified` restores from "
    "it regardless, knowingly"
)


@dataclass(slots=True)
class RollbackOutcome:
    plan: RollbackPlan
    dry_run: bool
    group_name: str = ""
    # What could not be verified about the backup (a forced rollback only).
    problems: tuple[str, ...] = ()
    # Planned rule ids the receipt says this tool did not revoke: never restored.
    not_restored: tuple[str, ...] = ()
    restored_rules: list[Rule] = field(default_factory=list)
    # Found present while restoring (put back by a retried call, or by someone else).
    present_rules: list[Rule] = field(default_factory=list)
    failed: list[FailedRule] = field(default_factory=list)
    verified: bool = False
    removed_tags: list[str] = field(default_factory=list)
    status_tag: str | None = None
    tags_note: str = ""
    # Narrowed rules this tool had authorized in place of the revoked ones: to remove, and
    # those removed.
    to_remove: tuple[Rule, ...] = ()
    removed_rules: list[Rule] = field(default_factory=list)
    # Narrowed rules already gone when the rollback came to remove them (removed by someone,
    # or by no call it can show was its own): not claimed as removed by it.
    gone_rules: list[Rule] = field(default_factory=list)

    @property
    def backup_id(self) -> str:
        return self.plan.backup_id

    @property
    def account_id(self) -> str:
        return self.plan.account_id

    @property
    def region(self) -> str:
        return self.plan.region

    @property
    def group_id(self) -> str:
        return self.plan.group_id

    @property
    def restored(self) -> int:
        return len(self.restored_rules)

    @property
    def already_present(self) -> tuple[Rule, ...]:
        return self.plan.skipped + tuple(self.present_rules)

    @property
    def partial(self) -> bool:
        return bool(self.failed)

    def audit_detail(self) -> RollbackAudit:
        return RollbackAudit(
            restored_rule_ids=tuple(r.rule_id for r in self.restored_rules),
            already_present_rule_ids=tuple(r.rule_id for r in self.already_present),
            failed=tuple((f.rule.rule_id, f.reason) for f in self.failed),
            unverified=self.problems,
            forced=bool(self.problems),
        )

    @property
    def status(self) -> str:
        """`dry_run`, `restored`, `partial` (some rules could not come back) or `unverified`."""
        if self.dry_run:
            return "dry_run"
        if self.failed:
            return "partial"
        return "restored" if self.verified else "unverified"


class RollbackService:
    def __init__(
        self,
        backups: BackupStore,
        *,
        record: RecordSink | None = None,
        clock: Callable[[], datetime] | None = None,
        event_name: str = CLI_EVENT_NAME,
    ) -> None:
        self.backups = backups
        # A group remediated in a batch names the batch's manifest: resolved to its backup.
        self.manifests = ManifestReader(backups)
        self.record = record
        self.clock = clock or utc_now
        self.event_name = event_name

    def latest(self, group_id: str) -> str:
        """The group's newest backup with a receipt of revoked rules (never merely the newest
        object under its prefix: anyone who may write there can name one)."""
        chosen = latest_receipt(group_id, self.backups.receipts(group_id), self.clock())
        if chosen is None:
            raise BackupError(
                f"no restorable backup of {group_id}: no receipt records a remediation that "
                "revoked rules of it",
                hint=f"list its backups with `sgc backups list --group {group_id}` and roll "
                "one back by id",
            )
        return chosen.backup_id

    def rollback(
        self,
        backup_id: str,
        gateway_for: GatewayFor,
        *,
        dry_run: bool,
        group_id: str | None = None,
        force_unverified: bool = False,
        request_id: str | None = None,
    ) -> RollbackOutcome:
        request_id = request_id or new_request_id()
        checked = self.check(
            backup_id, group_id=group_id, force_unverified=force_unverified, request_id=request_id
        )
        return self.restore(checked, gateway_for, dry_run=dry_run, request_id=request_id)

    def check(
        self,
        backup_id: str,
        *,
        group_id: str | None = None,
        force_unverified: bool = False,
        request_id: str | None = None,
        run_id: str | None = None,
    ) -> CheckedBackup:
        """The backup as a rollback may use it; BackupError (audited) when it may not: a group
        or run other than the one requested (never forced), or (unless forced) anything
        unverifiable."""
        receipt, receipt_problem = self._receipt(backup_id)
        problems = (receipt_problem,) if receipt_problem else ()
        try:
            loaded = self.backups.load(backup_id, receipt.version_id if receipt else None)
        except BackupError as exc:
            where = (receipt.account_id, receipt.region) if receipt else ("", "")
            detail = RollbackAudit((), (), (), (*problems, str(exc)), forced=False)
            self._write(backup_id, None, where, "refused", detail, request_id, dry_run=False)
            raise
        checked = CheckedBackup(
            backup_id, loaded, receipt, problems + backup_problems(backup_id, loaded, receipt)
        )
        mismatch = request_problem(loaded.record, group_id, run_id)
        if mismatch is None and (checked.verified or force_unverified):
            return checked
        reasons = (mismatch,) if mismatch else checked.problems
        self.refuse(checked, reasons, request_id=request_id)
        raise BackupError(
            f"refusing to roll back {backup_id}: " + "; ".join(reasons),
            hint="check the backup id, --group and --run" if mismatch else FORCE_HINT,
        )

    def _receipt(self, backup_id: str) -> tuple[BackupReceipt | None, str | None]:
        try:
            receipt = self.backups.receipt(backup_id)
        except BackupError as exc:
            return None, f"its receipt cannot be trusted: {exc}"
        if receipt is None:
            return None, (
                f"no receipt of {backup_id}: sgc never recorded revoking anything under it "
                "(a document written around sgc, or a remediation stopped before its receipt)"
            )
        return receipt, None

    def refuse(
        self, checked: CheckedBackup, reasons: tuple[str, ...], *, request_id: str | None = None
    ) -> None:
        """Record that a rollback of `checked` was refused, for `reasons`."""
        receipt, plan = checked.receipt, checked.record.plan
        where = (receipt.account_id, receipt.region) if receipt else (plan.account_id, plan.region)
        detail = RollbackAudit((), (), (), reasons, forced=False)
        self._write(
            checked.backup_id, plan.plan_id, where, "refused", detail, request_id, dry_run=False
        )

    def restore(
        self,
        checked: CheckedBackup,
        gateway_for: GatewayFor,
        *,
        dry_run: bool,
        request_id: str | None = None,
    ) -> RollbackOutcome:
        """Re-authorize the checked backup's revoked rules (audited, even when it fails)."""
        plan = checked.record.plan
        # The restore as far as it got: a failure is recorded with the rules it put back.
        begun: list[RollbackOutcome] = []
        try:
            gateway = gateway_for(plan.account_id, plan.region)
            outcome = self._restore(checked, gateway, dry_run, begun)
        except SgcError as exc:
            so_far = begun[0] if begun else None
            self.record_failure(
                checked, exc, dry_run=dry_run, request_id=request_id, outcome=so_far
            )
            raise
        except Exception as exc:  # a defect: audited as what stopped the restore, then raised
            so_far = begun[0] if begun else None
            self.record_failure(
                checked, unexpected(exc), dry_run=dry_run, request_id=request_id, outcome=so_far
            )
            raise
        self.record_outcome(checked, outcome, request_id=request_id)
        return outcome

    def _restore(
        self,
        checked: CheckedBackup,
        gateway: GroupGateway,
        dry_run: bool,
        begun: list[RollbackOutcome],
    ) -> RollbackOutcome:
        group_id = checked.record.plan.group_id
        outcome = self.begin(checked, gateway.describe_group(group_id), dry_run=dry_run)
        begun.append(outcome)
        if dry_run:
            return outcome
        self.put_back(outcome, gateway)
        after = gateway.describe_group(group_id)
        write_tags(gateway, group_id, self.settle(outcome, after.rules, after.tags))
        return outcome

    # The steps of `restore`, which a rollback of many groups takes for all of them at once
    # (`rollback_bulk`): `begin` from a read of the group, `put_back`, `settle` from a read
    # after, the tags it decides written, and the audit record.

    def begin(
        self, checked: CheckedBackup, current: SecurityGroup, *, dry_run: bool
    ) -> RollbackOutcome:
        """What restoring `checked` into the group as `current` shows it means: the rules
        it does not hold again, and the narrowed ones it still holds (to remove); for a dry
        run, what would become of its tags."""
        plan = checked.record.plan
        wanted = RollbackPlan(
            checked.backup_id, plan.account_id, plan.region, plan.group_id, checked.to_restore
        )
        outcome = RollbackOutcome(
            without_existing(wanted, current.rules),
            dry_run,
            group_name=current.name,
            problems=checked.problems,
            not_restored=checked.not_restored,
        )
        held = {rule_identity(r) for r in current.rules}
        outcome.to_remove = tuple(r for r in checked.to_remove if rule_identity(r) in held)
        if dry_run:
            tags = self.manifests.own_tags(current.tags, _where(outcome))
            outcome.tags_note = tags_note(tags, checked.backup_id, dry_run=True)
        return outcome

    def put_back(self, outcome: RollbackOutcome, gateway: GroupGateway) -> None:
        """Authorize the rules to restore, one call per direction (rule by rule when it must),
        then remove the narrowed rules once every wider rule is back."""
        done = Restored()
        try:
            for direction in Direction:
                restore(gateway, outcome.group_id, direction, outcome.plan.rules(direction), done)
        finally:
            # Also when a failure stops it: its record names the rules it put back before.
            outcome.restored_rules, outcome.present_rules, outcome.failed = (
                list(done.restored), list(done.present), list(done.failed)
            )  # fmt: skip
        # The narrowed rules go only once every wider rule is back: their peers keep access
        # throughout. A rule that could not come back keeps its replacements too.
        if not outcome.failed:
            remove_narrowed(gateway, outcome)

    def settle(
        self, outcome: RollbackOutcome, rules: Sequence[Rule], tags: Mapping[str, str]
    ) -> Retagged:
        """Verify the restore against the group's `rules` and `tags` read after it, and decide
        its tags (the caller writes them)."""
        left = {rule_identity(r) for r in rules}
        outcome.verified = all_back(outcome.plan, outcome.failed, rules) and not any(
            rule_identity(r) in left for r in (*outcome.removed_rules, *outcome.gone_rules)
        )
        change = tag_change(
            self.manifests.own_tags(tags, _where(outcome)), outcome.backup_id,
            failed=len(outcome.failed), verified=outcome.verified,
        )  # fmt: skip
        outcome.removed_tags, outcome.status_tag, outcome.tags_note = (
            list(change.removed), change.status, change.note
        )  # fmt: skip
        return change

    def record_outcome(
        self, checked: CheckedBackup, outcome: RollbackOutcome, *, request_id: str | None
    ) -> None:
        plan = checked.record.plan
        self._write(
            checked.backup_id, plan.plan_id, (plan.account_id, plan.region), outcome.status,
            outcome.audit_detail(), request_id, outcome.dry_run,
        )  # fmt: skip

    def record_failure(
        self,
        checked: CheckedBackup,
        exc: SgcError,
        *,
        dry_run: bool,
        request_id: str | None,
        outcome: RollbackOutcome | None = None,
    ) -> None:
        """The restore of `checked` stopped on `exc`; `outcome`: what it had done by then (the
        rules it put back, those found present, those that could not come back)."""
        plan = checked.record.plan
        problems = (*checked.problems, str(exc))
        detail = RollbackAudit((), (), (), problems, bool(checked.problems))
        if outcome is not None:
            done = outcome.audit_detail()
            detail = replace(done, unverified=problems, forced=bool(checked.problems))
        where = (plan.account_id, plan.region)
        self._write(checked.backup_id, plan.plan_id, where, "failed", detail, request_id, dry_run)

    def _write(
        self,
        backup_id: str,
        plan_id: str | None,
        where: tuple[str, str],
        outcome: str,
        detail: RollbackAudit,
        request_id: str | None,
        dry_run: bool,
    ) -> None:
        group_id = group_of(backup_id)
        log.info("rollback of %s: %s", backup_id, outcome, extra={"group": group_id})
        if self.record is None:
            return
        trigger = Trigger(request_id or new_request_id(), self.event_name, *where)
        self.record(
            rollback_audit_record(
                trigger,
                decided_at=self.clock(),
                backup_id=backup_id,
                # The group the backup's key names: what was asked to be rolled back.
                group_id=group_id,
                outcome=outcome,
                detail=detail,
                plan_id=plan_id,
                dry_run=dry_run,
            )
        )


def remove_narrowed(gateway: GroupGateway, outcome: RollbackOutcome) -> None:
    """Revoke the outcome's narrowed rules by content, each in a call of its own, noting each
    as it goes: removed by this rollback, or already gone when its call came.

    One call for all would leave it unknown which went by that call where it fails: AWS fails
    none of them, but an endpoint that removes a call's rules one after another (moto) fails it
    at the first rule someone removed meanwhile, after removing those before it. Narrowed
    rules are few (the allowed ranges of a wide rule), and a rollback of them is rare."""
    for rule in outcome.to_remove:
        try:
            unknown = gateway.revoke(outcome.group_id, rule.direction, [rule]).unknown
        except NotFoundError as exc:
            if exc.aws_code == GROUP_NOT_FOUND:
                raise
            # Gone before this call, unless an attempt of it whose answer was lost removed it.
            (outcome.removed_rules if exc.lost_answers else outcome.gone_rules).append(rule)
            continue
        (outcome.gone_rules if unknown else outcome.removed_rules).append(rule)


def _where(outcome: RollbackOutcome) -> tuple[str, str, str]:
    return outcome.account_id, outcome.region, outcome.group_id


def unexpected(exc: Exception) -> SgcError:
    """An error no step expected (a defect), as the failure of the restore it stopped: it is
    audited and reported as failed (in a bulk rollback the other restores go on)."""
    log.debug("a rollback step failed unexpectedly", exc_info=exc)
    return SgcError(
        f"stopped part way by an unexpected error ({type(exc).__name__}: {exc})",
        hint="re-run the rollback of this backup alone; it reads the group first",
    )


def new_request_id() -> str:
    return f"rollback-{uuid.uuid4().hex[:16]}"
