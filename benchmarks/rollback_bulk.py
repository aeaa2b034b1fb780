"""Bulk rollback benchmark: a whole remediation run undone in less time than it took.

    .venv/bin/python benchmarks/rollback_bulk.py        # 160 groups per scope: 486 backups
    .venv/bin/python benchmarks/rollback_bulk.py --size 40 --old 6 --max-workers 8

It starts its own moto server and builds the estate of benchmarks/live_scan.py (3 accounts x 2
regions by default; at 160 groups per account-region, 80 of them and each region's default
group violate: 486 groups to remediate), then:

1. remediates it in `remove_non_compliant_rules` mode under a run id, as `sgc remediate --yes`
   carries a run out (`SecurityGroupRemediator.execute` with a local backup directory):
   wall time and API calls by operation;
2. rolls the run back in-process with the code `sgc rollback --run` runs (`backups_of_run`,
   `BulkRollback` over one runtime, audit records beside the backups): wall time, API calls;
   then reads the estate again: the violations must be those found before step 1;
3. remediates again and rolls back with the command itself, `sgc rollback --run RUN_ID --stats`,
   in a process of its own: wall time, start-up included;
4. remediates again and rolls back the first `--old` backups the old way, one `sgc rollback
   BACKUP_ID` process per backup, and extrapolates to the run (the rest is rolled back in bulk).

Wall times are the local moto server's, on this machine; requests are what AWS would be sent.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from installed_bytecode import bytecode_env, warm_up
from live_scan import FAKE_ENV, MEMBERS, POLICY, REGIONS, ROLE, build_estate, live_scan, target
from sgcompliance.adapters.aws.estate import BackupTarget, Runtime
from sgcompliance.adapters.local_audit import LocalAuditSink
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.policy import Policy
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.entrypoints.bootstrap import Target, build_runtime, rollback_wiring
from sgcompliance.local.server.moto_server import LocalServer, reset, start
from sgcompliance.policy.loader import load_policy
from sgcompliance.records.audit_log import AuditTrail
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.remediator import RemediationSettings, SecurityGroupRemediator
from sgcompliance.remediation.rollback_bulk import (
    BulkRollback,
    Request,
    Status,
    backups_of_run,
    counts,
)

SGC = str(Path(sys.executable).with_name("sgc"))


@dataclass(frozen=True, slots=True)
class Timed:
    seconds: float
    calls: dict[str, int]
    items: int
    # With the reads that came before (a remediation's scan and plan): what its command spends.
    whole: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def remediate(runtime: Runtime, policy: Policy, backups: Path, run_id: str) -> Timed:
    """Read, plan and apply under `run_id`: the execute step timed, as live_scan.py times it,
    and the whole (the read and the plan too), as `sgc remediate` spends it."""
    read_at = time.perf_counter()
    _, snapshots, result = live_scan(runtime, policy)
    scanner = ComplianceScanner(policy)
    settings = RemediationSettings(Mode.REMOVE)
    clock = lambda: datetime.now(UTC)  # noqa: E731
    remediator = SecurityGroupRemediator(scanner, LocalBackupStore(backups), clock, settings)
    plans, note = remediator.plan(result)
    runtime.counter.reset()
    start_at = time.perf_counter()
    run = remediator.execute(plans, note, runtime.gateway, snapshots, run_id=run_id)
    done_at = time.perf_counter()
    if not run.ok:
        raise SystemExit("the remediation failed: " + str([o.error for o in run.outcomes][:5]))
    revoking = sum(1 for o in run.outcomes if o.revoked)
    calls = runtime.counter.snapshot().calls
    return Timed(done_at - start_at, calls, revoking, whole=done_at - read_at)


def roll_back_in_process(endpoint: str, backups: Path, run_id: str, workers: int) -> Timed:
    """What `sgc rollback --run RUN_ID --backup-dir DIR` does, in this process."""
    trail = AuditTrail([LocalAuditSink(backups / "audit")])
    service, runtime = rollback_wiring(
        rollback_target(endpoint), BackupTarget(directory=backups), trail.write
    )
    runtime.counter.reset()
    start_at = time.perf_counter()
    request = Request(dry_run=False, run_id=run_id)
    ids = backups_of_run(service.backups, run_id)
    bulk = BulkRollback(
        service, runtime.gateway, max_workers=workers,
        read_groups=lambda account, region: runtime.groups_by_content(Scope(account, region)),
    )  # fmt: skip
    results = list(bulk.run(ids, request))
    seconds = time.perf_counter() - start_at
    tally = counts(results)
    if tally[Status.RESTORED] != len(results):
        raise SystemExit(f"the rollback of {run_id} was not clean: {tally}")
    return Timed(seconds, runtime.counter.snapshot().calls, len(results))


def rollback_target(endpoint: str) -> Target:
    """`sgc rollback`'s target: accounts come from the backups, through the member role."""
    return Target(
        endpoint_url=endpoint, role_name=ROLE.role_name, external_id=ROLE.external_id,
        purpose="rollback",
    )  # fmt: skip


def cli(
    *args: str, endpoint: str, env: dict[str, str]
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start_at = time.perf_counter()
    command = [SGC, "rollback", *args, *endpoint_options(endpoint)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - start_at, done


def endpoint_options(endpoint: str) -> list[str]:
    return [
        "--endpoint-url", endpoint, "--role-name", ROLE.role_name,
        "--external-id", str(ROLE.external_id),
    ]  # fmt: skip


def stats_calls(stderr: str) -> dict[str, int]:
    return {op: int(n) for op, n in re.findall(r"(\w+:\w+)\W+(\d+)", stderr)}


def print_calls(title: str, timed: Timed) -> None:
    print(f"  {title}: {timed.items} groups, {timed.seconds:.1f} s wall, {timed.total} requests")
    for operation, count in sorted(timed.calls.items()):
        print(f"    {operation:<40} {count:>6}  {count / max(1, timed.items):>6.2f} per group")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=160, help="groups per account-region")
    parser.add_argument("--accounts", type=int, default=3, choices=range(1, len(MEMBERS) + 1))
    parser.add_argument("--regions", type=int, default=2, choices=range(1, len(REGIONS) + 1))
    parser.add_argument("--max-workers", type=int, default=8)
    parser.add_argument("--old", type=int, default=12, help="backups rolled back the old way")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    os.environ.update(FAKE_ENV)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION"):
        os.environ.pop(key, None)
    scopes = [Scope(a, r) for a in MEMBERS[: args.accounts] for r in REGIONS[: args.regions]]
    with tempfile.TemporaryDirectory(prefix="sgc-bench-rollback-") as workdir:
        work = Path(workdir)
        (work / "policy.json").write_text(json.dumps(POLICY))
        policy = load_policy(str(work / "policy.json"))
        server: LocalServer = start(work / "moto.log")
        try:
            return run(server.endpoint, scopes, policy, work, args)
        finally:
            server.stop()


def run(
    endpoint: str, scopes: list[Scope], policy: Policy, work: Path, args: argparse.Namespace
) -> int:
    print(
        f"sgcompliance bulk rollback benchmark: moto server at {endpoint} (local AWS: wall times "
        f"are not AWS latencies); {args.accounts} accounts x {args.regions} regions x "
        f"{args.size} groups; {args.max_workers} workers"
    )
    reset(endpoint)
    build_estate(endpoint, scopes, args.size)
    runtime = build_runtime(target(endpoint, scopes))
    before = len(live_scan(runtime, policy)[2].findings)

    # 1-2: remediate, then roll the run back in-process; the estate must judge as before.
    first = remediate(runtime, policy, work / "backups-1", "bench-run-1")
    bulk = roll_back_in_process(endpoint, work / "backups-1", "bench-run-1", args.max_workers)
    after = len(live_scan(runtime, policy)[2].findings)
    # 3: remediate again, and roll back with the command itself.
    second = remediate(runtime, policy, work / "backups-2", "bench-run-2")
    # As installed: its modules compiled, by a dry run of the same rollback (unmeasured).
    env = bytecode_env({**os.environ, "COLUMNS": "300", "NO_COLOR": "1"}, work / "bytecode")
    command = ["--run", "bench-run-2", "--backup-dir", str(work / "backups-2"), "--stats",
               "--max-workers", str(args.max_workers)]  # fmt: skip
    warm_up([SGC, "rollback", *command, "--dry-run", *endpoint_options(endpoint)], env)
    cli_seconds, done = cli(*command, endpoint=endpoint, env=env)
    if done.returncode != 0:
        raise SystemExit(f"sgc rollback --run exited {done.returncode}: {done.stderr[-2000:]}")
    cli_calls = stats_calls(done.stderr)
    # 4: remediate again; the first --old backups the old way, one process each.
    third = remediate(runtime, policy, work / "backups-3", "bench-run-3")
    ids = backups_of_run(LocalBackupStore(work / "backups-3"), "bench-run-3")
    old_seconds = 0.0
    for backup_id in ids[: args.old]:
        seconds, one = cli(
            backup_id, "--backup-dir", str(work / "backups-3"), endpoint=endpoint, env=env
        )
        if one.returncode != 0:
            raise SystemExit(f"sgc rollback {backup_id} exited {one.returncode}: {one.stderr}")
        old_seconds += seconds
    per_old = old_seconds / max(1, min(args.old, len(ids)))

    print(f"\n== {first.items} groups remediated per run ({before} violations before)")
    print_calls("remediation, run 1 (execute, in-process)", first)
    print(f"  remediation, run 1, with its read and plan: {first.whole:.1f} s")
    print_calls("rollback --run, run 1 (BulkRollback, in-process)", bulk)
    print(f"  violations after the rollback: {after} (before the remediation: {before})")
    print(
        f"  remediation, run 2: {second.seconds:.1f} s ({second.whole:.1f} s with its read); "
        f"run 3: {third.seconds:.1f} s ({third.whole:.1f} s)"
    )
    print(
        f"  sgc rollback --run, run 2 (its own process, start-up included, its modules compiled"
        f" as installed): {cli_seconds:.1f} s"
        f" wall, {sum(cli_calls.values())} requests: "
        + ", ".join(f"{op} {n}" for op, n in sorted(cli_calls.items()))
    )
    print(
        f"  old way, run 3: {min(args.old, len(ids))} `sgc rollback BACKUP_ID` processes in "
        f"{old_seconds:.1f} s = {per_old:.2f} s per backup; x {len(ids)} backups = "
        f"{per_old * len(ids):.0f} s"
    )
    # The rollback's time holds its own reads (every group of the account-regions, before and
    # after), so it is set against the remediation with its read and plan, as `sgc remediate`
    # spends it; the remediation's apply step alone is printed beside it.
    took = first.whole
    print("\n== Goal: the run's backups come back in less time than their remediation took")
    print(
        f"  {'PASS' if bulk.seconds < took and after == before else 'BELOW':<6}"
        f"rollback {bulk.seconds:.1f} s (in-process) / {cli_seconds:.1f} s (sgc) vs remediation "
        f"{took:.1f} s with its read and plan: ratio {bulk.seconds / took:.2f} (sgc: "
        f"{cli_seconds / took:.2f}); against its apply step alone ({first.seconds:.1f} s): "
        f"{bulk.seconds / first.seconds:.2f}; old way {per_old * len(ids) / bulk.seconds:.0f}x "
        f"the bulk time"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
