"""Exemptions: exact criteria, all of which must match; expired ones stop applying and say so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from estate_builder import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    TODAY,
    check,
    exemption,
    group,
    one_finding,
    policy,
    port_spec,
    restricted,
    rule,
    scan,
    snapshot,
)

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.policy import Exemption, MaxRules

SSH = check(restricted(port_spec("tcp", 22)), check_id="SSH")
# A world-open tcp 22 rule in a tagged group, with a tagged rule.
ESTATE = snapshot(
    group(
        rule("sgr-1", "0.0.0.0/0", tags={"Purpose": "bastion"}),
        group_id="sg-1",
        tags={"Env": "prod", "Owner": "team-a"},
    )
)


def judged_with(*exemptions: Exemption) -> ScanResult:
    return scan(policy(SSH, exemptions=exemptions), ESTATE)


def test_without_exemptions_the_rule_is_a_violation() -> None:
    finding = one_finding(judged_with(), "SSH")
    assert finding.is_violation
    assert finding.exempted_by is None


@pytest.mark.parametrize(
    "criteria",
    [
        {"group_ids": frozenset({"sg-1"})},
        {"rule_ids": frozenset({"sgr-1"})},
        {"accounts": frozenset({ACCOUNT})},
        {"regions": frozenset({REGION})},
        {"tags": (("Env", "prod"),)},
        {"tags": (("Env", None),)},  # key present, any value
        {"rule_tags": (("Purpose", "bastion"),)},  # a tag of the rule, named as such
        {"checks": frozenset({"SSH"}), "group_ids": frozenset({"sg-1"})},
    ],
    ids=["group", "rule", "account", "region", "tag", "tag-key", "rule-tag", "check+group"],
)
def test_matching_exemption_suppresses_and_is_carried(criteria: dict[str, object]) -> None:
    # GIVEN an exemption whose every criterion matches the finding
    ex = exemption(**criteria)
    # WHEN judged  THEN the finding is no violation and names the exemption
    result = judged_with(ex)
    assert result.violations == ()
    assert one_finding(result, "SSH").exempted_by == ex


@pytest.mark.parametrize(
    "criteria",
    [
        {"group_ids": frozenset({"sg-2"})},
        {"rule_ids": frozenset({"sgr-2"})},
        {"accounts": frozenset({OTHER_ACCOUNT})},
        {"regions": frozenset({"us-east-1"})},
        {"tags": (("env", "prod"),)},  # key case differs
        {"tags": (("Env", "Prod"),)},  # value case differs
        {"tags": (("Env", "staging"),)},
        {"tags": (("Env", "prod"), ("Owner", "team-b"))},  # one of two tags mismatches
        {"tags": (("Missing", None),)},
        {"group_ids": frozenset({"sg-1"}), "regions": frozenset({"us-east-1"})},
        {"checks": frozenset({"OTHER"})},
    ],
    ids=["group", "rule", "account", "region", "tag-key-case", "tag-value-case", "tag-value",
         "one-of-two-tags", "absent-key", "group-but-region", "other-check"],
)  # fmt: skip
def test_exemption_with_any_mismatching_criterion_does_not_apply(
    criteria: dict[str, object],
) -> None:
    result = judged_with(exemption(**criteria))
    assert [f.rule_id for f in result.violations] == ["sgr-1"]
    assert one_finding(result, "SSH").exempted_by is None


def test_expired_exemption_does_not_suppress_and_the_message_names_it() -> None:
    # GIVEN a matching exemption that expired yesterday
    ex = exemption("EX-OLD", group_ids=frozenset({"sg-1"}), expires=TODAY - timedelta(days=1))
    # WHEN judged today
    finding = one_finding(judged_with(ex), "SSH")
    # THEN the finding stands, carries the expired exemption and says so
    assert finding.is_violation
    assert finding.expired_exemption == ex
    assert f"exemption 'EX-OLD' expired on {TODAY - timedelta(days=1)}" in finding.message


def test_expired_exemption_that_does_not_match_leaves_the_finding_untouched() -> None:
    ex = exemption(group_ids=frozenset({"sg-2"}), expires=TODAY - timedelta(days=1))
    finding = one_finding(judged_with(ex), "SSH")
    assert (finding.expired_exemption, "expired" in finding.message) == (None, False)


def test_exemption_still_applies_on_its_expiry_date() -> None:
    ex = exemption(group_ids=frozenset({"sg-1"}), expires=TODAY)
    assert one_finding(judged_with(ex), "SSH").exempted_by == ex


def test_live_exemption_wins_over_an_expired_one_listed_first() -> None:
    old = exemption("EX-OLD", group_ids=frozenset({"sg-1"}), expires=TODAY - timedelta(days=1))
    live = exemption("EX-LIVE", rule_ids=frozenset({"sgr-1"}))
    finding = one_finding(judged_with(old, live), "SSH")
    assert finding.exempted_by == live
    assert "expired" not in finding.message


def test_first_matching_live_exemption_is_the_one_carried() -> None:
    first = exemption("EX-1", group_ids=frozenset({"sg-1"}))
    second = exemption("EX-2", rule_ids=frozenset({"sgr-1"}))
    assert one_finding(judged_with(first, second), "SSH").exempted_by == first


def test_rule_exemption_does_not_cover_a_group_level_finding() -> None:
    # GIVEN a too-many-rules finding (no rule) and an exemption by rule id
    too_many = check(MaxRules(maximum=0), check_id="MAX")
    ex = exemption(rule_ids=frozenset({"sgr-1"}))
    result = scan(policy(too_many, exemptions=[ex]), ESTATE)
    # THEN the group-level finding stays a violation
    assert one_finding(result, "MAX").is_violation


def test_exemption_changes_nothing_but_the_exemption_field() -> None:
    before = one_finding(judged_with(), "SSH")
    after = one_finding(judged_with(exemption(group_ids=frozenset({"sg-1"}))), "SSH")
    assert (after.finding_id, after.message, after.rule) == (
        before.finding_id,
        before.message,
        before.rule,
    )


def test_carried_exemption_keeps_its_owner_reason_and_ticket() -> None:
    ex = exemption(group_ids=frozenset({"sg-1"}), ticket="SEC-42")
    carried = one_finding(judged_with(ex), "SSH").exempted_by
    assert carried is not None
    assert (carried.owner, carried.reason, carried.ticket) == (
        "team-network",
        "accepted risk",
        "SEC-42",
    )
