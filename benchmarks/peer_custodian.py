"""Peer benchmark: sgcompliance and Cloud Custodian on one estate in one local AWS, in one run.

    make bench-peer                                  # both sizes, median of 3 runs each
    .venv/bin/python benchmarks/peer_custodian.py --sizes 3x2x200 --repeats 5 --json out.json

It starts a moto server (127.0.0.1) and, in front of it, a counting proxy
(`benchmarks/request_counter.py`) that both tools talk to, so their requests are counted the
same way, at the wire. For each size ACCOUNTSxREGIONSxGROUPS it builds the estate of
`benchmarks/live_estate.py` (the same as `benchmarks/live_scan.py`'s) and runs, each tool in a
process of its own and in alternating order from one repeat to the next:

- scan: sgcompliance through `benchmarks/peer_ours.py` (live_scan.py's `build_runtime`,
  `live_scan` and policy); Custodian as `c7n-org run` over every member account x region, each
  assuming the member role with its ExternalId, with a policy of `aws.security-group` filters only.
- remediate: sgcompliance reads then revokes (live_scan.py's `remediate`, backups first);
  Custodian runs the same filters with `remove-permissions` (ingress and egress: matched).
  After each, the rules each tool removed are read from the local AWS and put back.

Custodian lives in its own virtualenv (`.venv-c7n`, made by `make bench-peer`); it reaches the
local AWS through `AWS_ENDPOINT_URL`, which botocore honours for every service. Its policy
checks what live_scan.py's checks find on this estate: SSH and RDP from the IPv4 or IPv6 world,
all traffic either way, SMTP to the world. Custodian does not resolve managed prefix lists, so
its policy names the estate's prefix lists that hold 0.0.0.0/0 by id (read after the build).

Per run: wall time from start to exit, requests by operation (at the proxy, checked against
each tool's own count), the local AWS's own cost (moto's CPU seconds from /proc and the summed
time it took to answer), the tool's CPU seconds (wait4), and its peak memory sampled every
50 ms from /proc: the largest process's peak RSS (VmHWM) and the process tree's summed PSS
(which counts the pages of Custodian's forked workers that they share once). Medians of the
repeats are printed side by side with the ratio sgcompliance / Custodian (below 1: sgcompliance
uses less), then what each tool flagged and removed against the estate's ground truth, and one
more run of each tool straight to the local AWS shows what the proxy's hop costs each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sgcompliance
from installed_bytecode import bytecode_env, warm_up
from live_estate import FAKE_ENV, ROLE, Estate, RuleKey, expand_permission, role_arn, scopes
from request_counter import CounterClient, Counts
from sgcompliance.engine.fleet import Scope
from sgcompliance.local.server.moto_server import LocalServer, reset, start

ROOT = Path(__file__).resolve().parent.parent
C7N_VENV = ROOT / ".venv-c7n"
TOOLS = ("sgcompliance", "custodian")
# live_scan.py reads with 8 workers; c7n-org gets as many worker processes.
WORKERS = 8
SAMPLE_SECONDS = 0.05
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = 1024
# Ratio goals of issue #14 (sgcompliance / Custodian), printed beside the figures.
GOALS = {
    ("scan", "wall seconds"): 0.5,
    ("scan", "requests"): 1.5,
    ("remediate", "wall seconds"): 0.5,
}


def admin_filters(world_lists: list[str]) -> list[dict[str, Any]]:
    """Custodian's filters for live_scan.py's checks as this estate exercises them."""
    admin, smtp = [22, 3389], [25]
    world4, world6 = {"value": "0.0.0.0/0"}, {"value": "::/0"}
    filters: list[dict[str, Any]] = []
    for direction, ports in (("ingress", admin), ("egress", smtp)):
        filters += [
            {"type": direction, "Ports": ports, "Cidr": world4},
            {"type": direction, "Ports": ports, "CidrV6": world6},
            # A protocol -1 permission has no ports, so Ports alone does not say it is there.
            {"type": direction, "IpProtocol": "-1", "Cidr": world4},
            {"type": direction, "IpProtocol": "-1", "CidrV6": world6},
        ]
    # Custodian cannot read a prefix list's entries: it is told which lists are world-open.
    filters += [
        {"type": "ingress", "Ports": admin, "PrefixListIds": [{"PrefixListId": pl}]}
        for pl in world_lists
    ]
    return filters


def custodian_policy(world_lists: list[str], remediate: bool) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "name": "sg-world-open-remove" if remediate else "sg-world-open",
        "resource": "aws.security-group",
        "filters": [{"or": admin_filters(world_lists)}],
    }
    if remediate:
        policy["actions"] = [
            {"type": "remove-permissions", "ingress": "matched", "egress": "matched"}
        ]
    return {"policies": [policy]}


def accounts_file(where: list[Scope]) -> dict[str, Any]:
    regions = list(dict.fromkeys(s.region for s in where))
    return {
        "accounts": [
            {
                "account_id": account,
                "name": account,
                "regions": regions,
                "role": role_arn(account),
                "external_id": ROLE.external_id,
            }
            for account in dict.fromkeys(s.account_id for s in where)
        ]
    }


def cpu_seconds(pid: int) -> float:
    """utime + stime of one running process, or 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _kib(path: str, name: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid: int) -> int:
    return _kib(f"/proc/{pid}/smaps_rollup", "Pss:")


def hwm_kib(pid: int) -> int:
    """Peak RSS of the process's current image. wait4's ru_maxrss is no use here: it keeps the
    high-water mark of the pre-exec copy of this benchmark, which holds the whole estate."""
    return _kib(f"/proc/{pid}/status", "VmHWM:")


_OWN_CMDLINE = Path("/proc/self/cmdline").read_bytes()


def sample_tree(root: int, peak_pss: list[int], hwm: dict[int, int]) -> None:
    tree = [p for p in process_tree(root) if _cmdline(p) != _OWN_CMDLINE]  # skip pre-exec forks
    peak_pss[0] = max(peak_pss[0], sum(pss_kib(p) for p in tree))
    for pid in tree:
        hwm[pid] = max(hwm.get(pid, 0), hwm_kib(pid))


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@dataclass
class Run:
    """What one process of one tool cost."""

    wall: float
    cpu: float  # user + system seconds of the process and its waited-for children
    max_rss_mib: float  # the largest single process of the tree (sampled VmHWM)
    peak_pss_mib: float  # the whole tree, sampled
    requests: dict[str, int]
    upstream_seconds: float  # summed time the local AWS took to answer
    server_cpu: float  # moto's CPU seconds during the run
    phases: dict[str, dict[str, int]] = field(default_factory=dict)
    inner: dict[str, Any] = field(default_factory=dict)  # what the tool reported itself


class Bench:
    """Runs the tools against `endpoint`: the counting proxy, or (with no `counter`) the local
    AWS itself, to see what the proxy's extra hop costs each tool."""

    def __init__(
        self, server: LocalServer, endpoint: str, counter: CounterClient | None, workdir: Path
    ) -> None:
        self.server = server
        self.endpoint = endpoint
        self.counter = counter
        self.workdir = workdir
        self.label = 0

    def measure(self, command: list[str], env: dict[str, str], phase: str) -> Run:
        """Run `command` to its end; its requests count under phases starting with `phase`."""
        before: Counts = {}
        if self.counter is not None:
            self.counter.phase(phase)
            before = self.counter.counts()
        server_before = cpu_seconds(self.server.info.pid)
        peak = [0]
        hwm: dict[int, int] = {}
        done = threading.Event()
        start = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT
        )
        output: list[bytes] = []
        reader = threading.Thread(target=lambda: output.append(process.stdout.read()))  # type: ignore[union-attr]
        reader.start()

        def sample() -> None:
            while not done.wait(SAMPLE_SECONDS):
                sample_tree(process.pid, peak, hwm)

        sampler = threading.Thread(target=sample)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        reader.join()
        server_cpu = cpu_seconds(self.server.info.pid) - server_before
        after: Counts = {}
        if self.counter is not None:
            self.counter.phase("-")
            after = self.counter.counts()
        if process.returncode != 0:
            text = b"".join(output).decode(errors="replace")[-4000:]
            raise SystemExit(f"{command[0]} exited {process.returncode}:\n{text}")
        phases = _new_counts(before, after, phase)
        requests: Counter[str] = Counter()
        upstream = 0.0
        for ops in phases.values():
            for op, (count, seconds, _size) in ops.items():
                requests[op] += int(count)
                upstream += seconds
        return Run(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            max_rss_mib=max(hwm.values(), default=0) / PAGE_KIB,
            peak_pss_mib=peak[0] / PAGE_KIB,
            requests=dict(requests),
            upstream_seconds=upstream,
            server_cpu=server_cpu,
            phases={p: {op: int(v[0]) for op, v in ops.items()} for p, ops in phases.items()},
        )

    def ours(self, work: str, where: list[Scope]) -> Run:
        self.label += 1
        out = self.workdir / f"ours-{self.label}.json"
        accounts = ",".join(dict.fromkeys(s.account_id for s in where))
        regions = ",".join(dict.fromkeys(s.region for s in where))
        command = [
            sys.executable, str(ROOT / "benchmarks" / "peer_ours.py"), work,
            "--endpoint", self.endpoint, "--accounts", accounts, "--regions", regions,
            "--out", str(out), "--phase", f"sgcompliance-{self.label}",
        ]  # fmt: skip
        if self.counter is not None:
            command += ["--counter", self.counter.endpoint]
        # As installed: its modules compiled (Custodian's are, in its virtualenv), written by
        # one unmeasured start before the first run.
        env = bytecode_env(_env(), self.workdir / "bytecode")
        if not (self.workdir / "bytecode").exists():
            warm_up([sys.executable, str(ROOT / "benchmarks" / "peer_ours.py"), "--help"], env)
        run = self.measure(command, env, f"sgcompliance-{self.label}")
        run.inner = json.loads(out.read_text())
        run.inner["flagged"] = [RuleKey(*k) for k in run.inner["flagged"]]
        return run

    def custodian(self, policy: dict[str, Any], accounts: dict[str, Any]) -> Run:
        self.label += 1
        base = self.workdir / f"c7n-{self.label}"
        output, cache = base / "output", base / "cache"
        cache.mkdir(parents=True)
        (base / "policy.json").write_text(json.dumps(policy))
        (base / "accounts.json").write_text(json.dumps(accounts))
        command = [
            str(C7N_VENV / "bin" / "c7n-org"), "run", "-c", str(base / "accounts.json"),
            "-u", str(base / "policy.json"), "-s", str(output),
            # No cache: every run reads the estate, as sgcompliance's does.
            "--cache-period", "0", "--cache-path", str(cache),
        ]  # fmt: skip
        env = _env() | {"AWS_ENDPOINT_URL": self.endpoint, "C7N_ORG_PARALLEL": str(WORKERS)}
        run = self.measure(command, env, f"custodian-{self.label}")
        if self.counter is not None and not run.requests:
            raise SystemExit("Custodian sent no request to the local AWS: AWS_ENDPOINT_URL unused")
        run.inner = {
            "flagged": custodian_findings(output),
            "own_counts": custodian_api_stats(output),
        }
        shutil.rmtree(base)
        return run


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "C7N_"))}
    return env | FAKE_ENV


def _new_counts(before: Counts, after: Counts, prefix: str) -> Counts:
    """The counts of the phases of one run: those named `prefix` or `prefix/...`."""
    out: Counts = {}
    for phase, ops in after.items():
        if phase != prefix and not phase.startswith(prefix + "/"):
            continue
        old = before.get(phase, {})
        for op, row in ops.items():
            was = old.get(op, [0, 0.0, 0])
            delta = [row[i] - was[i] for i in range(3)]
            if delta[0]:
                out.setdefault(phase, {})[op] = delta
    return out


def custodian_api_stats(output: Path) -> dict[str, int]:
    """Custodian's own count of its policy's calls (metadata.json "api-stats"; it leaves out
    the role assumption, which goes through another session)."""
    stats: Counter[str] = Counter()
    for path in output.glob("*/*/*/metadata.json"):
        for op, count in json.loads(path.read_text()).get("api-stats", {}).items():
            service, name = op.split(".", 1)
            stats[f"{service}:{name}"] += int(count)
    return dict(stats)


def custodian_findings(output: Path) -> list[RuleKey]:
    """The rules Custodian matched, from each account-region's resources.json (the groups it
    matched, each annotated with the single-peer permissions that matched)."""
    found: set[RuleKey] = set()
    for path in output.glob("*/*/*/resources.json"):
        region, account = path.parent.parent.name, path.parent.parent.parent.name
        for group in json.loads(path.read_text()):
            for direction, key in (("ingress", "MatchedIpPermissions"),
                                   ("egress", "MatchedIpPermissionsEgress")):  # fmt: skip
                for permission in group.get(key, ()):
                    found.update(
                        k for k, _ in expand_permission(
                            account, region, group["GroupId"], direction, permission
                        )
                    )  # fmt: skip
    return sorted(found)


@dataclass
class SizeResult:
    accounts: int
    regions: int
    groups_per_scope: int
    groups: int
    rules: int
    build_seconds: float
    world_open: list[RuleKey]
    violating_groups: int
    runs: dict[str, dict[str, list[Run]]]  # work -> tool -> runs
    removed: dict[str, list[RuleKey]]  # tool -> rules its (first) remediation removed
    load: tuple[float, float]  # 1-minute load average before and after
    direct: dict[str, dict[str, Run]]  # work -> tool -> one run without the proxy

    @property
    def label(self) -> str:
        return f"{self.accounts}x{self.regions}x{self.groups_per_scope}"


class Size:
    """One built estate and the steps each tool takes on it."""

    def __init__(self, bench: Bench, accounts: int, regions: int, size: int) -> None:
        self.where = scopes(accounts, regions)
        reset(bench.server.endpoint)
        self.estate = Estate(bench.server.endpoint, self.where)
        self.build_seconds = self.estate.build(size)
        self.world_lists = self.estate.world_lists()
        self.baseline = self.estate.rules()
        self.truth = self.baseline.world_open(self.world_lists)
        self.accounts = accounts_file(self.where)

    def scan(self, bench: Bench, tool: str) -> Run:
        if tool == "sgcompliance":
            return bench.ours("scan", self.where)
        return bench.custodian(custodian_policy(self.world_lists, False), self.accounts)

    def remediate(self, bench: Bench, tool: str) -> tuple[Run, list[RuleKey]]:
        """One remediation run, the rules it removed, and the estate put back as it was."""
        if tool == "sgcompliance":
            run = bench.ours("remediate", self.where)
        else:
            run = bench.custodian(custodian_policy(self.world_lists, True), self.accounts)
        after = self.estate.rules()
        gone = sorted(set(self.baseline.rules) - set(after.rules))
        run.inner["removed"] = len(gone)
        run.inner["added"] = len(set(after.rules) - set(self.baseline.rules))
        self.estate.restore(self.baseline)
        if set(self.estate.rules().rules) != set(self.baseline.rules):
            raise SystemExit("the estate could not be restored after a remediation")
        return run, gone


def measure_size(
    bench: Bench,
    accounts: int,
    regions: int,
    size: int,
    repeats: int,
    remediate: bool,
    direct: bool,
) -> SizeResult:
    load_before = os.getloadavg()[0]
    estate = Size(bench, accounts, regions, size)
    works = ("scan", "remediate") if remediate else ("scan",)
    runs: dict[str, dict[str, list[Run]]] = {w: {t: [] for t in TOOLS} for w in works}
    removed: dict[str, list[RuleKey]] = {}
    print(
        f"\n{accounts}x{regions}x{size}: {estate.baseline.groups()} groups, "
        f"{len(estate.baseline.rules)} rules built in {estate.build_seconds:.1f} s; "
        f"{len(estate.truth)} world-open rules",
        flush=True,
    )
    for repeat in range(repeats):
        # Alternate who goes first: the second of two runs may find the server warmer.
        order = TOOLS if repeat % 2 == 0 else TOOLS[::-1]
        for tool in order:
            run = estate.scan(bench, tool)
            runs["scan"][tool].append(run)
            print(f"  run {repeat + 1} scan      {tool:<13} {run.wall:7.2f} s", flush=True)
        for tool in order if remediate else ():
            run, gone = estate.remediate(bench, tool)
            removed.setdefault(tool, gone)
            runs["remediate"][tool].append(run)
            print(
                f"  run {repeat + 1} remediate {tool:<13} {run.wall:7.2f} s, {len(gone)} rules "
                "removed and put back",
                flush=True,
            )
    plain: dict[str, dict[str, Run]] = {}
    if direct:
        # The same work once more, straight to the local AWS: what the proxy's hop costs each.
        straight = Bench(bench.server, bench.server.endpoint, None, bench.workdir)
        straight.label = bench.label
        for tool in TOOLS:
            plain.setdefault("scan", {})[tool] = estate.scan(straight, tool)
            if remediate:
                plain.setdefault("remediate", {})[tool] = estate.remediate(straight, tool)[0]
        bench.label = straight.label
        print("  one more run of each, without the proxy: done", flush=True)
    return SizeResult(
        accounts, regions, size, estate.baseline.groups(), len(estate.baseline.rules),
        estate.build_seconds, sorted(estate.truth), len(estate.baseline.violating_groups()),
        runs, removed, (load_before, os.getloadavg()[0]), plain,
    )  # fmt: skip


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


ROWS: list[tuple[str, str]] = [
    ("wall seconds", "{:.2f}"),
    ("requests", "{:.0f}"),
    ("peak memory MiB (tree PSS)", "{:.0f}"),
    ("largest process peak RSS MiB", "{:.0f}"),
    ("tool CPU seconds", "{:.2f}"),
    ("local AWS CPU seconds", "{:.2f}"),
    ("local AWS answer seconds (summed)", "{:.2f}"),
]


def figure(run: Run, row: str) -> float:
    return {
        "wall seconds": run.wall,
        "requests": float(sum(run.requests.values())),
        "peak memory MiB (tree PSS)": run.peak_pss_mib,
        "largest process peak RSS MiB": run.max_rss_mib,
        "tool CPU seconds": run.cpu,
        "local AWS CPU seconds": run.server_cpu,
        "local AWS answer seconds (summed)": run.upstream_seconds,
    }[row]


def medians(result: SizeResult) -> dict[str, dict[str, dict[str, float]]]:
    """work -> row -> tool -> median, plus sgcompliance's own in-process figures."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for work, tools in result.runs.items():
        out[work] = {
            row: {t: median([figure(r, row) for r in tools[t]]) for t in TOOLS} for row, _ in ROWS
        }
        ours = tools["sgcompliance"]
        out[work]["read seconds in-process (live_scan.py)"] = {
            "sgcompliance": median([r.inner["read_seconds"] for r in ours])
        }
        if work == "remediate":
            out[work]["revoke seconds in-process (live_scan.py)"] = {
                "sgcompliance": median([r.inner["revoke_seconds"] for r in ours])
            }
            out[work]["revoke-phase requests"] = {
                "sgcompliance": median([float(_phase_total(r, "/revoke")) for r in ours])
            }
        if work in result.direct:
            out[work]["wall seconds without the proxy (1 run)"] = {
                t: result.direct[work][t].wall for t in TOOLS
            }
    return out


def _phase_total(run: Run, suffix: str) -> int:
    return sum(sum(ops.values()) for phase, ops in run.phases.items() if phase.endswith(suffix))


def ratio(ours: float, theirs: float | None) -> str:
    if theirs is None or theirs == 0:
        return "-"
    return f"{ours / theirs:.2f}"


def report(result: SizeResult, repeats: int) -> bool:
    figures = medians(result)
    load = f"load average {result.load[0]:.2f} before, {result.load[1]:.2f} after"
    print(
        f"\n== {result.label}: {result.accounts} accounts x {result.regions} regions x "
        f"{result.groups_per_scope} groups = {result.groups:,} groups, {result.rules:,} rules; "
        f"median of {repeats}; {load}"
    )
    print(f"  {'work':<52} {'sgcompliance':>13} {'Custodian':>11} {'ratio':>7}  goal")
    for work, rows in figures.items():
        for row, values in rows.items():
            fmt = dict(ROWS).get(row, "{:.0f}" if "requests" in row else "{:.2f}")
            ours, theirs = values["sgcompliance"], values.get("custodian")
            goal = GOALS.get((work, row))
            verdict = ""
            if goal is not None and theirs:
                verdict = f"<= {goal} {'met' if ours / theirs <= goal else 'NOT met'}"
            shown = fmt.format(theirs) if theirs is not None else "-"
            print(
                f"  {work + ': ' + row:<52} {fmt.format(ours):>13} {shown:>11} "
                f"{ratio(ours, theirs):>7}  {verdict}"
            )
    for work, tools in result.runs.items():
        print(f"  {work} requests by operation (first run of each tool):")
        first = {t: tools[t][0].requests for t in TOOLS}
        for op in sorted(set(first["sgcompliance"]) | set(first["custodian"])):
            print(
                f"    {op:<50} {first['sgcompliance'].get(op, 0):>13} "
                f"{first['custodian'].get(op, 0):>11}"
            )
        own = {t: tools[t][0].inner.get("own_counts", {}) for t in TOOLS}
        for tool in TOOLS:
            # Custodian's count leaves out STS; compare what both sides count.
            proxy = {
                op: n
                for op, n in first[tool].items()
                if op in own[tool] or not (tool == "custodian" and op.startswith("sts:"))
            }
            same = proxy == own[tool]
            print(
                f"    {tool}: proxy count equals the tool's own count: {'yes' if same else 'NO'}"
                + ("" if same else f" (proxy {proxy}, own {own[tool]})")
            )
    return agreement(result)


def agreement(result: SizeResult) -> bool:
    """Findings of every run against the estate's truth and against each other."""
    truth = set(result.world_open)
    truth_groups = {(k.account, k.region, k.group_id) for k in truth}
    print(
        f"  findings: the estate holds {len(truth)} world-open rules in {len(truth_groups)} "
        f"groups (the builder made {result.violating_groups} violating groups)"
    )
    ok = len(truth_groups) == result.violating_groups
    flagged: dict[str, set[RuleKey]] = {}
    for tool in TOOLS:
        runs = [r for tools in result.runs.values() for r in tools[tool]]
        sets = [set(r.inner["flagged"]) for r in runs]
        stable = all(s == sets[0] for s in sets)
        flagged[tool] = found = sets[0]
        groups = {(k.account, k.region, k.group_id) for k in found}
        hit = len(found & truth)
        precision = hit / len(found) if found else 0.0
        recall = hit / len(truth) if truth else 1.0
        group_recall = len(groups & truth_groups) / len(truth_groups) if truth_groups else 1.0
        print(
            f"    {tool:<13} flagged {len(found)} rules in {len(groups)} groups: precision "
            f"{precision:.3f}, recall {recall:.3f} (groups {group_recall:.3f}); every run the "
            f"same: {'yes' if stable else 'NO'}"
        )
        ok = ok and stable and found == truth
        if tool in result.removed:
            removed = set(result.removed[tool])
            print(
                f"    {'':<13} its remediation removed {len(removed)} rules: "
                f"{len(removed - truth)} not world-open, {len(truth - removed)} world-open left"
            )
            ok = ok and removed == truth
    only = {
        "sgcompliance": flagged["sgcompliance"] - flagged["custodian"],
        "custodian": flagged["custodian"] - flagged["sgcompliance"],
    }
    for tool, keys in only.items():
        for key in sorted(keys)[:10]:
            print(f"    only {tool}: {key.short()}")
        if len(keys) > 10:
            print(f"    only {tool}: ... {len(keys) - 10} more")
    same = not only["sgcompliance"] and not only["custodian"]
    print(f"    both tools flag the same rules: {'yes' if same else 'NO'}")
    return ok and same


def to_json(results: list[SizeResult], repeats: int) -> dict[str, Any]:
    return {
        "repeats": repeats,
        "cores": os.cpu_count(),
        "sizes": [
            {
                "size": r.label,
                "groups": r.groups,
                "rules": r.rules,
                "build_seconds": r.build_seconds,
                "load_average": r.load,
                "world_open_rules": len(r.world_open),
                "medians": medians(r),
                "runs": {
                    work: {
                        tool: [
                            asdict(run)
                            | {"inner": {k: v for k, v in run.inner.items() if k != "flagged"}}
                            for run in runs
                        ]
                        for tool, runs in tools.items()
                    }
                    for work, tools in r.runs.items()
                },
                "without_proxy": {
                    work: {tool: {"wall": run.wall, "cpu": run.cpu} for tool, run in tools.items()}
                    for work, tools in r.direct.items()
                },
            }
            for r in results
        ],
    }


def parse_size(text: str) -> tuple[int, int, int]:
    accounts, regions, groups = (int(p) for p in text.lower().split("x"))
    return accounts, regions, groups


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", default="3x2x200,5x4x500", help="ACCOUNTSxREGIONSxGROUPS, comma-separated"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per tool and work")
    parser.add_argument(
        "--remediate-sizes",
        default="3x2x200",
        help="sizes whose remediation is measured too ('all', 'none' or a comma-separated "
        "list); by default the size of the remediation row of issue #14's table",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument(
        "--no-direct",
        dest="direct",
        action="store_false",
        help="skip the extra run of each tool straight to the local AWS (without the proxy)",
    )
    parser.add_argument(
        "--enforce", action="store_true", help="exit 1 when the tools disagree with the truth"
    )
    args = parser.parse_args(argv)
    args.sizes = [parse_size(s) for s in args.sizes.split(",")]
    chosen = args.remediate_sizes
    args.remediate_sizes = (
        set(args.sizes)
        if chosen == "all"
        else set()
        if chosen == "none"
        else {parse_size(s) for s in chosen.split(",") if s}
    )
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not (C7N_VENV / "bin" / "c7n-org").exists():
        print(f"{C7N_VENV.name} is missing: `make bench-peer` installs Custodian there")
        return 2
    os.environ.update(FAKE_ENV)
    with tempfile.TemporaryDirectory(prefix="sgc-peer-") as workdir:
        server = start(Path(workdir) / "moto.log")
        proxy = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "request_counter.py"),
             "--upstream", server.endpoint],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            endpoint = proxy.stdout.readline().strip()  # type: ignore[union-attr]
            version = subprocess.run(
                [str(C7N_VENV / "bin" / "custodian"), "version"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()  # fmt: skip
            print(
                f"peer benchmark: sgcompliance vs Cloud Custodian {version} (c7n-org, "
                f"{WORKERS} worker processes); moto server {server.endpoint} (pid "
                f"{server.info.pid}) behind the counting proxy {endpoint}; {os.cpu_count()} "
                f"cores, load average {os.getloadavg()[0]:.2f}; wall times are the local AWS's"
            )
            print(f"sgcompliance measured from {Path(sgcompliance.__file__).parent}")
            bench = Bench(server, endpoint, CounterClient(endpoint), Path(workdir))
            results = [
                measure_size(bench, *size, args.repeats, size in args.remediate_sizes, args.direct)
                for size in args.sizes
            ]
            print(f"proxy CPU seconds over the whole benchmark: {cpu_seconds(proxy.pid):.1f}")
        finally:
            proxy.terminate()
            proxy.wait(timeout=10)
            server.stop()
    ok = True
    for result in results:
        ok = report(result, args.repeats) and ok
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(to_json(results, args.repeats), indent=1, default=str))
        print(f"\nfigures written to {args.json}")
    return 1 if args.enforce and not ok else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
