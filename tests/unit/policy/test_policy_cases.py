"""Policy unit-test cases: loading, relative paths, and how expectations match findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.errors import InputError
from sgcompliance.policy.cases import CaseError, Expectation, load_case, run_case

GROUP = "sg-0000000000000a001"
SNAPSHOT = {
    "account_id": "111111111111",
    "region": "us-east-1",
    "SecurityGroups": [{"GroupId": GROUP, "GroupName": "web"}],
    "SecurityGroupRules": [
        {
            "SecurityGroupRuleId": "sgr-ssh",
            "GroupId": GROUP,
            "IsEgress": False,
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "CidrIpv4": "0.0.0.0/0",
            "Description": "ssh",
        }
    ],
}
POLICY = {
    "version": "1",
    "id": "ssh-only",
    "checks": [
        {
            "id": "NO-SSH",
            "type": "restricted_ports",
            "severity": "high",
            "ports": [{"protocols": ["tcp"], "ports": 22}],
        }
    ],
}
EXEMPTION = {
    "id": "bastion",
    "owner": "netops@example.com",
    "reason": "bastion",
    "expires": "2026-06-30",
    "match": {"group_ids": [GROUP]},
}


def write_case(tmp_path: Path, **case: Any) -> Path:
    doc = {"name": "case", "policy": POLICY, "snapshots": [SNAPSHOT], "today": "2026-06-01"}
    path = tmp_path / "case.json"
    path.write_text(json.dumps({**doc, "expect": [], **case}))
    return path


def outcome_of(tmp_path: Path, **case: Any) -> tuple[list[str], list[str]]:
    outcome = run_case(load_case(write_case(tmp_path, **case)))
    return [str(e) for e in outcome.missing], [f.check_id for f in outcome.unexpected]


def test_a_case_passes_when_expectations_and_findings_agree(tmp_path: Path) -> None:
    expect = [{"check_id": "NO-SSH", "group_id": GROUP, "rule_id": "sgr-ssh"}]
    assert outcome_of(tmp_path, expect=expect) == ([], [])


def test_an_expectation_without_rule_id_matches_any_rule_of_the_group(tmp_path: Path) -> None:
    assert outcome_of(tmp_path, expect=[{"check_id": "NO-SSH", "group_id": GROUP}]) == ([], [])


def test_an_unexpected_finding_fails_an_exact_case(tmp_path: Path) -> None:
    assert outcome_of(tmp_path, expect=[]) == ([], ["NO-SSH"])


def test_an_unexpected_finding_is_allowed_when_not_exact(tmp_path: Path) -> None:
    assert outcome_of(tmp_path, expect=[], expect_exactly=False) == ([], [])


def test_a_missing_finding_fails_even_when_not_exact(tmp_path: Path) -> None:
    expect = [{"check_id": "NO-SSH", "group_id": "sg-0000000000000b001"}]
    missing, _ = outcome_of(tmp_path, expect=expect, expect_exactly=False)
    assert missing == ["NO-SSH sg-0000000000000b001"]


def test_exempted_true_matches_only_an_exempted_finding(tmp_path: Path) -> None:
    # GIVEN a live exemption for the group WHEN the case expects an exempted finding THEN it passes
    policy = {**POLICY, "exemptions": [EXEMPTION]}
    expect = [{"check_id": "NO-SSH", "group_id": GROUP, "exempted": True}]
    assert outcome_of(tmp_path, policy=policy, expect=expect) == ([], [])


def test_an_expired_exemption_leaves_a_violation(tmp_path: Path) -> None:
    # GIVEN the day after the exemption's last day
    policy = {**POLICY, "exemptions": [EXEMPTION]}
    expect = [{"check_id": "NO-SSH", "group_id": GROUP, "exempted": True}]
    missing, unexpected = outcome_of(tmp_path, policy=policy, expect=expect, today="2026-07-01")
    # THEN the exempted expectation is missing and the violation is unexpected
    assert missing == [f"NO-SSH {GROUP} (exempted)"]
    assert unexpected == ["NO-SSH"]


def test_the_policy_and_snapshot_file_resolve_against_the_case_file(tmp_path: Path) -> None:
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "policy.json").write_text(json.dumps(POLICY))
    (tmp_path / "fixtures" / "snap.json").write_text(json.dumps([SNAPSHOT]))
    case = {"policy": "fixtures/policy.json", "snapshot_file": "fixtures/snap.json"}
    path = tmp_path / "case.json"
    doc = {"name": "n", "today": "2026-06-01", "expect": [], "expect_exactly": False, **case}
    path.write_text(json.dumps(doc))
    loaded = load_case(path)
    assert loaded.policy.id == "ssh-only"
    assert [s.region for s in loaded.snapshots] == ["us-east-1"]


def test_a_builtin_policy_reference_loads_the_pack(tmp_path: Path) -> None:
    assert load_case(write_case(tmp_path, policy="builtin:cis-aws")).policy.id == "cis-aws"


def test_a_case_needs_exactly_one_snapshot_source(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="exactly one of snapshots, snapshot_file"):
        load_case(write_case(tmp_path, snapshot_file="snap.json"))


def test_a_case_with_an_invalid_date_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CaseError) as caught:
        load_case(write_case(tmp_path, today="2026-13-01"))
    assert caught.value.problems[0][0] == "$.today"


def test_a_bad_inline_snapshot_is_reported_with_its_path_in_the_case(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_case(write_case(tmp_path, snapshots=[{"account_id": "1", "region": "r"}]))
    assert caught.value.path == "$.snapshots[0].SecurityGroups"


def test_an_expectation_reads_as_text() -> None:
    expectation = Expectation("EC2.2", "sg-01", "sgr-02", exempted=False)
    assert str(expectation) == "EC2.2 sg-01 sgr-02 (not exempted)"
