"""sgcompliance's side of the peer benchmark: one scan, or one scan and remediation, in a process
of its own, through the code paths of `benchmarks/live_scan.py` (imported, not re-written).

    .venv/bin/python benchmarks/peer_ours.py scan|remediate --endpoint URL \
        --accounts 111111111111,... --regions us-east-1,... --out result.json \
        [--counter URL --phase LABEL]

`benchmarks/peer_custodian.py` runs it as a child, so that this process is measured exactly as
Custodian's is (wall time from start to exit, peak memory, CPU, requests at the counting proxy
that `--counter` names, usually the `--endpoint` too). The proxy's phase is set to
LABEL/startup, LABEL/read and LABEL/revoke, so the requests of each step are told apart. The
result file holds the in-process seconds as live_scan.py measures them, the flagged rules as
`live_estate.RuleKey` fields and the SDK-side count of the calls.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import live_scan  # the measurement of our tool, imported so both benchmarks run the same code
from live_estate import FAKE_ENV, RuleKey
from request_counter import CounterClient
from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.model import Rule
from sgcompliance.entrypoints.bootstrap import build_runtime
from sgcompliance.policy.loader import load_policy


def rule_key(account: str, region: str, rule: Rule) -> RuleKey:
    # The engine calls protocol -1 "all" and gives it ports -1; AWS and Custodian say "-1".
    protocol = "-1" if rule.protocol in ("all", "-1") else rule.protocol
    ports = (None, None) if protocol == "-1" else (rule.from_port, rule.to_port)
    return RuleKey(
        account, region, rule.group_id, rule.direction.value, protocol, *ports,
        rule.peer.kind.value, rule.peer.value,
    )  # fmt: skip


def flagged(result: ScanResult) -> tuple[set[RuleKey], int]:
    """The rules that remediation would revoke (violations of `remove` checks), and how many
    other violations (flag-only checks, group-level findings) there were."""
    keys: set[RuleKey] = set()
    other = 0
    for finding in result.violations:
        if finding.rule is None or finding.remediation.value != "remove":
            other += 1
            continue
        keys.add(rule_key(finding.account_id, finding.region, finding.rule))
    return keys, other


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("work", choices=("scan", "remediate"))
    parser.add_argument("--endpoint", required=True, help="the local AWS, or the proxy before it")
    parser.add_argument("--counter", help="the counting proxy whose phases to set")
    parser.add_argument("--accounts", required=True)
    parser.add_argument("--regions", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--phase", default="sgcompliance")
    args = parser.parse_args(argv)
    os.environ.update(FAKE_ENV)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION"):
        os.environ.pop(key, None)
    counter = CounterClient(args.counter) if args.counter else None

    def phase(name: str) -> None:
        if counter is not None:
            counter.phase(f"{args.phase}/{name}")

    scopes = [Scope(a, r) for a in args.accounts.split(",") for r in args.regions.split(",")]
    with tempfile.TemporaryDirectory(prefix="sgc-peer-") as workdir:
        policy_path = Path(workdir) / "policy.json"
        policy_path.write_text(json.dumps(live_scan.POLICY))
        policy = load_policy(str(policy_path))
    phase("startup")
    runtime = build_runtime(live_scan.target(args.endpoint, scopes))
    phase("read")
    read_seconds, snapshots, result = live_scan.live_scan(runtime, policy)
    keys, other = flagged(result)
    out: dict[str, object] = {
        "read_seconds": read_seconds, "groups": result.groups_scanned,
        "rules": result.rules_evaluated, "flagged": sorted(keys), "other_violations": other,
    }  # fmt: skip
    if args.work == "remediate":
        phase("revoke")
        revoke_seconds, plans = live_scan.remediate(runtime, policy, result, snapshots)
        out |= {
            "revoke_seconds": revoke_seconds,
            "plans": len(plans),
            "revoking_groups": sum(1 for p in plans if p.revoke_count),
        }
    # The SDK-side count of the same calls, which the benchmark compares with the proxy's.
    out["own_counts"] = runtime.counter.snapshot().calls
    phase("exit")
    args.out.write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
