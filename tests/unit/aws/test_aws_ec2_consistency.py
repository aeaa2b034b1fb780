"""Live reads say when AWS describes an account-region two ways: DescribeSecurityGroups and
DescribeSecurityGroupRules are two calls, and a group may change between them. A disagreement
is read again once; one that persists fails the account-region by name instead of passing it.
An endpoint answering pages that are not AWS's fails it too, naming a region the SDK does not
know."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from sgcompliance.adapters.aws.accounts import known_region
from sgcompliance.adapters.aws.ec2 import read_group, read_region
from sgcompliance.adapters.aws.errors import InconsistentReadError
from sgcompliance.errors import AwsApiError, AwsUnavailableError
from sgcompliance.sources.snapshot import read_snapshot
from support.any_order_stubber import AnyOrderStubber

ACCOUNT = "111111111111"
REGION = "eu-west-1"
WORLD = [{"CidrIp": "0.0.0.0/0"}]
WORLD_SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": WORLD}


@pytest.fixture(scope="module")
def ec2() -> Any:
    session = boto3.Session(
        aws_access_key_id="unit", aws_secret_access_key="unit", region_name=REGION
    )
    return session.client("ec2", endpoint_url="http://127.0.0.1:9")


@pytest.fixture
def stub(ec2: Any) -> Iterator[Stubber]:
    with Stubber(ec2) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def group(group_id: str = "sg-1", ingress: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "GroupId": group_id,
        "GroupName": group_id,
        "OwnerId": ACCOUNT,
        "IpPermissions": ingress if ingress is not None else [WORLD_SSH],
        "IpPermissionsEgress": [],
    }


def ssh_rule(rule_id: str = "sgr-1", group_id: str = "sg-1") -> dict[str, Any]:
    return {
        "SecurityGroupRuleId": rule_id, "GroupId": group_id, "IsEgress": False,
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "0.0.0.0/0",
    }  # fmt: skip


def pair(stub: Stubber, groups: list[dict[str, Any]], rules: list[dict[str, Any]]) -> None:
    stub.add_response("describe_security_groups", {"SecurityGroups": groups})
    stub.add_response("describe_security_group_rules", {"SecurityGroupRules": rules})


def interfaces(stub: Stubber) -> None:
    stub.add_response("describe_network_interfaces", {"NetworkInterfaces": []})


def test_groups_and_rules_that_disagree_twice_fail_the_region_by_name(
    ec2: Any, stub: Stubber
) -> None:
    # GIVEN AWS twice lists tcp 22 from the world in IpPermissions and no rule row for it
    pair(stub, [group()], [])
    pair(stub, [group()], [])
    # WHEN the region is read  THEN it fails, naming the scope, the group and the rule
    with pytest.raises(InconsistentReadError) as info:
        read_region(ec2, ACCOUNT, REGION)
    assert str(info.value) == (
        f"{ACCOUNT}/{REGION}: DescribeSecurityGroups and DescribeSecurityGroupRules disagreed "
        "in 2 reads: group sg-1: ingress tcp 22 from 0.0.0.0/0 is in IpPermissions, not in "
        "SecurityGroupRules"
    )
    assert info.value.code == "SGC505"


def test_a_disagreement_that_goes_away_is_read_from_the_second_read(
    ec2: Any, stub: Stubber
) -> None:
    # GIVEN a rule added between the two calls of the first read (only its row is seen)
    pair(stub, [group(ingress=[])], [ssh_rule()])
    pair(stub, [group()], [ssh_rule()])
    interfaces(stub)
    # WHEN read  THEN the second, agreeing read is the snapshot
    snapshot = read_snapshot(read_region(ec2, ACCOUNT, REGION))
    assert [r.rule_id for g in snapshot.groups for r in g.rules] == ["sgr-1"]


def test_a_group_created_between_the_two_calls_is_read_again(ec2: Any, stub: Stubber) -> None:
    # GIVEN sg-2 created after DescribeSecurityGroups: its rule row has no group the first time
    pair(stub, [group()], [ssh_rule(), ssh_rule("sgr-2", "sg-2")])
    pair(stub, [group(), group("sg-2")], [ssh_rule(), ssh_rule("sgr-2", "sg-2")])
    interfaces(stub)
    snapshot = read_snapshot(read_region(ec2, ACCOUNT, REGION))
    assert [g.group_id for g in snapshot.groups] == ["sg-1", "sg-2"]


def test_one_group_read_for_an_event_is_checked_the_same_way(ec2: Any) -> None:
    # (the group and its rule rows are read at once: in no fixed order)
    with AnyOrderStubber(ec2) as stub:
        for _ in range(2):
            stub.add_response("describe_security_groups", {"SecurityGroups": [group()]},
                              {"GroupIds": ["sg-1"]})  # fmt: skip
            stub.add_response("describe_security_group_rules", {"SecurityGroupRules": []})
        with pytest.raises(InconsistentReadError) as info:
            read_group(ec2, ACCOUNT, REGION, "sg-1")
        stub.assert_no_pending_responses()
    assert "group sg-1: ingress tcp 22 from 0.0.0.0/0" in str(info.value)


def test_a_page_that_is_not_an_aws_answer_fails_the_region(ec2: Any, stub: Stubber) -> None:
    # GIVEN an endpoint answering HTTP 200 with an HTML page: botocore reads no groups from it
    html = {"HTTPStatusCode": 200, "HTTPHeaders": {"content-type": "text/html"}}
    stub.add_response("describe_security_groups", {"ResponseMetadata": html})
    # WHEN the region is read  THEN it fails instead of being an empty region
    with pytest.raises(AwsUnavailableError) as info:
        read_region(ec2, ACCOUNT, REGION)
    assert "not an AWS response (HTTP 200, an HTML page, no request id)" in str(info.value)


def test_a_failure_in_a_region_the_sdk_does_not_know_says_so(ec2: Any, stub: Stubber) -> None:
    stub.add_client_error("describe_security_groups", http_status_code=500,
                          service_error_code="InternalError", service_message="boom")  # fmt: skip
    with pytest.raises(AwsApiError) as info:
        read_region(ec2, ACCOUNT, "xx-west-9")
    assert str(info.value).endswith("(xx-west-9 is not a region this AWS SDK knows)")


def test_a_failure_in_a_known_region_adds_nothing(ec2: Any, stub: Stubber) -> None:
    stub.add_client_error("describe_security_groups", service_error_code="InternalError")
    with pytest.raises(AwsApiError) as info:
        read_region(ec2, ACCOUNT, REGION)
    assert "region" not in str(info.value)


@pytest.mark.parametrize(
    ("region", "known"),
    [("eu-west-1", True), ("cn-north-1", True), ("us-gov-west-1", True), ("xx-west-9", False)],
)
def test_known_regions_are_the_sdks(region: str, known: bool) -> None:
    assert known_region(region) is known
