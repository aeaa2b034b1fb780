"""Remediation passes and rollbacks over an estate, through the product's own wiring: the
bootstrap runtime, the fleet reader, the scanner, the remediator and the rollback service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sgcompliance.adapters.aws.estate import Runtime
from sgcompliance.engine.fleet import ScopeResult, read_fleet
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.engine.policy import Policy
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.remediation.plan import RemediationPlan
from sgcompliance.remediation.ports import BackupStore, GroupGateway
from sgcompliance.remediation.remediator import (
    RemediationRun,
    RemediationSettings,
    SecurityGroupRemediator,
)
from sgcompliance.remediation.rollback import RollbackService
from support.live_estate import TODAY, Estate

WRITE_OPERATIONS = frozenset(
    {
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:CreateTags",
        "ec2:DeleteTags",
        "s3:PutObject",
    }
)


GatewayWrap = Callable[[GroupGateway], GroupGateway]


@dataclass(slots=True)
class Prepared:
    """A remediation read, scanned and planned through the product's own wiring; not applied."""

    remediator: SecurityGroupRemediator
    runtime: Runtime
    reads: list[ScopeResult[RegionSnapshot]]
    plans: list[RemediationPlan]
    note: str

    @property
    def snapshots(self) -> list[RegionSnapshot]:
        return [r.snapshot for r in self.reads if r.snapshot is not None]

    def plan_for(self, group_id: str) -> RemediationPlan:
        return next(p for p in self.plans if p.group_id == group_id)

    def apply(self, wrap: GatewayWrap | None = None) -> RemediationRun:
        """What `sgc remediate --yes` does with its plans."""

        def gateway_for(account: str, region: str) -> GroupGateway:
            gateway: GroupGateway = self.runtime.gateway(account, region)
            return wrap(gateway) if wrap is not None else gateway

        return self.remediator.execute(self.plans, self.note, gateway_for, self.snapshots)


def prepare(
    estate: Estate,
    policy: Policy,
    settings: RemediationSettings,
    store: BackupStore,
    *,
    runtime: Runtime | None = None,
) -> Prepared:
    runtime = runtime or estate.runtime()
    runtime.counter.reset()  # the calls of this pass only
    reads = read_fleet(runtime.scopes, runtime.read, max_workers=4)
    snapshots = [r.snapshot for r in reads if r.snapshot is not None]
    scanner = ComplianceScanner(policy, today=lambda: TODAY)
    remediator = SecurityGroupRemediator(scanner, store, lambda: datetime.now(UTC), settings)
    plans, note = remediator.plan(scanner.scan(snapshots))
    return Prepared(remediator, runtime, reads, plans, note)


@dataclass(slots=True)
class Pass:
    """One remediation pass over the whole estate."""

    run: RemediationRun
    runtime: Runtime
    reads: list[ScopeResult[RegionSnapshot]]


def remediate(
    estate: Estate,
    policy: Policy,
    settings: RemediationSettings,
    store: BackupStore,
    *,
    wrap: GatewayWrap | None = None,
    runtime: Runtime | None = None,
) -> Pass:
    """Read every account-region, scan, plan and apply, as `sgc remediate --yes` does."""
    prepared = prepare(estate, policy, settings, store, runtime=runtime)
    return Pass(prepared.apply(wrap), prepared.runtime, prepared.reads)


def roll_back_everything(estate: Estate, store: BackupStore) -> int:
    """Every backup under which rules were revoked (its receipt says which), newest first per
    group; returns how many were rolled back. A backup without a receipt revoked nothing."""
    service = RollbackService(store)
    runtime = estate.runtime(purpose="rollback")
    used = [b for b in store.list() if (r := store.receipt(b)) is not None and r.revoked]
    for backup_id in sorted(used, reverse=True):
        outcome = service.rollback(backup_id, runtime.gateway, dry_run=False)
        assert outcome.verified, backup_id
    return len(used)


def write_calls(calls: Mapping[str, int]) -> dict[str, int]:
    return {op: n for op, n in calls.items() if op in WRITE_OPERATIONS and n}
