"""Engine benchmark: how fast and how lean the pure engine judges a whole estate.

    .venv/bin/python benchmarks/engine.py                 # 1k, 10k and 100k groups
    .venv/bin/python benchmarks/engine.py --quick         # 1k only
    .venv/bin/python benchmarks/engine.py --sizes 1000,10000 --repeats 7 --enforce

For each size it builds a synthetic estate (about 10 rules per group, spread over 3 accounts x
2 regions; the mix is documented in `estate_generator.py`) directly as core model objects and
reports:

- evaluation: `ComplianceScanner(builtin:strict).scan(estate)` wall time, median of N runs, and
  rules per second. Each run starts with an empty CIDR cache, as a fresh process would.
- memory: bytes per rule retained by the estate itself, and the tracemalloc peak of one
  evaluation (a separate run: tracing slows everything down) per rule.
- parsing: the same estate as raw describe JSON (decoded dicts) read by
  `core.snapshot.read_snapshots`, median wall time, rules per second, and the bytes per rule the
  parsed estate retains; the parsed estate must equal the generated one.
- a digest of every finding's id and message, to show that a change kept the findings.

Floors (one core): evaluation >= 250,000 rules/s, memory < 1 KiB per rule. Every figure gets a
PASS or BELOW-FLOOR line; the exit status is 0 either way unless `--enforce` is given.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from estate_generator import ACCOUNTS, REGIONS, describe_documents, generate_estate
from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.engine.network import cidr_info
from sgcompliance.engine.policy import Policy
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.policy.loader import load_policy
from sgcompliance.sources.snapshot import read_snapshots

RULES_PER_SECOND_FLOOR = 250_000
BYTES_PER_RULE_CEILING = 1024
DEFAULT_SIZES = (1_000, 10_000, 100_000)
TODAY = date(2025, 6, 1)
POLICY = "builtin:strict"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Figures:
    groups: int
    rules: int
    findings: int
    digest: str
    repeats: int
    eval_seconds: float
    eval_cpu_seconds: float
    warm_seconds: float
    estate_bytes: int
    eval_peak_bytes: int
    parse_seconds: float
    parsed_bytes: int

    def per_rule(self, amount: float) -> float:
        return amount / self.rules

    @property
    def rules_per_second(self) -> float:
        return self.rules / self.eval_seconds

    @property
    def parse_rules_per_second(self) -> float:
        return self.rules / self.parse_seconds


def timed(run: Callable[[], T], repeats: int, *, cold: bool = True) -> tuple[float, float, T]:
    """Median wall and CPU seconds of `repeats` runs on a collected heap.

    Cold runs start with an empty CIDR cache, warm ones with what the previous run left. The
    CPU time shows how much of the wall time other processes on the machine took.
    """
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeats):
        if cold:
            cidr_info.cache_clear()
        gc.collect()
        start, cpu_start = time.perf_counter(), time.process_time()
        value = run()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu_start)
    return statistics.median(walls), statistics.median(cpus), value


def traced_growth(build: Callable[[], T]) -> tuple[int, int, T]:
    """(bytes retained, peak bytes above the start) while building a value, by tracemalloc."""
    cidr_info.cache_clear()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        value = build()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current - before, peak - before, value


def findings_digest(result: ScanResult) -> str:
    digest = hashlib.sha256()
    for finding in result.findings:
        digest.update(f"{finding.finding_id}\t{finding.message}\n".encode())
    return digest.hexdigest()[:16]


def measure(size: int, policy: Policy, repeats: int) -> Figures:
    estate_bytes, _, estate = traced_growth(lambda: generate_estate(size))
    rules = sum(len(g.rules) for snap in estate for g in snap.groups)
    scanner = ComplianceScanner(policy, today=lambda: TODAY)
    eval_seconds, eval_cpu, result = timed(lambda: scanner.scan(estate), repeats)
    warm_seconds, _, _ = timed(lambda: scanner.scan(estate), repeats, cold=False)
    _, eval_peak, _ = traced_growth(lambda: scanner.scan(estate))
    parse_seconds, parsed_bytes = measure_parse(estate, repeats)
    return Figures(
        groups=result.groups_scanned,
        rules=rules,
        findings=len(result.findings),
        digest=findings_digest(result),
        repeats=repeats,
        eval_seconds=eval_seconds,
        eval_cpu_seconds=eval_cpu,
        warm_seconds=warm_seconds,
        estate_bytes=estate_bytes,
        eval_peak_bytes=eval_peak,
        parse_seconds=parse_seconds,
        parsed_bytes=parsed_bytes,
    )


def measure_parse(estate: list[RegionSnapshot], repeats: int) -> tuple[float, int]:
    """Median time to read decoded describe JSON, and the bytes the parsed estate retains."""
    text = json.dumps(describe_documents(estate))
    seconds = timed_parse(json.loads(text), estate, repeats)
    # Decoding inside the trace: the parsed estate owns the strings it keeps from the text.
    retained, _, _ = traced_growth(lambda: read_snapshots(json.loads(text)))
    return seconds, retained


def timed_parse(documents: object, estate: list[RegionSnapshot], repeats: int) -> float:
    seconds, _, parsed = timed(lambda: read_snapshots(documents), repeats)
    if parsed != estate:
        raise SystemExit("the estate read back from describe JSON differs from the generated one")
    return seconds


def _load() -> float:
    """The one-minute load average: wall times above CPU times mean a busy machine."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def verdict(ok: bool, label: str, value: str, floor: str) -> bool:
    print(f"  {'PASS' if ok else 'BELOW-FLOOR':<12} {label:<34} {value:>16}  ({floor})")
    return ok


def report(figures: Figures) -> bool:
    f = figures
    print(
        f"  groups {f.groups:,}  rules {f.rules:,}  findings {f.findings:,}  "
        f"digest {f.digest}  (median of {f.repeats})"
    )
    print(
        f"  evaluate {f.eval_seconds:.3f} s (cpu {f.eval_cpu_seconds:.3f} s; warm CIDR cache "
        f"{f.warm_seconds:.3f} s = {f.rules / f.warm_seconds:,.0f} rules/s)\n  "
        f"parse {f.parse_seconds:.3f} s ({f.parse_rules_per_second:,.0f} rules/s)   "
        f"eval peak {f.eval_peak_bytes / 2**20:.1f} MiB   load average {_load():.2f}"
    )
    ceiling = f"< {BYTES_PER_RULE_CEILING} B/rule"
    checks = [
        verdict(
            f.rules_per_second >= RULES_PER_SECOND_FLOOR, "evaluation throughput",
            f"{f.rules_per_second:,.0f} rules/s", f">= {RULES_PER_SECOND_FLOOR:,} rules/s",
        ),
        verdict(
            f.per_rule(f.estate_bytes) < BYTES_PER_RULE_CEILING, "estate memory (generated)",
            f"{f.per_rule(f.estate_bytes):,.0f} B/rule", ceiling,
        ),
        verdict(
            f.per_rule(f.parsed_bytes) < BYTES_PER_RULE_CEILING, "estate memory (parsed)",
            f"{f.per_rule(f.parsed_bytes):,.0f} B/rule", ceiling,
        ),
        verdict(
            f.per_rule(f.eval_peak_bytes) < BYTES_PER_RULE_CEILING, "evaluation peak memory",
            f"{f.per_rule(f.eval_peak_bytes):,.0f} B/rule", ceiling,
        ),
    ]  # fmt: skip
    return all(checks)


def summary(results: list[Figures]) -> None:
    print("\n| groups | rules | findings | eval s | eval cpu s | rules/s | estate B/rule "
          "| parsed B/rule | eval peak B/rule | parse s | parse rules/s |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for f in results:
        print(
            f"| {f.groups:,} | {f.rules:,} | {f.findings:,} | {f.eval_seconds:.3f} "
            f"| {f.eval_cpu_seconds:.3f} | {f.rules_per_second:,.0f} "
            f"| {f.per_rule(f.estate_bytes):,.0f} "
            f"| {f.per_rule(f.parsed_bytes):,.0f} | {f.per_rule(f.eval_peak_bytes):,.0f} "
            f"| {f.parse_seconds:.3f} | {f.parse_rules_per_second:,.0f} |"
        )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", help="comma-separated group counts (default 1000,10000,100000)")
    parser.add_argument("--quick", action="store_true", help="1,000 groups only")
    parser.add_argument("--repeats", type=int, help="runs per median (default 5; 3 at 100k+)")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when a figure is below")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = (1_000,)
    elif args.sizes:
        args.sizes = tuple(int(s.replace("_", "")) for s in args.sizes.split(","))
    else:
        args.sizes = DEFAULT_SIZES
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    policy = load_policy(POLICY)
    print(
        f"sgcompliance engine benchmark: python {platform.python_version()} "
        f"({platform.python_implementation()}), {os.cpu_count()} CPUs, one core used; "
        f"policy {POLICY} ({len(policy.checks)} checks); "
        f"{len(ACCOUNTS)} accounts x {len(REGIONS)} regions"
    )
    results: list[Figures] = []
    all_pass = True
    for size in args.sizes:
        repeats = args.repeats or (5 if size <= 10_000 else 3)
        print(f"\n== {size:,} groups")
        figures = measure(size, policy, repeats)
        all_pass = report(figures) and all_pass
        results.append(figures)
    summary(results)
    return 1 if args.enforce and not all_pass else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
