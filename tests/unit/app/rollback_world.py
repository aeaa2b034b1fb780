"""A group, its remediations as the remediator stores them (backup, pointer tag, revoke,
receipt), forgeries as someone with write access to the backup store would write them, and a
gateway that refuses rules the way AWS does (a whole call at once)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sgcompliance.engine.model import Direction, PeerKind, Rule, SecurityGroup
from sgcompliance.errors import AccessDeniedError, AwsApiError
from sgcompliance.records.audit import AuditRecord
from sgcompliance.remediation.backup import BackupRecord, backup_id_for, pointer_value
from sgcompliance.remediation.plan import TAG_BACKUP, TAG_STATUS, Action, Mode, RemediationPlan
from sgcompliance.remediation.ports import GroupGateway
from sgcompliance.remediation.receipt import BackupReceipt, ReceiptState
from sgcompliance.remediation.rollback import RollbackService
from sgcompliance.testing import FakeGateway, MemoryBackups
from support import estate

ACCOUNT, OTHER_ACCOUNT, REGION = "111111111111", "222222222222", "eu-west-1"
GROUP, VICTIM, PEER = "sg-0aaa0000000000001", "sg-0bbb0000000000002", "sg-0ccc0000000000003"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SSH_V4, SSH_V6, HTTPS, FROM_PEER, MAIL_OUT = "sgr-1", "sgr-2", "sgr-3", "sgr-4", "sgr-5"


def _rule(rule_id: str, port: int, source: str, *, egress: bool = False) -> Rule:
    return estate.rule(
        rule_id, source, ports=port, egress=egress, description=f"rule {rule_id}", group_id=GROUP
    )


RULES = (
    _rule(SSH_V4, 22, "0.0.0.0/0"),
    _rule(SSH_V6, 22, "::/0"),
    _rule(HTTPS, 443, "10.0.0.0/8"),
    _rule(FROM_PEER, 5432, PEER),
    _rule(MAIL_OUT, 25, "0.0.0.0/0", egress=True),
)
LOCKDOWN = (SSH_V4, SSH_V6, HTTPS, FROM_PEER, MAIL_OUT)


def by_id(*rule_ids: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.rule_id in rule_ids)


def plan(
    revoke: Sequence[str], *, group_id: str = GROUP, account: str = ACCOUNT, suffix: str = "0"
) -> RemediationPlan:
    pre_image = tuple(replace(r, group_id=group_id) for r in RULES)
    ingress = tuple(i for i in revoke if i != MAIL_OUT)
    return RemediationPlan(
        f"plan-{suffix * 12}{len(revoke):08d}", Mode.EMERGENCY, Action.LOCKDOWN, account, REGION,
        group_id, "web", pre_image, (), revoke_ingress=ingress,
        revoke_egress=tuple(i for i in revoke if i == MAIL_OUT),
    )  # fmt: skip


@dataclass
class World:
    """Group A (ours) in one account, group B (a victim) in another, and the backup store."""

    store: MemoryBackups = field(default_factory=MemoryBackups)
    ours: FakeGateway = field(
        default_factory=lambda: FakeGateway([SecurityGroup(GROUP, "web", ACCOUNT, REGION, RULES)])
    )
    victim: FakeGateway = field(
        default_factory=lambda: FakeGateway(
            [SecurityGroup(VICTIM, "db", OTHER_ACCOUNT, REGION, ())]
        )
    )
    records: list[AuditRecord] = field(default_factory=list)
    # Wraps the gateway of group A's account, e.g. to refuse some rules.
    wrap: Callable[[FakeGateway], GroupGateway] | None = None

    def gateway_for(self, account_id: str, region: str) -> GroupGateway:
        assert region == REGION
        if account_id == ACCOUNT:
            return self.wrap(self.ours) if self.wrap else self.ours
        return self.victim

    def service(self) -> RollbackService:
        return RollbackService(self.store, record=self.records.append, clock=lambda: NOW)

    def remediate(
        self,
        revoke: Sequence[str],
        *,
        at: datetime = NOW,
        revoked: Sequence[str] | None = None,
        suffix: str = "0",
    ) -> str:
        """What the remediator does: store the backup, point the group at it, revoke, store the
        receipt. `revoked`: what it actually removed (default: everything planned)."""
        the_plan = plan(revoke, suffix=suffix)
        record = BackupRecord(backup_id_for(the_plan, at), at.isoformat(), the_plan)
        stored = self.store.put(record)
        self.ours.set_tags(GROUP, {TAG_BACKUP: pointer_value(stored), TAG_STATUS: "remediating"})
        removed = tuple(revoke if revoked is None else revoked)
        for rule_id in removed:
            self.ours.delete_rule(GROUP, rule_id)
        self.ours.set_tags(GROUP, {TAG_STATUS: "locked-down", "sgc:violations": "SSH"})
        self.store.put_receipt(
            BackupReceipt(
                stored.backup_id, ACCOUNT, REGION, GROUP, at.isoformat(), stored.sha256,
                stored.version_id, the_plan.plan_id,
                ReceiptState.APPLIED if removed == tuple(revoke) else ReceiptState.PARTIAL,
                revoked=removed, not_revoked=tuple(i for i in revoke if i not in removed),
            )
        )  # fmt: skip
        return stored.backup_id

    def forge_for_victim(self, at: datetime) -> str:
        """A document under group A's key whose plan names group B in another account: rolling
        it back would authorize world-open SSH into B."""
        forged_plan = plan((SSH_V4,), group_id=VICTIM, account=OTHER_ACCOUNT, suffix="f")
        forged_id = f"{GROUP}.{at:%Y%m%dT%H%M%S%fZ}.ffffffff"
        self.store.tamper(forged_id, BackupRecord(forged_id, at.isoformat(), forged_plan))
        return forged_id

    def forge_receipt(self, forged_id: str, at: datetime) -> None:
        """A receipt for the forgery, consistent with its digest, filed under group A."""
        loaded = self.store.load(forged_id)
        self.store.receipts_by_id[forged_id] = [
            BackupReceipt(
                forged_id, ACCOUNT, REGION, GROUP, at.isoformat(), loaded.sha256,
                loaded.version_id, loaded.record.plan.plan_id, ReceiptState.APPLIED,
                revoked=(SSH_V4,),
            )
        ]  # fmt: skip

    def rule_lines(self) -> set[str]:
        return {r.describe() for r in self.ours.groups[GROUP].rules}


class AllOrNothing:
    """A gateway whose authorize fails the whole call, as AWS does, when any rule in it is
    refused by `refuse` (which names the AWS error code, or None to accept the rule)."""

    def __init__(self, inner: FakeGateway, refuse: Callable[[Rule], str | None]) -> None:
        self.inner = inner
        self.refuse = refuse
        self.calls: list[int] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        self.calls.append(len(rules))
        for rule in rules:
            code = self.refuse(rule)
            if code is not None:
                error = AccessDeniedError if code == "UnauthorizedOperation" else AwsApiError
                raise error(f"{code}: refused {rule.describe()}", aws_code=code)
        self.inner.authorize(group_id, direction, rules)


def peer_group_deleted(rule: Rule) -> str | None:
    return "InvalidGroup.NotFound" if rule.peer.kind is PeerKind.GROUP else None
