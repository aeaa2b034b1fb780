"""Default security groups (GroupName `default`) must have no rules at all (CIS, EC2.2)."""

from __future__ import annotations

from estate_builder import (
    BOTH_DIRECTIONS,
    check,
    flagged,
    group,
    one_finding,
    policy,
    rule,
    scan,
    snapshot,
)

from sgcompliance.engine.findings import Reason
from sgcompliance.engine.policy import DefaultGroupClosed

CLOSED = check(DefaultGroupClosed(), directions=BOTH_DIRECTIONS)


def test_any_ingress_rule_of_the_default_group_violates() -> None:
    # GIVEN the default group with a private self-style ingress rule
    estate = group(rule("sgr-in", "sg-default-self", protocol="all", ports=None), name="default")
    # WHEN judged  THEN the rule violates "default group closed"
    finding = one_finding(scan(policy(CLOSED), snapshot(estate)))
    assert (finding.rule_id, finding.reason) == ("sgr-in", Reason.DEFAULT_GROUP_RULE)


def test_any_egress_rule_of_the_default_group_violates() -> None:
    estate = group(rule("sgr-out", "10.0.0.0/8", egress=True), name="default")
    assert flagged(scan(policy(CLOSED), snapshot(estate))) == ["sgr-out"]


def test_every_rule_of_the_default_group_is_a_finding() -> None:
    estate = group(
        rule("sgr-a", "10.0.0.0/8"), rule("sgr-b", "0.0.0.0/0", egress=True), name="default"
    )
    assert flagged(scan(policy(CLOSED), snapshot(estate))) == ["sgr-a", "sgr-b"]


def test_default_group_without_rules_is_fine() -> None:
    assert scan(policy(CLOSED), snapshot(group(name="default"))).findings == ()


def test_non_default_group_with_rules_is_not_judged_by_this_check() -> None:
    estate = group(rule("sgr-a", "0.0.0.0/0"), rule("sgr-b", "0.0.0.0/0", egress=True), name="web")
    assert scan(policy(CLOSED), snapshot(estate)).findings == ()


def test_name_match_is_exact() -> None:
    estate = group(rule("sgr-a", "10.0.0.0/8"), name="Default")
    assert scan(policy(CLOSED), snapshot(estate)).findings == ()
