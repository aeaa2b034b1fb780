"""Where each CloudTrail event puts its group, and how the account and time are read."""

from __future__ import annotations

from typing import Any

import pytest
from event_fixtures import MEMBER, load

from sgcompliance.events.classify import RejectCode, Rejected, SgChangeEvent, classify

WEB = "sg-0a1b2c3d4e5f60718"
APP = "sg-0b2c3d4e5f6071829"
DB = "sg-0c3d4e5f607182930"
NEW = "sg-0d4e5f60718293a4b"
DEFAULT = "sg-0e5f60718293a4b5c"


def sg_change(event: object) -> SgChangeEvent:
    found = classify(event)
    assert isinstance(found, SgChangeEvent), found
    return found


def rejected(event: object) -> Rejected:
    found = classify(event)
    assert isinstance(found, Rejected), found
    return found


@pytest.mark.parametrize(
    ("name", "group_ids"),
    [
        ("authorize_ingress", (WEB,)),  # requestParameters.groupId (+ the rule set's groupId)
        ("authorize_egress", (APP,)),
        ("modify_security_group_rules", (DB,)),  # ModifySecurityGroupRulesRequest.GroupId
        ("create_security_group", (NEW,)),  # responseElements.groupId
        ("update_descriptions_ingress", (WEB,)),
        ("update_descriptions_egress", (APP,)),
        ("authorize_ingress_by_name", (DEFAULT,)),  # only the response's rule set has the id
        ("revoke_ingress", (WEB,)),
    ],
)
def test_the_group_id_is_found_where_each_event_puts_it(
    name: str, group_ids: tuple[str, ...]
) -> None:
    assert sg_change(load(name)).group_ids == group_ids


@pytest.mark.parametrize(
    ("name", "rule_ids"),
    [
        ("authorize_ingress", ("sgr-01a2b3c4d5e6f7081", "sgr-02b3c4d5e6f708192")),
        ("modify_security_group_rules", ("sgr-04d5e6f7081920314",)),
        ("create_security_group", ()),
    ],
)
def test_the_changed_rule_ids_are_collected(name: str, rule_ids: tuple[str, ...]) -> None:
    assert sg_change(load(name)).rule_ids == rule_ids


def test_a_call_by_group_name_without_a_recorded_id_keeps_the_name() -> None:
    # GIVEN a default-VPC call by name whose response lists no rules
    event = load("authorize_ingress_by_name")
    event["detail"]["responseElements"] = {"_return": True}
    found = sg_change(event)
    # THEN there is no id, and the name is kept for a lookup by name
    assert (found.group_ids, found.group_names) == ((), ("default",))


def test_a_name_is_not_kept_when_an_id_is_known() -> None:
    assert sg_change(load("authorize_ingress_by_name")).group_names == ()


def test_several_modified_rules_of_one_group_are_all_collected() -> None:
    # GIVEN ModifySecurityGroupRules changing two rules (CloudTrail lists them in an array)
    event = load("modify_security_group_rules")
    request = event["detail"]["requestParameters"]["ModifySecurityGroupRulesRequest"]
    first = request["SecurityGroupRule"]
    second = {**first, "SecurityGroupRuleId": "sgr-0aaaaaaaaaaaaaaaa", "tag": 2}
    request["SecurityGroupRule"] = [first, second]
    assert sg_change(event).rule_ids == ("sgr-04d5e6f7081920314", "sgr-0aaaaaaaaaaaaaaaa")


def test_a_value_that_is_not_a_group_id_is_never_used() -> None:
    # GIVEN a group id field holding something else
    event = load("update_descriptions_ingress")
    event["detail"]["requestParameters"]["groupId"] = "sg-../../etc"
    assert sg_change(event).group_ids == ()


def test_the_account_comes_from_recipient_account_id_when_the_envelope_has_none() -> None:
    # GIVEN an event whose envelope lost `account` (as moto's EventBridge does)
    event = load("authorize_ingress")
    assert "account" not in event
    assert sg_change(event).account_id == MEMBER


def test_an_envelope_and_a_detail_that_disagree_on_the_account_are_refused() -> None:
    # GIVEN an event whose detail names one account while EventBridge says another sent it
    # (a member forging a change "in" another account on the hub bus)
    event = load("create_security_group")
    event["account"] = "222222222222"
    # WHEN read  THEN it is refused, naming both accounts
    refused = rejected(event)
    assert refused.reason_code is RejectCode.ACCOUNT_MISMATCH
    assert MEMBER in refused.message
    assert "222222222222" in refused.message


def test_an_envelope_and_a_detail_that_agree_on_the_account_are_read() -> None:
    event = load("create_security_group")
    event["account"] = MEMBER
    assert sg_change(event).account_id == MEMBER


@pytest.mark.parametrize("bad", ["2222", 222222222222, ["222222222222"]])
def test_a_malformed_envelope_account_is_refused(bad: Any) -> None:
    event = load("create_security_group")
    event["account"] = bad
    assert rejected(event).reason_code is RejectCode.MALFORMED_EVENT


def test_the_envelope_account_is_used_when_recipient_account_id_is_absent() -> None:
    event = load("create_security_group")
    del event["detail"]["recipientAccountId"]
    event["account"] = "222222222222"
    assert sg_change(event).account_id == "222222222222"


def test_no_account_anywhere_is_rejected() -> None:
    event = load("authorize_ingress")
    del event["detail"]["recipientAccountId"]
    assert rejected(event).reason_code is RejectCode.MISSING_ACCOUNT


@pytest.mark.parametrize("bad", ["11111111111", "abc", 111111111111, None, ["111111111111"]])
def test_a_malformed_recipient_account_id_is_rejected(bad: Any) -> None:
    event = load("create_security_group")
    event["detail"]["recipientAccountId"] = bad
    if bad is None:  # null is the same as absent: the envelope account is used
        assert sg_change(event).account_id == MEMBER
    else:
        assert "recipientAccountId" in rejected(event).message


@pytest.mark.parametrize("bad", ["2026-11-27T10:15:30", "yesterday", "", 1795744800, None])
def test_an_event_time_without_a_zone_or_not_a_time_is_rejected(bad: Any) -> None:
    event = load("authorize_ingress")
    event["detail"]["eventTime"] = bad
    found = rejected(event)
    assert (found.reason_code, "eventTime" in found.message) == (RejectCode.MALFORMED_EVENT, True)


@pytest.mark.parametrize("field", ["eventID", "eventName"])
def test_an_event_without_its_id_or_name_is_rejected(field: str) -> None:
    event = load("authorize_ingress")
    del event["detail"][field]
    assert field in rejected(event).message


def test_a_detail_that_is_not_an_object_is_rejected() -> None:
    event = load("authorize_ingress")
    event["detail"] = "{}"
    assert rejected(event).reason_code is RejectCode.MALFORMED_EVENT


def test_a_region_is_required() -> None:
    event = load("authorize_ingress")
    event["detail"]["awsRegion"] = "mars-north-1a"
    assert "awsRegion" in rejected(event).message


def test_an_overlong_user_agent_is_shortened() -> None:
    event = load("authorize_ingress")
    event["detail"]["userAgent"] = "x" * 100_000
    agent = sg_change(event).user_agent
    assert agent is not None
    assert len(agent) == 512
