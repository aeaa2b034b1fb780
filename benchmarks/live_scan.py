"""Live benchmark: what a live scan and a full remediation cost in AWS API calls and wall time.

    .venv/bin/python benchmarks/live_scan.py                     # 50 and 200 groups per scope
    .venv/bin/python benchmarks/live_scan.py --sizes 50,200,500 --accounts 3 --regions 2 --enforce

It starts its own moto server (127.0.0.1, a free port, fake credentials) and, for each size,
empties it and builds an estate of N groups in every member account x region (through each
member's role), then runs the product's own code paths:

- live scan: `bootstrap.build_runtime` -> `engine.fleet.read_fleet(runtime.scopes,
  runtime.reader_for(scanner))` (8 workers; `sgc scan`'s read, see `adapters/aws/judged_read.py`)
  -> `ComplianceScanner.scan`; wall time and API calls by operation. A second,
  sequential pass attributes every call to its account-region (calls made during its
  read, the member's AssumeRole included).
- remediation: `SecurityGroupRemediator.plan` + `execute(plans, note, runtime.gateway, ...)` in
  `remove_non_compliant_rules` mode with a local backup directory; wall time, API calls by
  operation, and calls per remediated group and direction.

The estate mix per account-region (group index i), every group with HTTPS egress to the world
instead of the stock all-traffic egress: i % 10 in {0, 1}: SSH from 10.0.0.0/8 and 0.0.0.0/0 in
one permission (ingress revoke); 2: RDP from ::/0 plus SMTP egress to 0.0.0.0/0 (revokes in both
directions); 3: SMTP egress to 0.0.0.0/0 (egress revoke); 4: SSH from a managed prefix list
holding 0.0.0.0/0 (ingress revoke); otherwise compliant (HTTPS from 10.0.0.0/8, a reference to
the previous group, a private prefix list). Each region's default group keeps its stock egress,
which the SMTP check also revokes. Policy: builtin:strict plus an egress check on SMTP to the
world, with SGC-DESCRIPTION off so that the figures are about revokes.

Floors: read calls per account-region <= 4 + extra pages + one GetManagedPrefixListEntries per
distinct referenced prefix list, the same for every size; exactly one revoke call per
remediated group and direction. Wall times are the local moto server's, not AWS latencies.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from live_estate import MEMBERS, REGIONS, ROLE, build_scope
from sgcompliance.adapters.aws.assume import AccountClients, RoleAssumer
from sgcompliance.adapters.aws.estate import Runtime
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.fleet import Scope, read_fleet
from sgcompliance.engine.model import Direction, PeerKind, RegionSnapshot
from sgcompliance.engine.policy import Policy
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.entrypoints.bootstrap import Target, build_runtime, local_clients
from sgcompliance.local.server.moto_server import LocalServer, reset, start
from sgcompliance.policy.loader import load_policy
from sgcompliance.remediation.plan import Mode, RemediationPlan
from sgcompliance.remediation.remediator import RemediationSettings, SecurityGroupRemediator

READ_BASE = 4  # DescribeSecurityGroups, -Rules, NetworkInterfaces, and the member's AssumeRole
DESCRIBES = ("DescribeSecurityGroups", "DescribeSecurityGroupRules", "DescribeNetworkInterfaces")
WORKERS = 8
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}  # fmt: skip
SMTP_OUT_CHECK = {
    "id": "BENCH-EGRESS-SMTP", "type": "restricted_ports", "title": "No SMTP to the world",
    "severity": "high", "remediation": "remove", "sources": ["world"],
    "ports": [{"protocols": ["tcp"], "ports": "25"}], "directions": ["egress"],
}  # fmt: skip
POLICY = {
    "version": "1", "id": "live-bench", "extends": "builtin:strict",
    "overrides": {"SGC-DESCRIPTION": {"enabled": False}}, "checks": [SMTP_OUT_CHECK],
}  # fmt: skip


def build_estate(endpoint: str, scopes: list[Scope], size: int) -> float:
    start = time.perf_counter()
    factory = local_clients(endpoint)
    clients = AccountClients(factory, RoleAssumer(factory.sts(), ROLE))
    with ThreadPoolExecutor(max_workers=len(scopes)) as pool:
        done = [pool.submit(build_scope, clients.ec2(s.account_id, s.region), size) for s in scopes]
        for future in done:
            future.result()
    return time.perf_counter() - start


@dataclass(frozen=True, slots=True)
class ScopeCalls:
    scope: Scope
    calls: dict[str, int]
    prefix_lists: int

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def extra_pages(self) -> int:
        return sum(max(0, self.calls.get(f"ec2:{op}", 0) - 1) for op in DESCRIBES)

    @property
    def allowed(self) -> int:
        return READ_BASE + self.extra_pages + self.prefix_lists


@dataclass(frozen=True, slots=True)
class SizeFigures:
    size: int
    groups: int
    rules: int
    build_seconds: float
    scan_seconds: float
    scan_calls: dict[str, int]
    per_scope: list[ScopeCalls]
    remediate_seconds: float
    remediate_calls: dict[str, int]
    remediated: dict[Direction, int]  # groups with revokes in that direction
    plans: int
    revoking: int  # groups with a revoke in either direction


def target(endpoint: str, scopes: list[Scope]) -> Target:
    accounts = tuple(dict.fromkeys(s.account_id for s in scopes))
    regions = tuple(dict.fromkeys(s.region for s in scopes))
    return Target(
        endpoint_url=endpoint, accounts=accounts, regions=regions, role_name=ROLE.role_name,
        external_id=ROLE.external_id, purpose="bench",
    )  # fmt: skip


def distinct_prefix_lists(snapshot: RegionSnapshot) -> int:
    rules = (r for g in snapshot.groups for r in g.rules)
    return len({r.peer.value for r in rules if r.peer.kind is PeerKind.PREFIX_LIST})


def scan_per_scope(endpoint: str, scopes: list[Scope], policy: Policy) -> list[ScopeCalls]:
    """Each account-region read alone, so that every call is attributed to its scope."""
    runtime = build_runtime(target(endpoint, scopes))
    read = runtime.reader_for(ComplianceScanner(policy))
    out = []
    for scope in runtime.scopes:
        runtime.counter.reset()
        snapshot = read(scope)
        calls = runtime.counter.snapshot().calls
        out.append(ScopeCalls(scope, calls, distinct_prefix_lists(snapshot)))
    return out


def live_scan(runtime: Runtime, policy: Policy) -> tuple[float, list[RegionSnapshot], ScanResult]:
    start = time.perf_counter()
    scanner = ComplianceScanner(policy)
    results = read_fleet(runtime.scopes, runtime.reader_for(scanner), max_workers=WORKERS)
    snapshots = [r.snapshot for r in results if r.snapshot is not None]
    if len(snapshots) != len(results):
        raise SystemExit(f"a scope could not be read: {[r.error for r in results if not r.ok]}")
    result = scanner.scan(snapshots)
    return time.perf_counter() - start, snapshots, result


def measure(endpoint: str, scopes: list[Scope], size: int, policy: Policy) -> SizeFigures:
    reset(endpoint)
    build_seconds = build_estate(endpoint, scopes, size)
    runtime = build_runtime(target(endpoint, scopes))
    runtime.counter.reset()  # GetCallerIdentity belongs to start-up, not to the scan
    scan_seconds, snapshots, result = live_scan(runtime, policy)
    scan_calls = runtime.counter.snapshot().calls
    per_scope = scan_per_scope(endpoint, scopes, policy)
    runtime.counter.reset()
    remediate_seconds, plans = remediate(runtime, policy, result, snapshots)
    remediated = {d: sum(1 for p in plans if p.revokes(d)) for d in Direction}
    revoking = sum(1 for p in plans if p.revoke_count)
    return SizeFigures(
        size, result.groups_scanned, result.rules_evaluated, build_seconds, scan_seconds,
        scan_calls, per_scope, remediate_seconds, runtime.counter.snapshot().calls, remediated,
        len(plans), revoking,
    )  # fmt: skip


def remediate(
    runtime: Runtime, policy: Policy, result: ScanResult, snapshots: list[RegionSnapshot]
) -> tuple[float, list[RemediationPlan]]:
    """`sgc remediate --mode remove_non_compliant_rules --yes`, backups in a temporary dir."""
    with tempfile.TemporaryDirectory(prefix="sgc-bench-backups-") as backups:
        store = LocalBackupStore(Path(backups))
        settings = RemediationSettings(Mode.REMOVE)
        clock = lambda: datetime.now(UTC)  # noqa: E731
        remediator = SecurityGroupRemediator(ComplianceScanner(policy), store, clock, settings)
        plans, note = remediator.plan(result)
        start = time.perf_counter()
        run = remediator.execute(plans, note, runtime.gateway, snapshots)
        seconds = time.perf_counter() - start
    if not run.ok:
        raise SystemExit("the remediation failed: " + str([o.error for o in run.outcomes]))
    return seconds, plans


def verdict(ok: bool, label: str, value: str) -> bool:
    print(f"  {'PASS' if ok else 'BELOW':<6} {label}: {value}")
    return ok


def print_calls(title: str, calls: dict[str, int], per: int, unit: str) -> None:
    print(f"  {title}: {sum(calls.values())} calls ({sum(calls.values()) / per:.2f} per {unit})")
    for operation, count in sorted(calls.items()):
        print(f"    {operation:<40} {count:>6}  {count / per:>8.2f} per {unit}")


def report(f: SizeFigures) -> None:
    scopes = len(f.per_scope)
    print(
        f"\n== {f.size} groups per account-region: {f.groups} groups, {f.rules} rules "
        f"in {scopes} account-regions (built in {f.build_seconds:.1f} s)"
    )
    print(f"  live scan: {f.scan_seconds:.2f} s wall ({WORKERS} workers)")
    print_calls("scan API calls", f.scan_calls, scopes, "account-region")
    print("  calls per account-region (each read alone):")
    for s in f.per_scope:
        detail = ", ".join(f"{op.split(':')[1]} {n}" for op, n in sorted(s.calls.items()))
        print(f"    {s.scope!s:<28} {s.total:>3}  (allowed {s.allowed}; {detail})")
    print(
        f"  remediation (remove_non_compliant_rules): {f.plans} plans, {f.revoking} groups "
        f"with revokes ({', '.join(f'{d.value} {n}' for d, n in f.remediated.items())}), "
        f"{f.remediate_seconds:.2f} s wall"
    )
    print_calls("remediation API calls", f.remediate_calls, max(1, f.plans), "remediated group")
    for direction, groups in f.remediated.items():
        calls = f.remediate_calls.get(f"ec2:RevokeSecurityGroup{direction.value.title()}", 0)
        print(f"    revoke calls per group, {direction.value:<7} {calls / max(1, groups):>8.2f}")


def floors(figures: list[SizeFigures]) -> bool:
    print("\n== Floors")
    checks = []
    for f in figures:
        worst = max(f.per_scope, key=lambda s: s.total - s.allowed)
        checks.append(verdict(
            all(s.total <= s.allowed for s in f.per_scope),
            f"read calls per account-region, {f.size} groups",
            f"max {worst.total} vs allowed {worst.allowed} "
            f"(4 + {worst.extra_pages} extra pages + {worst.prefix_lists} prefix lists)",
        ))  # fmt: skip
        for direction in Direction:
            op = f"ec2:RevokeSecurityGroup{direction.value.title()}"
            calls, groups = f.remediate_calls.get(op, 0), f.remediated[direction]
            checks.append(verdict(
                calls == groups, f"revoke calls per remediated group ({direction.value}), "
                f"{f.size} groups", f"{calls} calls for {groups} groups",
            ))  # fmt: skip
    shapes = {f.size: {str(s.scope): s.calls for s in f.per_scope} for f in figures}
    totals = {size: [sum(c.values()) for c in calls.values()] for size, calls in shapes.items()}
    checks.append(verdict(
        all(calls == shapes[figures[0].size] for calls in shapes.values()),
        "read calls per account-region (by operation) independent of the number of groups",
        "; ".join(f"{size} groups: {per_scope}" for size, per_scope in totals.items()),
    ))  # fmt: skip
    return all(checks)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="50,200", help="groups per account-region")
    parser.add_argument("--accounts", type=int, default=3, choices=range(1, len(MEMBERS) + 1))
    parser.add_argument("--regions", type=int, default=2, choices=range(1, len(REGIONS) + 1))
    parser.add_argument("--enforce", action="store_true", help="exit 1 when a floor is missed")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    os.environ.update(FAKE_ENV)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION"):
        os.environ.pop(key, None)
    scopes = [Scope(a, r) for a in MEMBERS[: args.accounts] for r in REGIONS[: args.regions]]
    with tempfile.TemporaryDirectory(prefix="sgc-bench-") as workdir:
        policy_path = Path(workdir) / "policy.json"
        policy_path.write_text(json.dumps(POLICY))
        policy = load_policy(str(policy_path))
        server: LocalServer = start(Path(workdir) / "moto.log")
        try:
            print(
                f"sgcompliance live benchmark: moto server at {server.endpoint} (local AWS: wall "
                f"times are not AWS latencies); {args.accounts} accounts x {args.regions} regions"
                f"; policy builtin:strict + BENCH-EGRESS-SMTP, SGC-DESCRIPTION off"
            )
            figures = [measure(server.endpoint, scopes, size, policy) for size in args.sizes]
        finally:
            server.stop()
    for f in figures:
        report(f)
    ok = floors(figures)
    return 1 if args.enforce and not ok else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
