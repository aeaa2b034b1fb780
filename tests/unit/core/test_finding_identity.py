"""Findings: a stable identity, the rule and group they are about, and a deterministic order."""

from __future__ import annotations

from estate_builder import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    check,
    flagged,
    group,
    one_finding,
    policy,
    port_spec,
    restricted,
    rule,
    scan,
    snapshot,
)

from sgcompliance.engine.findings import finding_id
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.engine.policy import DescriptionRequired, MaxRules

SSH = check(restricted(port_spec("tcp", 22)), check_id="SSH")


def world_ssh(rule_id: str = "sgr-1") -> RegionSnapshot:
    return snapshot(group(rule(rule_id, "0.0.0.0/0")))


def test_same_input_gives_the_same_finding_id() -> None:
    first = one_finding(scan(policy(SSH), world_ssh()), "SSH")
    again = one_finding(scan(policy(SSH), world_ssh()), "SSH")
    assert first.finding_id == again.finding_id


def test_finding_id_is_the_hash_of_policy_check_scope_group_and_rule() -> None:
    finding = one_finding(scan(policy(SSH, policy_id="p-1"), world_ssh()), "SSH")
    assert finding.finding_id == finding_id("p-1", "SSH", ACCOUNT, REGION, "sg-1", "sgr-1")


def test_findings_of_different_rules_have_different_ids() -> None:
    estate = snapshot(group(rule("sgr-1", "0.0.0.0/0"), rule("sgr-2", "::/0")))
    result = scan(policy(SSH), estate)
    assert len({f.finding_id for f in result.findings}) == 2


def test_finding_id_changes_with_each_part_of_its_identity() -> None:
    parts = ("p", "SSH", ACCOUNT, REGION, "sg-1", "sgr-1")
    base = finding_id(*parts)
    for i, other in enumerate(("q", "DB", OTHER_ACCOUNT, "us-east-1", "sg-2", "sgr-2")):
        changed = list(parts)
        changed[i] = other
        assert finding_id(*changed) != base, i


def test_group_level_finding_id_differs_from_rule_level() -> None:
    assert finding_id("p", "C", "a", "r", "g", None) != finding_id("p", "C", "a", "r", "g", "x")


def test_finding_about_a_rule_carries_the_rule_and_its_group() -> None:
    estate = world_ssh()
    finding = one_finding(scan(policy(SSH), estate), "SSH")
    assert finding.rule == estate.groups[0].rules[0]
    assert finding.group == estate.groups[0]
    assert (finding.account_id, finding.region, finding.group_id) == (ACCOUNT, REGION, "sg-1")
    assert (finding.check_id, finding.title, finding.severity.value, finding.reason.value) == (
        "SSH",
        "SSH title",
        "high",
        "WORLD_OPEN",
    )


def test_findings_are_ordered_by_scope_group_rule_and_check() -> None:
    # GIVEN scopes, groups and rules listed out of order, and two checks per rule
    described = check(DescriptionRequired(), check_id="DESC")
    estate = [
        snapshot(group(rule("sgr-9", "0.0.0.0/0", description="")), region="us-east-1"),
        snapshot(
            group(rule("sgr-5", "0.0.0.0/0", description=""), group_id="sg-b"),
            group(
                rule("sgr-3", "0.0.0.0/0", description=""),
                rule("sgr-2", "0.0.0.0/0", description=""),
                group_id="sg-a",
            ),
        ),
    ]
    result = scan(policy(described, SSH), *estate)
    # THEN the order is account, region, group, rule, check
    assert [(f.region, f.group_id, f.rule_id, f.check_id) for f in result.findings] == [
        (REGION, "sg-a", "sgr-2", "DESC"),
        (REGION, "sg-a", "sgr-2", "SSH"),
        (REGION, "sg-a", "sgr-3", "DESC"),
        (REGION, "sg-a", "sgr-3", "SSH"),
        (REGION, "sg-b", "sgr-5", "DESC"),
        (REGION, "sg-b", "sgr-5", "SSH"),
        ("us-east-1", "sg-1", "sgr-9", "DESC"),
        ("us-east-1", "sg-1", "sgr-9", "SSH"),
    ]


def test_group_level_findings_come_before_the_groups_rule_findings() -> None:
    result = scan(policy(SSH, check(MaxRules(0), check_id="MAX")), world_ssh())
    assert [f.check_id for f in result.findings] == ["MAX", "SSH"]


def test_one_rule_reaching_several_restricted_ports_is_one_finding() -> None:
    chk = check(restricted(port_spec("tcp", 22), port_spec("tcp", 3389)), check_id="ADMIN")
    estate = snapshot(group(rule("sgr-1", "0.0.0.0/0", protocol="all", ports=None)))
    assert flagged(scan(policy(chk), estate), "ADMIN") == ["sgr-1"]


def test_scan_result_counts_groups_rules_and_scopes() -> None:
    estate = snapshot(group(rule("sgr-1", "0.0.0.0/0"), rule("sgr-2", "10.0.0.0/8")), group(
        group_id="sg-2"))  # fmt: skip
    result = scan(policy(SSH), estate)
    assert (result.groups_scanned, result.rules_evaluated, result.scopes) == (
        2,
        2,
        ((ACCOUNT, REGION),),
    )
    assert result.by_severity() == {"high": 1}


def test_ids_made_through_an_evaluation_context_equal_the_documented_hash() -> None:
    # GIVEN the incremental hashing an evaluation uses  WHEN compared with finding_id
    from sgcompliance.engine.check_findings import Context
    from sgcompliance.engine.findings import finding_id

    ctx = Context("strict", "111111111111", "eu-west-1", frozenset())
    # THEN both give the same id, with and without a rule, and for a second call
    for rule_id in ("sgr-0abc", None, "sgr-0abc"):
        assert ctx.finding_id("EC2.19", "sg-1", rule_id) == finding_id(
            "strict", "EC2.19", "111111111111", "eu-west-1", "sg-1", rule_id
        )
