"""Terraform plans for tests: the checked-in real plan of tests/fixtures/terraform_plans/cases,
and small plans built in the shape `terraform show -json` writes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sgcompliance.policy.loader import load_policy
from sgcompliance.sources.code_scan import CodeScanResult, scan_code
from sgcompliance.sources.terraform_plan import read_plan

REPO = Path(__file__).resolve().parents[3]
PLANS = REPO / "tests" / "fixtures" / "terraform_plans"
CASES_DIR = PLANS / "cases"
CASES_PLAN = PLANS / "cases.plan.json"
TODAY = date(2026, 12, 1)


def cases_plan() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(CASES_PLAN.read_text("utf-8"))
    return loaded


def judged(doc: object, policy: str = "builtin:strict") -> CodeScanResult:
    return scan_code(load_policy(policy), read_plan(doc, "plan.json").estate, today=TODAY)


def checks_by_group(result: CodeScanResult) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in result.violations:
        found.setdefault(finding.group_id, set()).add(finding.check_id)
    return found


def resource(address: str, values: dict[str, Any], *, module: str = "") -> dict[str, Any]:
    kind, name = address.rsplit(".", 2)[-2:]
    full = f"{module}.{address}" if module else address
    return {"address": full, "mode": "managed", "type": kind, "name": name, "values": values}


def change(address: str, actions: list[str], after_unknown: dict[str, Any]) -> dict[str, Any]:
    kind, name = address.rsplit(".", 2)[-2:]
    return {
        "address": address, "mode": "managed", "type": kind, "name": name,
        "change": {"actions": actions, "after_unknown": after_unknown},
    }  # fmt: skip


def config_resource(address: str, expressions: dict[str, Any]) -> dict[str, Any]:
    kind, name = address.split(".")
    return {"address": address, "mode": "managed", "type": kind, "name": name,
            "expressions": expressions}  # fmt: skip


def refs(*names: str) -> dict[str, Any]:
    return {"references": [r for n in names for r in (f"{n}.id", n)]}


def plan(
    resources: list[dict[str, Any]],
    *,
    changes: list[dict[str, Any]] | None = None,
    config: list[dict[str, Any]] | None = None,
    children: list[dict[str, Any]] | None = None,
    module_calls: dict[str, Any] | None = None,
) -> dict[str, Any]:
    root: dict[str, Any] = {"resources": resources}
    if children:
        root["child_modules"] = children
    configuration: dict[str, Any] = {"root_module": {"resources": config or []}}
    if module_calls:
        configuration["root_module"]["module_calls"] = module_calls
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": root},
        "resource_changes": changes or [],
        "configuration": configuration,
    }


def ingress(port: int, *cidrs: str, protocol: str = "tcp") -> dict[str, Any]:
    return {
        "protocol": protocol, "from_port": port, "to_port": port, "cidr_blocks": list(cidrs),
        "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False,
        "description": "test",
    }  # fmt: skip
