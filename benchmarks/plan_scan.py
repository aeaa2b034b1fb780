"""Terraform plan benchmark (issue #15): a generated plan of 5,000 security-group resources judged
by `sgc scan --terraform-plan`, against the goal of 2 s.

    .venv/bin/python benchmarks/plan_scan.py                      # 5,000 resources, 5 runs
    .venv/bin/python benchmarks/plan_scan.py --resources 20000 --repeats 3 --keep plan.json

The plan is written as `terraform show -json` writes one: planned values (the root module and a
child module per 500 resources), resource changes with `after_unknown`, and the configuration
with the references that resolve peers by address. Of its resources, 40% are
`aws_security_group` (three inline ingress blocks and one egress block each), 35%
`aws_security_group_rule` and 25% `aws_vpc_security_group_ingress_rule`; one standalone rule in
ten names another group of the plan (its id unknown until apply), one in fifty a source address
unknown until apply, and one in twenty a prefix list of the plan.

Two figures, medians of the runs, each next to the goal:

- in process: reading the file within the plan limits, building the estate and judging it with
  `builtin:strict` (what `sgc scan` does between starting and writing the report);
- the command: `sgc scan --terraform-plan FILE --format sarif --output OUT --quiet`, a fresh
  process timed from its start to its exit (start-up and the SARIF report included).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sgcompliance.policy.loader import load_policy
from sgcompliance.sources.code_documents import read_plan_file
from sgcompliance.sources.code_scan import scan_code
from sgcompliance.sources.terraform_plan import read_plan

GOAL_SECONDS = 2.0
PER_MODULE = 500
TODAY = date(2026, 12, 1)


def _group(i: int) -> dict[str, Any]:
    def block(port: int, cidr: str) -> dict[str, Any]:
        return {
            "protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": [cidr],
            "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False,
            "description": f"port {port}",
        }  # fmt: skip

    world = "0.0.0.0/0" if i % 7 == 0 else f"10.{i % 250}.0.0/16"
    return {
        "name": f"group-{i}", "description": "generated", "tags": {"team": f"t{i % 9}"},
        "ingress": [block(443, "0.0.0.0/0"), block(22, world), block(5432, "10.0.0.0/8")],
        "egress": [{**block(0, "0.0.0.0/0"), "protocol": "-1"}],
    }  # fmt: skip


def _resource(prefix: str, kind: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"address": f"{prefix}{kind}.{name}", "mode": "managed", "type": kind, "name": name,
            "values": values}  # fmt: skip


def _refs(*addresses: str) -> dict[str, Any]:
    return {"references": [r for a in addresses for r in (f"{a}.id", a)]}


def generate(total: int) -> dict[str, Any]:
    """A plan of `total` security-group resources, in modules of PER_MODULE."""
    root: dict[str, Any] = {"resources": [], "child_modules": []}
    changes: list[dict[str, Any]] = []
    calls: dict[str, Any] = {}
    for m, start in enumerate(range(0, total, PER_MODULE)):
        count = min(PER_MODULE, total - start)
        prefix = f"module.m{m}."
        resources: list[dict[str, Any]] = []
        config: list[dict[str, Any]] = []
        groups = [f"g{i}" for i in range(int(count * 0.4))]
        lists = ["everyone", "office"]
        resources.append(
            _resource(
                prefix,
                "aws_ec2_managed_prefix_list",
                "everyone",
                {"name": "everyone", "entry": [{"cidr": "0.0.0.0/1"}, {"cidr": "128.0.0.0/1"}]},
            )
        )
        resources.append(_resource(prefix, "aws_ec2_managed_prefix_list", "office", {
            "name": "office", "entry": [{"cidr": "192.0.2.0/24"}]}))  # fmt: skip
        for name in lists:
            config.append({"address": f"aws_ec2_managed_prefix_list.{name}", "mode": "managed",
                           "type": "aws_ec2_managed_prefix_list", "name": name,
                           "expressions": {"entry": {"constant_value": []}}})  # fmt: skip
        for i, name in enumerate(groups):
            resources.append(_resource(prefix, "aws_security_group", name, _group(i)))
            changes.append(
                {
                    "address": f"{prefix}aws_security_group.{name}",
                    "mode": "managed",
                    "change": {"actions": ["create"], "after_unknown": {"id": True}},
                }
            )
            config.append({"address": f"aws_security_group.{name}", "mode": "managed",
                           "type": "aws_security_group", "name": name,
                           "expressions": {"ingress": {"constant_value": []},
                                           "egress": {"constant_value": []}}})  # fmt: skip
        rules = count - len(groups)
        for r in range(rules):
            owner = groups[r % len(groups)]
            vpc = r >= int(rules * 0.58)
            kind = "aws_vpc_security_group_ingress_rule" if vpc else "aws_security_group_rule"
            name = f"r{r}"
            unknown: dict[str, Any] = {"security_group_id": True}
            expressions: dict[str, Any] = {
                "security_group_id": _refs(f"aws_security_group.{owner}")
            }
            values: dict[str, Any] = {"from_port": 22 + r % 3, "to_port": 22 + r % 3,
                                      "description": "generated"}  # fmt: skip
            peer_attr = "referenced_security_group_id" if vpc else "source_security_group_id"
            if r % 10 == 0:
                unknown[peer_attr] = True
                expressions[peer_attr] = _refs(
                    f"aws_security_group.{groups[(r + 1) % len(groups)]}"
                )
            elif r % 50 == 1:
                attr = "cidr_ipv4" if vpc else "cidr_blocks"
                unknown[attr] = True
                expressions[attr] = {"references": ["aws_eip.x.public_ip", "aws_eip.x"]}
            elif r % 20 == 2:
                attr = "prefix_list_id" if vpc else "prefix_list_ids"
                unknown[attr] = True
                expressions[attr] = _refs("aws_ec2_managed_prefix_list.everyone")
            elif vpc:
                values["cidr_ipv4"] = "0.0.0.0/0" if r % 5 == 0 else "10.1.0.0/16"
            else:
                values["cidr_blocks"] = ["0.0.0.0/0" if r % 5 == 0 else "10.1.0.0/16"]
            if vpc:
                values["ip_protocol"] = "tcp"
            else:
                values.update(type="ingress", protocol="tcp", self=False)
            resources.append(_resource(prefix, kind, name, values))
            changes.append(
                {
                    "address": f"{prefix}{kind}.{name}",
                    "mode": "managed",
                    "change": {"actions": ["create"], "after_unknown": unknown},
                }
            )
            config.append({"address": f"{kind}.{name}", "mode": "managed", "type": kind,
                           "name": name, "expressions": expressions})  # fmt: skip
        root["child_modules"].append({"address": f"module.m{m}", "resources": resources})
        calls[f"m{m}"] = {"source": f"./modules/m{m}", "module": {"resources": config}}
    return {
        "format_version": "1.2", "terraform_version": "1.11.4",
        "planned_values": {"root_module": root}, "resource_changes": changes,
        "configuration": {"root_module": {"resources": [], "module_calls": calls}},
    }  # fmt: skip


def judge_in_process(path: Path) -> tuple[float, float, int, int]:
    """Wall and CPU seconds to read and judge the plan; its findings and unknowns."""
    policy = load_policy("builtin:strict")
    wall, cpu = time.perf_counter(), time.process_time()
    estate = read_plan(read_plan_file(str(path)), str(path)).estate
    result = scan_code(policy, estate, today=TODAY)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, len(result.findings), len(estate.unresolved)


def judge_command(path: Path, out: Path) -> tuple[float, float]:
    sgc = Path(sys.executable).with_name("sgc")
    argv = [str(sgc), "scan", "--terraform-plan", str(path), "--today", TODAY.isoformat(),
            "--format", "sarif", "--output", str(out), "--quiet"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"sgc scan exited {done.returncode}: {done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def verdict(seconds: float) -> str:
    return "WITHIN" if seconds <= GOAL_SECONDS else "ABOVE"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="also write the generated plan here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        text = json.dumps(generate(args.resources), indent=2)
        path.write_text(text, encoding="utf-8")
        if args.keep is not None:
            args.keep.write_text(text, encoding="utf-8")
        print(f"plan: {args.resources:,} security-group resources, "
              f"{len(text.encode()) / 1024 / 1024:.1f} MiB; {args.repeats} runs; "
              f"{os.cpu_count()} CPUs")  # fmt: skip
        inside, command = [], []
        for _ in range(args.repeats):
            inside.append(judge_in_process(path))
            command.append(judge_command(path, Path(tmp) / "out.sarif"))
    wall = statistics.median(r[0] for r in inside)
    cpu = statistics.median(r[1] for r in inside)
    print(f"findings: {inside[0][2]:,} ({inside[0][3]:,} values unknown before apply)")
    print(f"read + judge, in process: {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"(goal <= {GOAL_SECONDS:.1f} s: {verdict(wall)})")  # fmt: skip
    cwall = statistics.median(r[0] for r in command)
    ccpu = statistics.median(r[1] for r in command)
    print(f"sgc scan --terraform-plan -f sarif: {cwall:.2f} s wall, {ccpu:.2f} s CPU "
          f"(goal <= {GOAL_SECONDS:.1f} s: {verdict(cwall)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
