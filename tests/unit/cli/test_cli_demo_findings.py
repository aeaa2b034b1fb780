"""What the demo compares between two scan reports: findings by content, ids by rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.errors import InputError
from sgcompliance.local.demo.findings import ScanReport, compare_restored, read_report


def finding(
    finding_id: str,
    rule_id: str | None,
    *,
    check: str = "EC2.13",
    remediation: str = "remove",
    peer: str = "0.0.0.0/0",
    exempted: str | None = None,
) -> dict[str, Any]:
    rule = None
    if rule_id is not None:
        rule = {"direction": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22,
                "peer": peer}  # fmt: skip
    return {
        "finding_id": finding_id, "check_id": check, "severity": "high",
        "remediation": remediation, "account_id": "111111111111", "region": "us-east-1",
        "group_id": "sg-1", "group_name": "ssh", "rule_id": rule_id, "rule": rule,
        "exempted_by": {"id": exempted} if exempted else None,
    }  # fmt: skip


def report(tmp_path: Path, name: str, *findings: dict[str, Any]) -> ScanReport:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"summary": {}, "findings": list(findings)}))
    return read_report(path)


def test_a_finding_back_under_a_new_rule_id_is_the_same_finding(tmp_path: Path) -> None:
    # GIVEN SSH from the world found on rule sgr-old, then on its re-created copy sgr-new
    before = report(tmp_path, "before", finding("f-old", "sgr-old"), finding("f-kept", "sgr-k"))
    after = report(tmp_path, "after", finding("f-new", "sgr-new"), finding("f-kept", "sgr-k"))
    # WHEN compared, knowing sgr-old was re-created
    outcome = compare_restored(before, after, {"sgr-old"})
    # THEN the findings are the same, one id is unchanged and one changed for that reason
    assert outcome.ok
    assert (outcome.unchanged_ids, outcome.rekeyed, outcome.unexplained_ids) == (1, 1, ())


def test_a_finding_that_did_not_come_back_is_a_mismatch(tmp_path: Path) -> None:
    before = report(
        tmp_path, "before", finding("f-1", "sgr-1"), finding("f-2", "sgr-2", peer="::/0")
    )
    after = report(tmp_path, "after", finding("f-1", "sgr-1"))
    outcome = compare_restored(before, after, {"sgr-2"})
    assert not outcome.ok
    assert [f.finding_id for f in outcome.missing] == ["f-2"]


def test_an_id_change_on_a_rule_that_was_not_recreated_is_unexplained(tmp_path: Path) -> None:
    # GIVEN the same content under another id although no rule was re-created
    before = report(tmp_path, "before", finding("f-1", "sgr-1"))
    after = report(tmp_path, "after", finding("f-2", "sgr-2"))
    outcome = compare_restored(before, after, set())
    # THEN the content matches but the comparison fails on the unexplained id
    assert outcome.same_findings
    assert not outcome.ok
    assert outcome.unexplained_ids == ("f-1",)


def test_only_violations_of_remove_checks_are_revocable(tmp_path: Path) -> None:
    scan = report(
        tmp_path,
        "scan",
        finding("f-remove", "sgr-1"),
        finding("f-flag", "sgr-1", check="SGC-DESCRIPTION", remediation="flag"),
        finding("f-exempt", "sgr-2", exempted="EX-1"),
    )
    assert [f.finding_id for f in scan.revocable()] == ["f-remove"]
    assert [f.finding_id for f in scan.exempted] == ["f-exempt"]


def test_a_file_that_is_not_a_scan_report_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"summary": {}}')
    with pytest.raises(InputError, match="not a readable scan report"):
        read_report(path)
