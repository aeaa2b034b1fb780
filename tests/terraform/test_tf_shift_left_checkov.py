"""checkov and sgcompliance side by side on the same Terraform cases
(tests/fixtures/terraform_plans/cases): the table in docs/shift-left.md is what this test
computes from one checkov run over the directory and one sgcompliance scan of the directory's
plan, so it cannot drift. When they differ the test fails; `make shift-left-table`
(SGC_WRITE_SHIFT_LEFT=1) rewrites the table.

checkov's column lists its failed security-group checks (those whose name speaks of security
groups) on the case's resources, except CKV2_AWS_5 ("attached to another resource"), which every
group of the fixtures fails because nothing there uses them, and says nothing about rules.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import tf_tools
from tf_harness import REPO_ROOT

from sgcompliance.policy.loader import load_policy
from sgcompliance.sources.code_scan import scan_code
from sgcompliance.sources.terraform_plan import read_plan

pytestmark = pytest.mark.xdist_group("checkov-shift-left")

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "terraform_plans"
CASES = FIXTURES / "cases"
PLAN = FIXTURES / "cases.plan.json"
DOC = REPO_ROOT / "docs" / "shift-left.md"
START = "<!-- checkov-table:start -->"
END = "<!-- checkov-table:end -->"
WRITE = "SGC_WRITE_SHIFT_LEFT"
NOT_ABOUT_RULES = frozenset({"CKV2_AWS_5"})
TIMEOUT = 600


@dataclass(frozen=True, slots=True)
class Case:
    title: str
    # The case's security groups (what sgcompliance names) ...
    groups: tuple[str, ...]
    # ... and every resource checkov may report the case on.
    resources: tuple[str, ...]


CASES_SHOWN = (
    Case("tcp 20-25 from 0.0.0.0/0 (ssh inside a range)",
         ("aws_security_group.tcp_range_world",), ()),
    Case("protocol -1 from 0.0.0.0/0 (a standalone rule)", ("aws_security_group.all_traffic",),
         ("aws_security_group_rule.all_traffic_world",)),
    Case("udp 3389 from 0.0.0.0/0", ("aws_security_group.udp_rdp",), ()),
    Case("tcp 22 from ::/0", ("aws_security_group.ipv6_world",),
         ("aws_vpc_security_group_ingress_rule.ipv6_ssh",)),
    Case("tcp 22 from 0.0.0.0/1 and 128.0.0.0/1", ("aws_security_group.half_pair",), ()),
    Case("tcp 22 from a prefix list of the plan holding both /1 halves",
         ("aws_security_group.prefix_list",),
         ("aws_vpc_security_group_ingress_rule.prefix_list_ssh",
          "aws_ec2_managed_prefix_list.everyone")),
    Case("tcp 443 from 0.0.0.0/0 (allowed)", ("aws_security_group.load_balancer",), ()),
    Case("tcp 22 from another group of the plan, by address", ("aws_security_group.by_reference",),
         ("aws_security_group_rule.by_reference_ssh",)),
    Case("tcp 22 from an address known only after apply", ("aws_security_group.unknown_at_plan",),
         ("aws_eip.bastion",)),
    Case("the VPC's default group with tcp 22 from 0.0.0.0/0",
         ("aws_default_security_group.default",), ("aws_vpc.main",)),
    Case("tcp 5432 from 0.0.0.0/0 and all egress, in a module",
         ("module.app.aws_security_group.this",), ()),
)  # fmt: skip


def checkov_failures() -> tuple[dict[str, set[str]], str]:
    """Failed security-group checks by resource address, and checkov's version."""
    tool = tf_tools.checkov(CASES)
    if not tool.available:
        pytest.skip(f"checkov side by side skipped: {tool.missing}")
    argv = [a if a != "terraform,cloudformation" else "terraform" for a in tool.argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.stdout.strip().startswith(("[", "{")), done.stdout + done.stderr
    parsed: Any = json.loads(done.stdout)
    reports = parsed if isinstance(parsed, list) else [parsed]
    failed: dict[str, set[str]] = {}
    version = ""
    for report in reports:
        version = report.get("summary", {}).get("checkov_version", version)
        for check in report.get("results", {}).get("failed_checks", []):
            about_groups = "security group" in check["check_name"].lower()
            if about_groups and check["check_id"] not in NOT_ABOUT_RULES:
                failed.setdefault(check["resource"], set()).add(check["check_id"])
    return failed, version


def sgcompliance_findings() -> dict[str, set[str]]:
    estate = read_plan(json.loads(PLAN.read_text("utf-8")), str(PLAN)).estate
    result = scan_code(load_policy("builtin:strict"), estate, today=date(2026, 12, 1))
    found: dict[str, set[str]] = {}
    for finding in result.violations:
        found.setdefault(finding.group_id, set()).add(finding.check_id)
    return found


def _cell(ids: set[str]) -> str:
    return ", ".join(f"`{i}`" for i in sorted(ids)) if ids else "nothing"


def table(checkov: dict[str, set[str]], version: str, ours: dict[str, set[str]]) -> str:
    lines = [
        f"| Case | checkov {version} | sgcompliance (`builtin:strict`) |",
        "|---|---|---|",
    ]
    for case in CASES_SHOWN:
        theirs = set().union(*(checkov.get(r, set()) for r in (*case.groups, *case.resources)))
        mine = set().union(*(ours.get(g, set()) for g in case.groups))
        lines.append(f"| {case.title} | {_cell(theirs)} | {_cell(mine)} |")
    return "\n".join(lines) + "\n"


def test_the_side_by_side_table_in_the_docs_is_what_both_tools_say() -> None:
    checkov, version = checkov_failures()
    expected = table(checkov, version, sgcompliance_findings())
    text = DOC.read_text("utf-8")
    before, start, rest = text.partition(START)
    current, end, after = rest.partition(END)
    assert start, f"{DOC.name} lacks the {START} marker"
    assert end, f"{DOC.name} lacks the {END} marker"
    if os.environ.get(WRITE) == "1":
        DOC.write_text(f"{before}{START}\n{expected}{END}{after}", encoding="utf-8")
        current = "\n" + expected
    assert current == "\n" + expected, "the table is out of date: run `make shift-left-table`"


def test_every_case_names_resources_of_the_fixtures() -> None:
    text = "\n".join(p.read_text("utf-8") for p in sorted(CASES.rglob("*.tf")))
    named = {r for case in CASES_SHOWN for r in (*case.groups, *case.resources)}
    for address in named:
        kind, name = address.split(".")[-2:]
        assert f'resource "{kind}" "{name}"' in text, address
