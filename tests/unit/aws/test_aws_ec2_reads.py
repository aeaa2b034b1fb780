"""Region reads with a stubbed EC2 client: NextToken loops, prefix lists once, trimmed ENIs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from sgcompliance.adapters.aws.ec2 import collect, read_region, trim_interface
from sgcompliance.adapters.aws.gateway import Ec2GroupGateway
from sgcompliance.engine.model import Attachment
from sgcompliance.sources.snapshot import read_snapshot

ACCOUNT = "111111111111"
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def ec2() -> Any:
    # One client for the module: building one loads the large EC2 model (a few hundred ms).
    session = boto3.Session(
        aws_access_key_id="unit", aws_secret_access_key="unit", region_name=REGION
    )
    return session.client("ec2", endpoint_url="http://127.0.0.1:9")


@pytest.fixture
def stub(ec2: Any) -> Iterator[Stubber]:
    with Stubber(ec2) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def group(group_id: str) -> dict[str, Any]:
    return {"GroupId": group_id, "GroupName": group_id, "Description": "d", "OwnerId": ACCOUNT}


def rule(rule_id: str, group_id: str, **peer: Any) -> dict[str, Any]:
    return {
        "SecurityGroupRuleId": rule_id,
        "GroupId": group_id,
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        **peer,
    }


def test_collect_follows_next_token_until_the_last_page(ec2: Any, stub: Stubber) -> None:
    # GIVEN two pages of groups, the first carrying a NextToken
    stub.add_response(
        "describe_security_groups",
        {"SecurityGroups": [group("sg-1")], "NextToken": "page-2"},
        {"MaxResults": 1000},
    )
    stub.add_response(
        "describe_security_groups",
        {"SecurityGroups": [group("sg-2")]},
        {"MaxResults": 1000, "NextToken": "page-2"},
    )
    # WHEN collecting THEN both pages are returned in order (and the Stubber checked the token)
    groups = collect(ec2, "describe_security_groups", "SecurityGroups")
    assert [g["GroupId"] for g in groups] == ["sg-1", "sg-2"]


def stub_region(stub: Stubber, prefix_list_pages: list[dict[str, Any]]) -> None:
    stub.add_response(
        "describe_security_groups",
        {"SecurityGroups": [group("sg-1"), group("sg-2")]},
        {"MaxResults": 1000},
    )
    stub.add_response(
        "describe_security_group_rules",
        {
            "SecurityGroupRules": [
                rule("sgr-1", "sg-1", CidrIpv4="0.0.0.0/0"),
                rule("sgr-2", "sg-1", PrefixListId="pl-1"),
            ],
            "NextToken": "more",
        },
        {"MaxResults": 1000},
    )
    stub.add_response(
        "describe_security_group_rules",
        {"SecurityGroupRules": [rule("sgr-3", "sg-2", PrefixListId="pl-1")]},
        {"MaxResults": 1000, "NextToken": "more"},
    )
    stub.add_response(
        "describe_network_interfaces",
        {
            "NetworkInterfaces": [
                {
                    "NetworkInterfaceId": "eni-1",
                    "Groups": [{"GroupId": "sg-1", "GroupName": "sg-1"}],
                    "Association": {"PublicIp": "203.0.113.9"},
                    "PrivateIpAddress": "10.0.0.5",
                }
            ]
        },
        {"MaxResults": 1000},
    )
    for page in prefix_list_pages:
        stub.add_response("get_managed_prefix_list_entries", page["response"], page["expected"])


def test_read_region_pages_every_call_and_resolves_each_prefix_list_once(
    ec2: Any, stub: Stubber
) -> None:
    # GIVEN rules on two pages, two of them referencing the same prefix list (on two pages)
    stub_region(
        stub,
        [
            {
                "response": {"Entries": [{"Cidr": "0.0.0.0/0"}], "NextToken": "e2"},
                "expected": {"PrefixListId": "pl-1", "MaxResults": 100},
            },
            {
                "response": {"Entries": [{"Cidr": "10.0.0.0/8"}]},
                "expected": {"PrefixListId": "pl-1", "MaxResults": 100, "NextToken": "e2"},
            },
        ],
    )
    # WHEN reading the region
    doc = read_region(ec2, ACCOUNT, REGION)
    # THEN the list was read once (all pages), rules from both pages are there, and the
    # engine's reader accepts the document
    assert doc["ManagedPrefixLists"] == {"pl-1": ["0.0.0.0/0", "10.0.0.0/8"]}
    snapshot = read_snapshot(doc)
    rules = {r.rule_id for g in snapshot.groups for r in g.rules}
    assert rules == {"sgr-1", "sgr-2", "sgr-3"}


def test_read_region_derives_attachment_from_network_interfaces(ec2: Any, stub: Stubber) -> None:
    stub_region(
        stub,
        [{"response": {"Entries": []}, "expected": {"PrefixListId": "pl-1", "MaxResults": 100}}],
    )
    snapshot = read_snapshot(read_region(ec2, ACCOUNT, REGION))
    attachment = {g.group_id: g.attachment for g in snapshot.groups}
    assert attachment == {"sg-1": Attachment.EXPOSED, "sg-2": Attachment.UNATTACHED}


def test_an_unreadable_prefix_list_is_left_out_for_the_engine_to_report(
    ec2: Any, stub: Stubber
) -> None:
    # GIVEN the prefix list is gone (shared list no longer visible, or deleted)
    stub_region(stub, [])
    stub.add_client_error(
        "get_managed_prefix_list_entries",
        service_error_code="InvalidPrefixListID.NotFound",
        expected_params={"PrefixListId": "pl-1", "MaxResults": 100},
    )
    # WHEN reading THEN the region still reads, without the list
    doc = read_region(ec2, ACCOUNT, REGION)
    assert doc["ManagedPrefixLists"] == {}


def test_trimmed_interface_keeps_groups_and_public_addresses_only() -> None:
    trimmed = trim_interface(
        {
            "NetworkInterfaceId": "eni-9",
            "Groups": [{"GroupId": "sg-1", "GroupName": "web"}],
            "PrivateIpAddress": "10.0.0.9",
            "MacAddress": "02:00:00:00:00:01",
            "Ipv6Addresses": [{"Ipv6Address": "2001:db8::1"}],
        }
    )
    assert trimmed == {
        "NetworkInterfaceId": "eni-9",
        "Groups": [{"GroupId": "sg-1"}],
        "Ipv6Addresses": [{"Ipv6Address": "2001:db8::1"}],
    }


def test_a_public_ip_on_a_secondary_address_makes_the_interface_public() -> None:
    trimmed = trim_interface(
        {
            "Groups": [{"GroupId": "sg-1"}],
            "PrivateIpAddresses": [
                {"PrivateIpAddress": "10.0.0.9"},
                {"PrivateIpAddress": "10.0.0.10", "Association": {"PublicIp": "198.51.100.7"}},
            ],
        }
    )
    assert trimmed["Association"] == {"PublicIp": "198.51.100.7"}


def test_without_permission_to_list_interfaces_attachment_is_unknown(
    ec2: Any, stub: Stubber
) -> None:
    # GIVEN the role may read groups but not network interfaces
    stub.add_response("describe_security_groups", {"SecurityGroups": [group("sg-1")]})
    stub.add_response("describe_security_group_rules", {"SecurityGroupRules": []})
    stub.add_client_error("describe_network_interfaces", service_error_code="UnauthorizedOperation")
    # WHEN reading THEN the region reads, and the engine is told attachment is unknown
    snapshot = read_snapshot(read_region(ec2, ACCOUNT, REGION))
    assert [g.attachment for g in snapshot.groups] == [Attachment.UNKNOWN]


def test_groups_of_reads_the_listed_groups_by_content_in_one_call(ec2: Any, stub: Stubber) -> None:
    # GIVEN a describe (one group-id filter) answering the two groups asked for, and one more
    # (a filter AWS answered loosely)
    ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
           "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}]}  # fmt: skip
    tagged = {
        **group("sg-1"),
        "IpPermissions": [ssh],
        "Tags": [{"Key": "sgc:backup", "Value": "b"}],
    }
    stub.add_response(
        "describe_security_groups",
        {"SecurityGroups": [tagged, group("sg-2"), group("sg-9")]},
        {"MaxResults": 1000, "Filters": [{"Name": "group-id", "Values": ["sg-1", "sg-2", "sg-3"]}]},
    )
    # WHEN the gateway reads the groups sg-1, sg-2 and sg-3 (gone)
    found = Ec2GroupGateway(ec2, ACCOUNT, REGION).groups_of(["sg-1", "sg-2", "sg-3"])
    # THEN it has the two that exist, with their tags and one rule per peer, by content
    assert sorted(found) == ["sg-1", "sg-2"]
    assert found["sg-1"].tags == {"sgc:backup": "b"}
    assert sorted(r.peer.value for r in found["sg-1"].rules) == ["0.0.0.0/0", "10.0.0.0/8"]
    assert {(r.protocol, r.from_port, r.to_port) for r in found["sg-1"].rules} == {("tcp", 22, 22)}
    assert found["sg-2"].rules == ()
