"""Which events are not acted on, and why: loop prevention that a session name cannot fool."""

from __future__ import annotations

from dataclasses import replace

import pytest
from event_fixtures import ANY_ACCOUNT_MEMBER_ROLE, MEMBER, MEMBER_ROLE, load

from sgcompliance.events.classify import (
    SgChangeEvent,
    classify,
    ignore_reason,
    in_scope,
)
from sgcompliance.events.cloudtrail import Actor, arn_matches, is_own_change
from sgcompliance.records.audit import IgnoreReason

OWN = frozenset({MEMBER_ROLE})


def sg_change(name: str) -> SgChangeEvent:
    found = classify(load(name))
    assert isinstance(found, SgChangeEvent)
    return found


@pytest.mark.parametrize(
    "name",
    [
        "authorize_ingress",
        "authorize_egress",
        "modify_security_group_rules",
        "create_security_group",
        "update_descriptions_ingress",
        "update_descriptions_egress",
        "authorize_ingress_by_name",
    ],
)
def test_a_successful_change_by_someone_else_is_checked(name: str) -> None:
    assert ignore_reason(sg_change(name), OWN) is None


def test_a_failed_call_is_ignored() -> None:
    assert ignore_reason(sg_change("failed_authorize_ingress"), OWN) is IgnoreReason.FAILED_CALL


def test_a_revoke_is_ignored() -> None:
    assert ignore_reason(sg_change("revoke_ingress"), OWN) is IgnoreReason.REVOKE_EVENT


def test_the_remediators_own_change_is_ignored() -> None:
    # GIVEN a rollback's re-authorize made by the member role's sgcompliance- session
    event = sg_change("own_role_authorize_ingress")
    # THEN it does not trigger the remediator again
    assert ignore_reason(event, OWN) is IgnoreReason.OWN_SESSION


def test_an_own_role_pattern_with_any_account_matches_the_member_role() -> None:
    event = sg_change("own_role_authorize_ingress")
    assert ignore_reason(event, frozenset({ANY_ACCOUNT_MEMBER_ROLE})) is IgnoreReason.OWN_SESSION


def test_a_human_naming_a_session_like_ours_is_still_checked() -> None:
    # GIVEN an admin role session the human named "sgcompliance-remediate"
    event = sg_change("forged_session_name")
    assert event.actor.session_name == "sgcompliance-remediate"
    # WHEN our role ARNs are known  THEN the change is checked like any other
    assert ignore_reason(event, OWN) is None


def test_a_different_session_of_our_own_role_is_checked() -> None:
    # GIVEN someone using the member role with a session name the remediator never uses
    event = sg_change("own_role_authorize_ingress")
    actor = replace(event.actor, session_name="break-glass")
    assert ignore_reason(replace(event, actor=actor), OWN) is None


def test_without_role_arns_the_session_prefix_alone_identifies_our_change() -> None:
    # GIVEN no role ARNs (local use)  THEN the documented weaker rule applies
    assert ignore_reason(sg_change("own_role_authorize_ingress"), frozenset()) is (
        IgnoreReason.OWN_SESSION
    )


def test_an_empty_prefix_and_no_role_arns_never_match() -> None:
    event = sg_change("own_role_authorize_ingress")
    assert ignore_reason(event, frozenset(), own_session_prefix="") is None


def test_an_empty_prefix_with_role_arns_matches_on_the_role_alone() -> None:
    event = sg_change("own_role_authorize_ingress")
    assert ignore_reason(event, OWN, own_session_prefix="") is IgnoreReason.OWN_SESSION


def test_an_iam_user_is_never_our_own_change() -> None:
    actor = Actor(type="IAMUser", arn=f"arn:aws:iam::{MEMBER}:user/sgcompliance-x")
    assert not is_own_change(actor, frozenset(), "sgcompliance-")


def test_the_issuer_is_derived_from_the_session_arn_when_cloudtrail_omits_it() -> None:
    # GIVEN an assumed-role identity without sessionContext
    event = load("own_role_authorize_ingress")
    del event["detail"]["userIdentity"]["sessionContext"]
    found = classify(event)
    assert isinstance(found, SgChangeEvent)
    assert found.actor.issuer_arn == MEMBER_ROLE
    assert ignore_reason(found, OWN) is IgnoreReason.OWN_SESSION


def test_an_event_with_no_group_is_ignored() -> None:
    event = load("create_security_group")
    event["detail"]["responseElements"] = {"_return": True}
    found = classify(event)
    assert isinstance(found, SgChangeEvent)
    assert ignore_reason(found, OWN) is IgnoreReason.MALFORMED


def test_a_failed_call_is_reported_as_failed_before_anything_else() -> None:
    # GIVEN our own role's failed call  THEN the reason is the failure (checked first)
    event = sg_change("own_role_authorize_ingress")
    assert ignore_reason(replace(event, error_code="Client.DryRunOperation"), OWN) is (
        IgnoreReason.FAILED_CALL
    )


@pytest.mark.parametrize(
    ("pattern", "arn", "matches"),
    [
        (MEMBER_ROLE, MEMBER_ROLE, True),
        (ANY_ACCOUNT_MEMBER_ROLE, "arn:aws:iam::222222222222:role/sgcompliance-member", True),
        (
            "arn:*:iam::*:role/sgcompliance-member",
            "arn:aws-cn:iam::1:role/sgcompliance-member",
            True,
        ),
        (ANY_ACCOUNT_MEMBER_ROLE, "arn:aws:iam::222222222222:role/sgcompliance-member2", False),
        (ANY_ACCOUNT_MEMBER_ROLE, "arn:aws:iam::222222222222:role/x/sgcompliance-member", False),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::222222222222:role/anything", False),
        ("not-an-arn", "not-an-arn", False),
    ],
)
def test_role_arn_patterns_match_only_exactly_or_by_account_and_partition(
    pattern: str, arn: str, matches: bool
) -> None:
    assert arn_matches(pattern, arn) is matches


@pytest.mark.parametrize(
    ("accounts", "regions", "expected"),
    [
        (None, None, True),
        (frozenset({MEMBER}), None, True),
        (frozenset({"222222222222"}), None, False),
        (None, frozenset({"eu-west-1"}), True),
        (None, frozenset({"us-east-1"}), False),
        (frozenset({MEMBER}), frozenset({"us-east-1"}), False),
    ],
)
def test_scope_is_any_when_unset_and_exact_otherwise(
    accounts: frozenset[str] | None, regions: frozenset[str] | None, expected: bool
) -> None:
    assert in_scope(MEMBER, "eu-west-1", accounts, regions) is expected
