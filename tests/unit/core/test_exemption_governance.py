"""Governed exemptions: whoever opens a rule cannot also exempt it.

A tag only points to an exemption the policy defines (`tagged`); the policy's other criteria
bound what that exemption covers; a rule's own tags count only where the policy names them as
`rule_tags`; and a pointer to nothing is a finding of its own.
"""

from __future__ import annotations

from estate_builder import (
    OTHER_ACCOUNT,
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

from sgcompliance.engine.policy import UNKNOWN_EXEMPTION_TAG_CHECK, Settings, Severity

SSH = check(restricted(port_spec("tcp", 22)), check_id="SSH")
POINTER = "sgc-exemption"


def estate(group_tags: dict[str, str], rule_tags: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return snapshot(
        group(rule("sgr-1", "0.0.0.0/0", tags=rule_tags or {}), group_id="sg-1", tags=group_tags)
    )


def test_a_rule_tagged_by_its_author_is_not_exempted_by_a_group_tag_exemption() -> None:
    # GIVEN an exemption on the tag approved=bastion, and a developer's world-open rule created
    # with that tag in TagSpecifications (the group itself carries no such tag)
    ex = exemption(tags=(("approved", "bastion"),))
    result = scan(policy(SSH, exemptions=[ex]), estate({}, {"approved": "bastion"}))
    # WHEN judged  THEN the rule is a violation: `tags` are the group's, never the rule's
    assert one_finding(result, "SSH").is_violation


def test_a_tag_that_points_to_a_tagged_exemption_applies_it_within_its_scope() -> None:
    # GIVEN a tagged exemption EXC-12 and a group whose exemption tag names it
    ex = exemption("EXC-12", tagged=True, checks=frozenset({"SSH"}))
    result = scan(policy(SSH, exemptions=[ex]), estate({POINTER: "EXC-12"}))
    # WHEN judged  THEN the finding is exempted by EXC-12 and nothing else is reported
    assert one_finding(result, "SSH").exempted_by == ex
    assert [f.check_id for f in result.findings] == ["SSH"]


def test_a_pointer_cannot_widen_the_exemption_beyond_its_accounts() -> None:
    # GIVEN EXC-12 limited to another account, pointed to by this account's group
    ex = exemption("EXC-12", tagged=True, accounts=frozenset({OTHER_ACCOUNT}))
    result = scan(policy(SSH, exemptions=[ex]), estate({POINTER: "EXC-12"}))
    # WHEN judged  THEN the rule stays a violation
    assert one_finding(result, "SSH").is_violation


def test_a_pointer_to_an_exemption_that_is_not_tagged_applies_nothing_and_is_a_finding() -> None:
    # GIVEN an exemption granted by group id only, named by a tag on another group
    ex = exemption("EXC-7", group_ids=frozenset({"sg-other"}))
    result = scan(policy(SSH, exemptions=[ex]), estate({POINTER: "EXC-7"}))
    # WHEN judged  THEN the rule is a violation and the tag is a finding of its own
    assert one_finding(result, "SSH").is_violation
    tag = one_finding(result, UNKNOWN_EXEMPTION_TAG_CHECK)
    assert tag.is_violation
    assert tag.rule is None
    assert "EXC-7" in tag.message
    assert tag.severity is Severity.HIGH


def test_a_pointer_to_nothing_is_a_finding_even_on_a_compliant_group() -> None:
    # GIVEN a group with no rule at all but an exemption tag naming no exemption
    empty = snapshot(group(group_id="sg-1", tags={POINTER: "please"}))
    result = scan(policy(SSH), empty)
    # WHEN judged  THEN the tag is reported
    assert one_finding(result, UNKNOWN_EXEMPTION_TAG_CHECK).group.group_id == "sg-1"


def test_a_pointer_on_the_rule_counts_for_nothing() -> None:
    # GIVEN a tagged exemption, named by the rule's own tag (TagSpecifications at creation)
    ex = exemption("EXC-12", tagged=True)
    result = scan(policy(SSH, exemptions=[ex]), estate({}, {POINTER: "EXC-12"}))
    # WHEN judged  THEN the rule stays a violation
    assert one_finding(result, "SSH").is_violation


def test_the_pointer_key_and_the_finding_severity_come_from_the_settings() -> None:
    # GIVEN a policy whose pointer key is sec-exception, at low severity
    settings = Settings(
        exemption_tag_key="sec-exception", unknown_exemption_tag_severity=Severity.LOW
    )
    ex = exemption("EXC-12", tagged=True)
    tagged = estate({"sec-exception": "EXC-12", POINTER: "nothing"})
    result = scan(policy(SSH, exemptions=[ex], settings=settings), tagged)
    # WHEN judged  THEN the configured key applies the exemption and the default key is ignored
    assert one_finding(result, "SSH").exempted_by == ex
    assert [f.check_id for f in result.findings] == ["SSH"]
    # AND an unknown value under the configured key is reported at the configured severity
    unknown = scan(policy(SSH, settings=settings), estate({"sec-exception": "EXC-99"}))
    assert one_finding(unknown, UNKNOWN_EXEMPTION_TAG_CHECK).severity is Severity.LOW
