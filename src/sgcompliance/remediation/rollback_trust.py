"""What a rollback may believe about a backup: checks of the stored document against the
receipt the tool wrote when it revoked, and the choice of a group's latest restorable backup.

Anyone who can write to the backup store can write a document naming any group of any account.
A rollback authorizes rules, so it acts only on a document whose digest and version match the
receipt, whose plan names the group its key names, and only on the rules the receipt says this
tool removed. Every check returns a sentence the operator can act on; none does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sgcompliance.engine.model import Rule
from sgcompliance.engine.rule_codec import rule_identity
from sgcompliance.remediation.backup import BackupRecord, LoadedBackup, group_of
from sgcompliance.remediation.receipt import BackupReceipt, ReceiptState

# How far a receipt's time may run ahead of the reader's clock (hosts' clocks differ).
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class CheckedBackup:
    """A backup as read for a rollback, with everything that could not be verified about it
    (empty when it is trusted). `receipt` is None when there is none, or none to be trusted."""

    backup_id: str
    loaded: LoadedBackup
    receipt: BackupReceipt | None
    problems: tuple[str, ...] = ()

    @property
    def record(self) -> BackupRecord:
        return self.loaded.record

    @property
    def verified(self) -> bool:
        return not self.problems

    @property
    def to_restore(self) -> tuple[Rule, ...]:
        """The pre-image rules this tool removed: those the receipt lists as revoked, or,
        without a receipt (a forced rollback only), every rule the plan meant to revoke."""
        plan = self.record.plan
        if self.receipt is None:
            return plan.revoked_rules
        revoked = set(self.receipt.revoked)
        return tuple(r for r in plan.pre_image if r.rule_id in revoked)

    @property
    def to_remove(self) -> tuple[Rule, ...]:
        """The narrowed rules this tool authorized in place of revoked ones: those the receipt
        lists that the backup's plan (pinned by the receipt's digest) meant to authorize. A
        rule the plan never named is not removed, whatever the receipt says; without a
        receipt nothing is (the group may hold such a rule for another reason)."""
        if self.receipt is None:
            return ()
        planned = {rule_identity(n.rule) for n in self.record.plan.narrowing}
        return tuple(r for r in self.receipt.authorized if rule_identity(r) in planned)

    @property
    def not_restored(self) -> tuple[str, ...]:
        """Planned rule ids the receipt says this tool did not remove: never authorized."""
        if self.receipt is None:
            return ()
        revoked = set(self.receipt.revoked)
        plan = self.record.plan
        return tuple(i for i in (*plan.revoke_ingress, *plan.revoke_egress) if i not in revoked)


def backup_problems(
    backup_id: str, loaded: LoadedBackup, receipt: BackupReceipt | None
) -> tuple[str, ...]:
    """Why the document read under `backup_id` cannot be trusted as the backup this tool
    stored before revoking; empty when it can."""
    problems = list(_document_problems(backup_id, loaded.record))
    if receipt is not None:
        problems += _receipt_problems(backup_id, loaded, receipt)
    return tuple(problems)


def request_problem(
    record: BackupRecord, group_id: str | None, run_id: str | None = None
) -> str | None:
    """The request named a group (`--group`) or a run (`--run`) and the backup is of another
    one. A run is judged by the document, not by the tag in its id: anyone who may write to
    the store may name a key after any run, but not change a document its receipt pins."""
    if group_id is not None and record.plan.group_id != group_id:
        return f"the request names group {group_id}, the backup is of {record.plan.group_id}"
    if run_id is not None and record.run_id != run_id:
        # Both are shown as text: a run id written by someone else may hold anything.
        of = "no run" if record.run_id is None else f"run {record.run_id[:80]!r}"
        return f"the request names run {run_id[:80]!r}, the backup is of {of}"
    return None


def _document_problems(backup_id: str, record: BackupRecord) -> list[str]:
    plan = record.plan
    problems = []
    if record.backup_id != backup_id:
        problems.append(f"the document under {backup_id} names backup {record.backup_id}")
    if plan.group_id != group_of(backup_id):
        problems.append(
            f"the document is stored under group {group_of(backup_id)} but its plan is for "
            f"{_where(plan.account_id, plan.region, plan.group_id)}"
        )
    known = {r.rule_id for r in plan.pre_image}
    stray = [i for i in (*plan.revoke_ingress, *plan.revoke_egress) if i not in known]
    if stray:
        problems.append(f"the plan revokes rules its pre-image does not hold: {', '.join(stray)}")
    return problems


def _receipt_problems(backup_id: str, loaded: LoadedBackup, receipt: BackupReceipt) -> list[str]:
    plan = loaded.record.plan
    problems = []
    if receipt.backup_id != backup_id:
        problems.append(f"the receipt of {backup_id} names backup {receipt.backup_id}")
    if loaded.sha256 != receipt.sha256:
        problems.append(
            f"the backup's content (sha256 {loaded.sha256[:16]}...) is not what was stored "
            f"(sha256 {receipt.sha256[:16]}...): it was changed after the remediation"
        )
    if receipt.version_id is not None and loaded.version_id != receipt.version_id:
        problems.append(
            f"version {loaded.version_id} was read, the receipt pins version {receipt.version_id}"
        )
    ours = _where(receipt.account_id, receipt.region, receipt.group_id)
    theirs = _where(plan.account_id, plan.region, plan.group_id)
    if ours != theirs:
        problems.append(f"the plan is for {theirs}, the receipt for {ours}")
    if receipt.plan_id != plan.plan_id:
        problems.append(f"the receipt is of plan {receipt.plan_id}, the document of {plan.plan_id}")
    planned = {*plan.revoke_ingress, *plan.revoke_egress}
    unplanned = [i for i in receipt.revoked if i not in planned]
    if unplanned:
        problems.append(f"the receipt lists revokes the plan never made: {', '.join(unplanned)}")
    return problems


def _where(account_id: str, region: str, group_id: str) -> str:
    return f"{account_id}/{region}/{group_id}"


def latest_receipt(
    group_id: str, receipts: Sequence[BackupReceipt], now: datetime
) -> BackupReceipt | None:
    """The newest receipt of `group_id` that restores anything: newest by its time as a
    moment (never by key or text order, which a forged name could win), ties by backup id.
    Receipts of another group (by field or by id), undatable ones and ones dated after `now`
    (beyond clock skew: no receipt is written in the future) are never chosen."""
    latest_allowed = as_aware(now) + CLOCK_SKEW
    dated = [
        (moment, r.backup_id, r)
        for r in receipts
        if r.group_id == group_id
        and group_of(r.backup_id) == group_id
        and r.state is not ReceiptState.NOTHING
        and r.revoked
        and (moment := parse_moment(r.created_at)) is not None
        and moment <= latest_allowed
    ]
    return max(dated, key=lambda item: (item[0], item[1]))[2] if dated else None


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 time as an aware moment (naive times are UTC); None when unreadable."""
    try:
        return as_aware(datetime.fromisoformat(text))
    except ValueError:
        return None


def as_aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
