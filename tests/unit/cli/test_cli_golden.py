"""A golden JSON report for a small fixed estate: shape, values and finding ids must not drift."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cli_estates import ACCOUNT, DB, REGION, WEB, small_estate, ssh_policy, write
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app

EXPECTED_FINDINGS: list[dict[str, Any]] = [
    {
        "account_id": ACCOUNT,
        "attachment": "unknown",
        "check_id": "SSH-WORLD",
        "exempted_by": None,
        "expired_exemption": None,
        # sha256 over (policy id, check id, account, region, group id, rule id): stable across
        # runs, machines and versions; a change here breaks every stored finding reference.
        "finding_id": "cd61409e620e3eb6d2c23269285f216c",
        "group_id": WEB,
        "group_name": "web",
        "group_tags": {},
        "message": "ingress tcp 22 from 0.0.0.0/0: reaches restricted tcp 22 via 0.0.0.0/0",
        "reason": "WORLD_OPEN",
        "region": REGION,
        "remediation": "remove",
        "rule": {
            "description": "ssh for on-call",
            "direction": "ingress",
            "from_port": 22,
            "peer": "0.0.0.0/0",
            "peer_kind": "ipv4",
            "protocol": "tcp",
            "summary": "tcp 22 from 0.0.0.0/0",
            "to_port": 22,
        },
        "rule_id": "sgr-0000000000000aaa1",
        "severity": "critical",
        "title": "No SSH from the world",
    }
]


def scan(tmp_path: Path) -> dict[str, Any]:
    estate = write(tmp_path / "estate.json", small_estate())
    policy = write(tmp_path / "policy.json", ssh_policy())
    args = ["scan", "-i", str(estate), "-p", str(policy), "-f", "json", "--today", "2026-11-27"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_the_findings_equal_the_golden_findings(tmp_path: Path) -> None:
    assert scan(tmp_path)["findings"] == EXPECTED_FINDINGS


def test_the_summary_equals_the_golden_summary(tmp_path: Path) -> None:
    summary = scan(tmp_path)["summary"]
    # The digest covers the resolved policy document; its exact value belongs to the loader.
    assert re.fullmatch(r"[0-9a-f]{64}", summary.pop("policy_digest"))
    assert summary == {
        "by_check": {"SSH-WORLD": 1},
        "by_severity": {"critical": 1, "high": 0, "info": 0, "low": 0, "medium": 0},
        "exempted": 0,
        "expired_exemptions": 0,
        # --today pins the report's time to its midnight, UTC.
        "generated_at": "2026-11-27T00:00:00Z",
        "groups_scanned": 2,
        "passed_checks": 1,
        "policy_id": "ssh-only",
        "policy_version": "1",
        "rules_evaluated": 3,
        "scopes": [{"account_id": ACCOUNT, "region": REGION}],
        "violations": 1,
    }


def test_the_private_group_has_no_findings(tmp_path: Path) -> None:
    assert all(f["group_id"] != DB for f in scan(tmp_path)["findings"])
