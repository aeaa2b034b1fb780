"""HTML report benchmark: how long the self-contained page takes to render for a large scan.

    .venv/bin/python benchmarks/html_report.py                     # 5,000 findings, 7 runs
    .venv/bin/python benchmarks/html_report.py --findings 20000 --repeats 5

The scan is the engine benchmark's synthetic estate (`estate_generator.py`) judged by
`builtin:strict`, cut to exactly N findings; with it goes a remediation section for the first
`--remediated` groups (remove mode: every offending rule taken out, a backup and a rollback
command each), so every part of the page is drawn. Prints the median wall time of the runs (and
the CPU time, which shows how much of it other processes on the machine took), the page's size,
and a digest of the page: a change to the report code that must not change the page keeps it.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import statistics
import sys
import time
from dataclasses import replace
from datetime import date

from estate_generator import generate_estate
from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.findings import Finding
from sgcompliance.policy.loader import load_policy
from sgcompliance.remediation.plan import Mode, plan_group
from sgcompliance.report.formats import Presentation
from sgcompliance.report.html.page import HtmlWriter
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport

TODAY = date(2025, 6, 1)
POLICY = "builtin:strict"
# About three findings per generated group: enough groups for the findings asked for.
GROUPS_PER_FINDING = 0.4


def scan(findings: int) -> ScanResult:
    policy = load_policy(POLICY)
    groups = max(10, int(findings * GROUPS_PER_FINDING))
    result = evaluate(policy, generate_estate(groups), today=TODAY)
    if len(result.findings) < findings:
        sys.exit(f"the estate of {groups} groups has only {len(result.findings)} findings")
    return replace(result, findings=result.findings[:findings])


def remediation(result: ScanResult, groups: int) -> RemediationReport:
    by_group: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in result.violations:
        key = (finding.account_id, finding.region, finding.group_id)
        if key in by_group or len(by_group) < groups:
            by_group.setdefault(key, []).append(finding)
    entries = []
    for number, block in enumerate(by_group.values()):
        plan = plan_group(block[0].group, block, Mode.REMOVE)
        if plan is not None:
            revoked = (*plan.revoke_ingress, *plan.revoke_egress)
            entries.append(RemediationEntry(plan, "applied", f"bk-{number:06d}", revoked))
    return RemediationReport(Mode.REMOVE, dry_run=False, entries=tuple(entries))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=5_000)
    parser.add_argument("--remediated", type=int, default=200, help="groups in the remediation")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    result = scan(args.findings)
    report = remediation(result, args.remediated)
    writer = HtmlWriter()
    writer.render(result, Presentation(), report)  # warm: assets read, modules imported
    walls: list[float] = []
    cpus: list[float] = []
    page = ""
    for _ in range(args.repeats):
        gc.collect()
        start, cpu_start = time.perf_counter(), time.process_time()
        page = writer.render(result, Presentation(), report)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu_start)
    digest = hashlib.sha256(page.encode("utf-8")).hexdigest()[:16]
    print(
        f"html report: {len(result.findings):,} findings, "
        f"{len({(f.account_id, f.region, f.group_id) for f in result.findings}):,} groups, "
        f"{len(report.entries):,} remediated groups; page {len(page.encode('utf-8')):,} bytes, "
        f"digest {digest}"
    )
    print(
        f"render: median {statistics.median(walls) * 1000:.1f} ms wall, "
        f"{statistics.median(cpus) * 1000:.1f} ms CPU "
        f"(min {min(walls) * 1000:.1f} ms, max {max(walls) * 1000:.1f} ms; {args.repeats} runs)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
