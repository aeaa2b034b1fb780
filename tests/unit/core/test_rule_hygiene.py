"""Rule hygiene: a maximum number of rules per group, and a description on every rule."""

from __future__ import annotations

import pytest
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
from sgcompliance.engine.model import Direction
from sgcompliance.engine.policy import DescriptionRequired, MaxRules

THREE_RULES = group(
    rule("sgr-1", "10.0.0.0/8"),
    rule("sgr-2", "10.0.0.0/8", ports=80),
    rule("sgr-3", "0.0.0.0/0", egress=True, protocol="all", ports=None),
)


def test_more_rules_than_the_maximum_is_one_group_level_finding() -> None:
    # GIVEN three rules and a maximum of two  WHEN judged
    result = scan(policy(check(MaxRules(maximum=2))), snapshot(THREE_RULES))
    # THEN one finding for the group, with no rule
    finding = one_finding(result)
    assert (finding.rule, finding.group_id, finding.reason) == (None, "sg-1", Reason.TOO_MANY_RULES)
    assert "3 rules, more than the maximum of 2" in finding.message


def test_exactly_the_maximum_is_fine() -> None:
    assert scan(policy(check(MaxRules(maximum=3))), snapshot(THREE_RULES)).findings == ()


@pytest.mark.parametrize(
    ("direction", "maximum", "violates"),
    [
        (Direction.INGRESS, 1, True),
        (Direction.INGRESS, 2, False),
        (Direction.EGRESS, 0, True),
        (Direction.EGRESS, 1, False),
    ],
)
def test_maximum_per_direction_counts_that_direction_only(
    direction: Direction, maximum: int, violates: bool
) -> None:
    chk = check(MaxRules(maximum=maximum, direction=direction))
    result = scan(policy(chk), snapshot(THREE_RULES))
    assert bool(result.violations) is violates


@pytest.mark.parametrize("description", ["", "   ", "\t\n"])
def test_missing_or_blank_description_is_flagged(description: str) -> None:
    chk = check(DescriptionRequired())
    estate = group(rule("sgr-1", "10.0.0.0/8", description=description))
    finding = one_finding(scan(policy(chk), snapshot(estate)))
    assert (finding.rule_id, finding.reason) == ("sgr-1", Reason.MISSING_DESCRIPTION)


def test_described_rule_is_fine() -> None:
    chk = check(DescriptionRequired())
    estate = group(rule("sgr-1", "10.0.0.0/8", description="office VPN"))
    assert scan(policy(chk), snapshot(estate)).findings == ()


def test_description_check_follows_its_directions() -> None:
    estate = group(
        rule("sgr-in", "10.0.0.0/8", description=""),
        rule("sgr-out", "10.0.0.0/8", egress=True, description=""),
    )
    ingress_only = check(DescriptionRequired())
    both = check(DescriptionRequired(), directions=BOTH_DIRECTIONS)
    assert flagged(scan(policy(ingress_only), snapshot(estate))) == ["sgr-in"]
    assert flagged(scan(policy(both), snapshot(estate))) == ["sgr-in", "sgr-out"]
