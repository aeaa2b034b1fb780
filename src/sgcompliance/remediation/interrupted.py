"""Remediations an earlier run left "in progress": finished or reported, never skipped, and
never taken on the word of a tag.

`sgc:status` and `sgc:backup` can be written by anyone who may tag the group in the member
account, so they only say where to look. The earlier run is finished only when the tool's own
records agree: its receipt (then the revokes were done and only the closing tags are missing),
or, without a receipt, a backup of this very group, written recently, whose digest is the one
the pointer names. Anything else is reported once and the status says it could not be verified.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sgcompliance.errors import BackupError
from sgcompliance.remediation.backup import (
    LoadedBackup,
    StoredBackup,
    group_of,
    parse_pointer,
    pointer_value,
)
from sgcompliance.remediation.drift import still_present
from sgcompliance.remediation.guarded_revoke import GuardedRevoke
from sgcompliance.remediation.manifest import ManifestReader
from sgcompliance.remediation.outcome import (
    STATUS_IN_PROGRESS,
    STATUS_UNVERIFIED,
    GroupOutcome,
    Outcome,
)
from sgcompliance.remediation.plan import TAG_BACKUP, TAG_STATUS, Action, Mode, RemediationPlan
from sgcompliance.remediation.ports import BackupStore, GroupGateway
from sgcompliance.remediation.receipt import BackupReceipt

log = logging.getLogger(__name__)

# An interrupted run is finished from its backup only this long after it: an older backup is a
# decision about a group that may have been judged differently since.
RESUME_WINDOW = timedelta(hours=24)


class UnverifiedError(Exception):
    """The in-progress tags point at nothing the tool's records confirm."""


class InterruptedRemediations:
    def __init__(
        self,
        backups: BackupStore,
        guarded: GuardedRevoke,
        clock: Callable[[], datetime],
        manifests: ManifestReader | None = None,
    ) -> None:
        self.backups = backups
        self.guarded = guarded
        self.clock = clock
        self.manifests = manifests or ManifestReader(backups)

    def settle(
        self,
        where: tuple[str, str, str],
        tags: Mapping[str, str],
        gateway: GroupGateway,
        *,
        may_revoke: bool,
    ) -> GroupOutcome | None:
        """The outcome of closing the group's in-progress remediation; None when it has none.
        `where` is (account, region, group id); `may_revoke`: this run may revoke rules."""
        if tags.get(TAG_STATUS) != STATUS_IN_PROGRESS:
            return None
        try:
            return self._settle(where, tags, gateway, may_revoke=may_revoke)
        except (UnverifiedError, BackupError) as exc:
            log.warning("in-progress remediation of %s not verified: %s", where[2], exc)
            gateway.set_tags(where[2], {TAG_STATUS: STATUS_UNVERIFIED})
            failed = GroupOutcome(bare_plan(*where), Outcome.FAILED)
            failed.error = (
                f"{TAG_STATUS}={STATUS_IN_PROGRESS} but the earlier remediation could not be "
                f"verified ({exc}); nothing was revoked for it"
            )
            return failed

    def _settle(
        self,
        where: tuple[str, str, str],
        tags: Mapping[str, str],
        gateway: GroupGateway,
        *,
        may_revoke: bool,
    ) -> GroupOutcome:
        pointer = parse_pointer(tags.get(TAG_BACKUP, ""))
        if pointer is None:
            raise UnverifiedError(f"{TAG_BACKUP} names no backup")
        # A batch's pointer names its manifest: the group's own entry there, or nothing.
        pointer = self.manifests.resolve(pointer, where)
        receipt = self.backups.receipt(pointer.backup_id)
        if receipt is not None:
            return self._close(where, receipt, pointer.sha256, gateway)
        if not may_revoke:
            raise UnverifiedError("finishing it would revoke, and this run may not revoke")
        if pointer.sha256 is None:
            raise UnverifiedError(f"{TAG_BACKUP} carries no digest")
        loaded = self.backups.load(pointer.backup_id, pointer.version_id)
        if loaded.record.backup_id != pointer.backup_id:
            raise UnverifiedError(f"the document under {pointer.backup_id} names another backup")
        _check(loaded, where, pointer.sha256)
        created = datetime.fromisoformat(loaded.record.created_at)
        if self.clock() - created > RESUME_WINDOW:
            raise UnverifiedError(f"backup {pointer.backup_id} is older than {RESUME_WINDOW}")
        return self._finish(loaded, gateway)

    def _close(
        self,
        where: tuple[str, str, str],
        receipt: BackupReceipt,
        pointer_sha: str | None,
        gateway: GroupGateway,
    ) -> GroupOutcome:
        """The revokes were done and recorded; only the outcome tags are missing."""
        if (receipt.account_id, receipt.region, receipt.group_id) != where:
            raise UnverifiedError(f"the receipt of {receipt.backup_id} is about another group")
        if pointer_sha is not None and pointer_sha != receipt.sha256:
            raise UnverifiedError(f"{TAG_BACKUP} names a digest its receipt does not")
        loaded = self.backups.load(receipt.backup_id, receipt.version_id)
        if loaded.record.backup_id != receipt.backup_id:
            raise UnverifiedError(f"the document under {receipt.backup_id} names another backup")
        _check(loaded, where, receipt.sha256)
        stored = StoredBackup(receipt.backup_id, "", receipt.version_id, receipt.sha256)
        outcome = GroupOutcome(loaded.record.plan, Outcome.APPLIED, backup_id=receipt.backup_id)
        outcome.revoked, outcome.already_gone = list(receipt.revoked), list(receipt.not_revoked)
        outcome.verified, outcome.resumed = True, True
        outcome.backup_sha256, outcome.backup_version = receipt.sha256, receipt.version_id
        self.guarded.tag(outcome, pointer_value(stored), gateway)
        return outcome

    def _finish(self, loaded: LoadedBackup, gateway: GroupGateway) -> GroupOutcome:
        """Died between backup and receipt: revoke what the plan lists that is still there
        (a lockdown cut short between two directions is completed), then record it all."""
        plan = loaded.record.plan
        current = gateway.rules(plan.group_id)
        present = {r.rule_id for r in still_present(plan.revoked_rules, current)}
        earlier = tuple(r.rule_id for r in plan.revoked_rules if r.rule_id not in present)
        stored = StoredBackup(loaded.record.backup_id, "", loaded.version_id, loaded.sha256)
        outcome = self.guarded.carry_out(plan, stored, gateway, earlier=earlier)
        outcome.resumed = True
        return outcome


def _check(loaded: LoadedBackup, where: tuple[str, str, str], sha256: str) -> None:
    plan = loaded.record.plan
    if group_of(loaded.record.backup_id) != where[2]:
        raise UnverifiedError(f"backup {loaded.record.backup_id} is not stored under {where[2]}")
    if loaded.sha256 != sha256:
        raise UnverifiedError(f"backup {loaded.record.backup_id} does not have the recorded digest")
    if (plan.account_id, plan.region, plan.group_id) != where:
        raise UnverifiedError(f"backup {loaded.record.backup_id} is about another group")


def bare_plan(account_id: str, region: str, group_id: str) -> RemediationPlan:
    """A plan that decides nothing: what an outcome about a group without a plan carries."""
    return RemediationPlan(
        plan_id="",
        mode=Mode.FLAG_ONLY,
        action=Action.FLAG,
        account_id=account_id,
        region=region,
        group_id=group_id,
        group_name="",
        pre_image=(),
        findings=(),
    )
