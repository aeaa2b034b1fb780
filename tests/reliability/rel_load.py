"""A large estate for the load sweep: groups spread over accounts x regions, 1 % of them with
SSH open to the world; and the sweep itself, through the fault proxy, as `sgc remediate --yes`
runs it over the fleet (read every account-region, judge, back up, revoke)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rel_wiring import ClientTuning, backup_store, proxied_runtime

from sgcompliance.engine.fleet import ScopeResult, read_fleet
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.remediator import RemediationSettings, SecurityGroupRemediator
from support.estate import create_group, perm
from support.it_policy import admin_policy
from support.live_estate import TODAY, Estate

ACCOUNTS = ("111111111111", "222222222222", "333333333333", "444444444444", "555555555555")
REGIONS = ("eu-west-1", "us-east-1")
OPEN_EVERY = 100  # 1 % of the groups have SSH open to the world
# Big answers (a thousand groups) on a loaded machine: only injected stalls should time out.
TUNING = ClientTuning(max_attempts=10, read_timeout=20.0)


@dataclass(slots=True)
class ScopeReport:
    scope: str
    ok: bool
    groups: int = 0
    violations: int = 0
    revoked: int = 0
    error: str = ""


@dataclass(slots=True)
class Sweep:
    reports: list[ScopeReport] = field(default_factory=list)
    peak_mib: float = 0.0
    failed_groups: int = 0

    @property
    def groups(self) -> int:
        return sum(r.groups for r in self.reports)

    @property
    def revoked(self) -> int:
        return sum(r.revoked for r in self.reports)


def shares(groups: int) -> list[range]:
    """Which group numbers each account-region gets."""
    scopes = len(ACCOUNTS) * len(REGIONS)
    return [range(n, groups, scopes) for n in range(scopes)]


def open_groups(groups: int) -> int:
    return sum(len(range(0, len(share), OPEN_EVERY)) for share in shares(groups))


def seed_estate(endpoint: str, groups: int) -> Estate:
    """`groups` groups spread evenly over ACCOUNTS x REGIONS (plus each default group)."""
    estate = Estate(endpoint, ACCOUNTS, REGIONS)
    scopes = [(a, r) for a in ACCOUNTS for r in REGIONS]
    work = zip(scopes, shares(groups), strict=True)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda s: _seed_scope(estate, *s[0], s[1]), work))
    return estate


def _seed_scope(estate: Estate, account: str, region: str, numbers: range) -> None:
    ec2 = estate.ec2(account, region)
    for count, n in enumerate(numbers):
        ingress = [perm("tcp", (22, 22), "0.0.0.0/0")] if count % OPEN_EVERY == 0 else []
        create_group(ec2, f"load-{n}", description="load sweep", ingress=ingress)


@contextmanager
def traced(sweep: Sweep) -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        sweep.peak_mib = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
        tracemalloc.stop()


def sweep(estate: Estate, proxy_endpoint: str) -> Sweep:
    """Read, judge and remediate every account-region; one report per account-region."""
    runtime = proxied_runtime(estate, proxy_endpoint, purpose="sweep", tuning=TUNING)
    scanner = ComplianceScanner(admin_policy(trusted=ACCOUNTS), today=lambda: TODAY)
    store = backup_store(runtime)
    settings = RemediationSettings(Mode.REMOVE)
    remediator = SecurityGroupRemediator(scanner, store, lambda: datetime.now(UTC), settings)
    done = Sweep()
    with traced(done):
        reads = read_fleet(runtime.scopes, runtime.read, max_workers=4)
        snapshots = [r.snapshot for r in reads if r.snapshot is not None]
        run = remediator.run(scanner.scan(snapshots), runtime.gateway, snapshots)
    done.failed_groups = sum(1 for o in run.outcomes if o.outcome.value == "failed")
    by_scope: dict[str, list[Any]] = {}
    for outcome in run.outcomes:
        by_scope.setdefault(f"{outcome.plan.account_id}/{outcome.plan.region}", []).append(outcome)
    done.reports = [_report(r, by_scope.get(str(r.scope), [])) for r in reads]
    return done


def _report(read: ScopeResult[RegionSnapshot], outcomes: list[Any]) -> ScopeReport:
    if read.snapshot is None:
        return ScopeReport(str(read.scope), False, error=read.error or "")
    return ScopeReport(
        str(read.scope),
        True,
        groups=len(read.snapshot.groups),
        violations=len(outcomes),
        revoked=sum(len(o.revoked) + len(o.already_gone) for o in outcomes),
    )
