"""CloudTrail records the local pipeline builds: the real field layout, classified like AWS's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.events.classify import SgChangeEvent, classify, ignore_reason
from sgcompliance.local.pipeline.cloudtrail_record import (
    ApiCall,
    Caller,
    cloudtrail_record,
    eventbridge_event,
)
from sgcompliance.records.audit import IgnoreReason

FIXTURES = Path(__file__).parents[2] / "fixtures" / "events"
ACCOUNT = "111111111111"
GROUP = "sg-0a1b2c3d4e5f60718"
WHEN = datetime(2026, 11, 27, 10, 15, 30, 123456, tzinfo=UTC)
ALICE = Caller(
    arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/developer/alice@example.com",
    user_id="AROAEXAMPLEROLE000001:alice@example.com",
    account_id=ACCOUNT,
    access_key_id="ASIAEXAMPLEKEY000001",
    session_created=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
)
SSH_WORLD = {
    "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
}  # fmt: skip
AUTHORIZED = {
    "Return": True,
    "SecurityGroupRules": [
        {"SecurityGroupRuleId": "sgr-01a2b3c4d5e6f7081", "GroupId": GROUP, "GroupOwnerId": ACCOUNT,
         "IsEgress": False, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "CidrIpv4": "0.0.0.0/0", "Tags": []},
    ],
    "ResponseMetadata": {"RequestId": "5b7c1e2a-0000-4000-8000-000000000000"},
}  # fmt: skip


def call(operation: str, params: dict[str, Any], response: dict[str, Any]) -> ApiCall:
    return ApiCall(operation, "eu-west-1", params, response, WHEN, "Boto3/1.35.60")


def authorize() -> dict[str, Any]:
    params = {"GroupId": GROUP, "IpPermissions": [SSH_WORLD]}
    return cloudtrail_record(call("AuthorizeSecurityGroupIngress", params, AUTHORIZED), ALICE, "e1")


def fixture_detail(name: str) -> dict[str, Any]:
    detail: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())["detail"]
    return detail


def test_the_record_has_cloudtrail_s_top_level_fields() -> None:
    # GIVEN an authorize call  WHEN it is recorded
    record = authorize()
    # THEN every field CloudTrail writes is there (no TLS details: the local AWS is plain HTTP)
    expected = set(fixture_detail("authorize_ingress")) - {"tlsDetails"}
    assert set(record) == expected
    assert record["eventTime"] == "2026-11-27T10:15:30Z"
    assert (record["readOnly"], record["eventType"], record["managementEvent"]) == (
        False, "AwsApiCall", True,
    )  # fmt: skip


def test_the_request_parameters_use_cloudtrail_s_layout() -> None:
    # GIVEN the fixture of a real CloudTrail record of the same call
    real = fixture_detail("authorize_ingress")["requestParameters"]
    built = authorize()["requestParameters"]
    # THEN the permission is laid out the same way (CloudTrail's empty sets as `{}` apart)
    permission = built["ipPermissions"]["items"][0]
    assert {k: v for k, v in real["ipPermissions"]["items"][0].items() if v} == permission
    assert built["groupId"] == GROUP


def test_the_assumed_role_identity_names_the_session_and_its_issuer() -> None:
    identity = authorize()["userIdentity"]
    issuer = identity["sessionContext"]["sessionIssuer"]
    assert identity["type"] == "AssumedRole"
    assert issuer["arn"] == f"arn:aws:iam::{ACCOUNT}:role/developer"
    assert issuer["principalId"] == "AROAEXAMPLEROLE000001"
    assert set(identity) == set(fixture_detail("authorize_ingress")["userIdentity"])


def test_an_authorize_record_classifies_as_the_change_with_its_group_and_rules() -> None:
    event = classify(eventbridge_event(authorize()))
    assert isinstance(event, SgChangeEvent)
    assert (event.account_id, event.region, event.group_ids) == (ACCOUNT, "eu-west-1", (GROUP,))
    assert event.rule_ids == ("sgr-01a2b3c4d5e6f7081",)
    assert event.actor.session_name == "alice@example.com"
    assert ignore_reason(event, frozenset({"arn:*:iam::*:role/sgcompliance-member"})) is None


def test_a_failed_call_carries_cloudtrail_s_error_code_and_is_ignored() -> None:
    # GIVEN a call AWS refused
    error = {"Error": {"Code": "InvalidPermission.Duplicate", "Message": "already exists"}}
    params = {"GroupId": GROUP, "IpPermissions": [SSH_WORLD]}
    record = cloudtrail_record(call("AuthorizeSecurityGroupIngress", params, error), ALICE)
    # THEN it is recorded as CloudTrail records failures, and the handler would ignore it
    assert record["errorCode"] == "Client.InvalidPermission.Duplicate"
    assert record["responseElements"] is None
    event = classify(eventbridge_event(record))
    assert isinstance(event, SgChangeEvent)
    assert ignore_reason(event, frozenset()) is IgnoreReason.FAILED_CALL


def test_the_remediator_s_own_session_is_recognised() -> None:
    # GIVEN a call by the member role's `sgcompliance-rollback` session
    own = Caller(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/sgcompliance-member/sgcompliance-rollback",
        "AROAEXAMPLEMEMBERROL1:sgcompliance-rollback", ACCOUNT, "ASIAEXAMPLEKEY000002",
    )  # fmt: skip
    params = {"GroupId": GROUP, "IpPermissions": [SSH_WORLD]}
    record = cloudtrail_record(call("AuthorizeSecurityGroupIngress", params, AUTHORIZED), own)
    # THEN the handler's loop prevention sees its own change
    event = classify(eventbridge_event(record))
    assert isinstance(event, SgChangeEvent)
    own_roles = frozenset({"arn:*:iam::*:role/sgcompliance-member"})
    assert ignore_reason(event, own_roles) is IgnoreReason.OWN_SESSION


def test_create_security_group_records_the_new_group_id_in_the_response() -> None:
    params = {"GroupName": "web-tier", "Description": "web tier", "VpcId": "vpc-0f1e2d3c4b5a69788"}
    response = {"GroupId": "sg-0d4e5f60718293a4b", "ResponseMetadata": {"RequestId": "r"}}
    record = cloudtrail_record(call("CreateSecurityGroup", params, response), ALICE)
    real = fixture_detail("create_security_group")["requestParameters"]
    assert record["requestParameters"] == real
    event = classify(eventbridge_event(record))
    assert isinstance(event, SgChangeEvent)
    assert event.group_ids == ("sg-0d4e5f60718293a4b",)


def test_modify_security_group_rules_keeps_the_api_s_own_names() -> None:
    # GIVEN a modify call of one rule
    rule = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIpv4": "0.0.0.0/0",
            "Description": "postgres"}  # fmt: skip
    params = {
        "GroupId": "sg-0c3d4e5f607182930",
        "SecurityGroupRules": [
            {"SecurityGroupRuleId": "sgr-04d5e6f7081920314", "SecurityGroupRule": rule}
        ],
    }
    record = cloudtrail_record(call("ModifySecurityGroupRules", params, {"Return": True}), ALICE)
    # THEN the request is the fixture's, and the event names the group and the rule
    assert (
        record["requestParameters"]
        == fixture_detail("modify_security_group_rules")["requestParameters"]
    )
    event = classify(eventbridge_event(record))
    assert isinstance(event, SgChangeEvent)
    assert (event.group_ids, event.rule_ids) == (
        ("sg-0c3d4e5f607182930",), ("sgr-04d5e6f7081920314",),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("RevokeSecurityGroupIngress", {"GroupId": GROUP, "SecurityGroupRuleIds": ["sgr-1"]}),
        ("UpdateSecurityGroupRuleDescriptionsEgress", {"GroupId": GROUP, "IpPermissions": []}),
    ],
)
def test_other_rule_changes_classify_as_changes_of_their_group(
    operation: str, params: dict[str, Any]
) -> None:
    record = cloudtrail_record(call(operation, params, {"Return": True}), ALICE)
    event = classify(eventbridge_event(record))
    assert isinstance(event, SgChangeEvent)
    assert (event.event_name, event.group_ids) == (operation, (GROUP,))


def test_rule_ids_given_as_a_list_become_cloudtrail_items() -> None:
    params = {"GroupId": GROUP, "SecurityGroupRuleIds": ["sgr-1", "sgr-2"]}
    record = cloudtrail_record(call("RevokeSecurityGroupEgress", params, {"Return": True}), ALICE)
    assert record["requestParameters"]["securityGroupRuleIds"] == {
        "items": [{"securityGroupRuleId": "sgr-1"}, {"securityGroupRuleId": "sgr-2"}]
    }


def test_tag_calls_are_recorded_in_cloudtrail_s_layout_and_classify_with_their_tags() -> None:
    # GIVEN the fixture of a real CloudTrail CreateTags record
    real = fixture_detail("create_tags")
    # WHEN the same call is recorded locally
    params = {"Resources": [GROUP], "Tags": [{"Key": "sgc-exemption", "Value": "EX-2026-014"}]}
    record = cloudtrail_record(call("CreateTags", params, {}), ALICE, "e2")
    # THEN the request and the response have the real layout
    assert record["requestParameters"] == real["requestParameters"]
    assert set(record["responseElements"]) == set(real["responseElements"])
    event = classify(eventbridge_event(record))
    assert isinstance(event, SgChangeEvent)
    assert event.group_ids == (GROUP,)
    assert [(e.key, e.value, e.removed) for e in event.tag_edits] == [
        ("sgc-exemption", "EX-2026-014", False)
    ]


def test_a_delete_tags_call_without_tags_has_no_tag_set() -> None:
    record = cloudtrail_record(call("DeleteTags", {"Resources": [GROUP]}, {}), ALICE, "e3")
    assert record["requestParameters"] == {"resourcesSet": {"items": [{"resourceId": GROUP}]}}
    event = classify(eventbridge_event(record))
    assert isinstance(event, SgChangeEvent)
    assert [(e.key, e.removed) for e in event.tag_edits] == [(None, True)]
