"""Reading describe-security-group-rules rows into snapshots; errors name the JSON path."""

from __future__ import annotations

from typing import Any

import pytest
from estate_builder import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    check,
    flagged,
    policy,
    port_spec,
    restricted,
    scan,
)
from snapshot_documents import Doc, groups_doc, read_error, rule_row, rules_doc

from sgcompliance.engine.model import Direction, Peer, PeerKind
from sgcompliance.errors import InputError
from sgcompliance.sources.snapshot import read_snapshot, read_snapshots

# --- DescribeSecurityGroupRules rows -----------------------------------------------------


def test_rule_rows_are_read_into_their_groups() -> None:
    # GIVEN two groups and rule rows for each
    doc = rules_doc(rule_row("sgr-1"), rule_row("sgr-2", GroupId="sg-2", IsEgress=True))
    doc["SecurityGroups"].append({"GroupId": "sg-2", "GroupName": "db"})
    # WHEN read
    snap = read_snapshot(doc)
    # THEN each group holds its own rules with their direction
    assert [(g.group_id, [(r.rule_id, r.direction) for r in g.rules]) for g in snap.groups] == [
        ("sg-1", [("sgr-1", Direction.INGRESS)]),
        ("sg-2", [("sgr-2", Direction.EGRESS)]),
    ]


def test_group_fields_are_read() -> None:
    group_json = {
        "GroupId": "sg-1",
        "GroupName": "default",
        "OwnerId": OTHER_ACCOUNT,
        "VpcId": "vpc-1",
        "Description": "d",
        "Tags": [{"Key": "Env", "Value": "prod"}, {"Key": "Empty", "Value": None}],
    }
    group = read_snapshot(groups_doc(group_json)).groups[0]
    assert (group.name, group.account_id, group.vpc_id, group.is_default) == (
        "default",
        OTHER_ACCOUNT,
        "vpc-1",
        True,
    )
    assert dict(group.tags) == {"Env": "prod", "Empty": ""}


@pytest.mark.parametrize(
    ("field", "value", "peer"),
    [
        ("CidrIpv4", "10.0.0.0/8", Peer(PeerKind.IPV4, "10.0.0.0/8")),
        ("CidrIpv6", "::/0", Peer(PeerKind.IPV6, "::/0")),
        ("PrefixListId", "pl-1", Peer(PeerKind.PREFIX_LIST, "pl-1")),
        ("ReferencedGroupInfo", {"GroupId": "sg-9", "UserId": OTHER_ACCOUNT},
         Peer(PeerKind.GROUP, "sg-9", OTHER_ACCOUNT)),
    ],
)  # fmt: skip
def test_each_kind_of_peer_is_read(field: str, value: Any, peer: Peer) -> None:
    row = rule_row(**{"CidrIpv4": None, field: value})
    assert read_snapshot(rules_doc(row)).groups[0].rules[0].peer == peer


def test_reference_with_an_empty_owner_is_to_the_groups_own_account() -> None:
    row = rule_row(CidrIpv4=None, ReferencedGroupInfo={"GroupId": "sg-9", "UserId": ""})
    assert read_snapshot(rules_doc(row)).groups[0].rules[0].peer == Peer(PeerKind.GROUP, "sg-9")


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("6", "tcp"), (6, "tcp"), ("17", "udp"), ("58", "icmpv6"), (-1, "all"), ("50", "50")],
)
def test_protocol_numbers_are_read_as_their_names(given: object, canonical: str) -> None:
    row = rule_row(IpProtocol=given)
    assert read_snapshot(rules_doc(row)).groups[0].rules[0].protocol == canonical


def test_protocol_number_6_is_judged_as_tcp() -> None:
    # GIVEN rows with protocol "6" and 6 from the world  WHEN judged for tcp 22  THEN both flagged
    snap = read_snapshot(
        rules_doc(rule_row("sgr-a", IpProtocol="6"), rule_row("sgr-b", IpProtocol=6))
    )
    assert flagged(scan(policy(check(restricted(port_spec("tcp", 22)))), snap)) == [
        "sgr-a",
        "sgr-b",
    ]


def test_rule_description_and_tags_are_read() -> None:
    row = rule_row(
        Description="bastion", Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]
    )
    rule = read_snapshot(rules_doc(row)).groups[0].rules[0]
    assert (rule.description, rule.tags) == ("bastion", (("a", "1"), ("b", "2")))


def test_prefix_lists_are_read() -> None:
    doc = rules_doc(ManagedPrefixLists={"pl-1": ["10.0.0.0/8", "::/0"]})
    assert dict(read_snapshot(doc).prefix_lists) == {"pl-1": ("10.0.0.0/8", "::/0")}


def test_a_list_of_documents_is_a_list_of_snapshots() -> None:
    snaps = read_snapshots([rules_doc(), {**rules_doc(), "region": "us-east-1"}])
    assert [s.region for s in snaps] == [REGION, "us-east-1"]


# --- errors name the JSON path -----------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "path"),
    [
        (rule_row(IpProtocol="ssh"), "$.SecurityGroupRules[0].IpProtocol"),
        (rule_row(IpProtocol="300"), "$.SecurityGroupRules[0].IpProtocol"),
        (rule_row(CidrIpv4="10.0.0.300/8"), "$.SecurityGroupRules[0].CidrIpv4"),
        (rule_row(CidrIpv4="::/0"), "$.SecurityGroupRules[0].CidrIpv4"),
        (rule_row(CidrIpv4=None, CidrIpv6="10.0.0.0/8"), "$.SecurityGroupRules[0].CidrIpv6"),
        (rule_row(GroupId=None), "$.SecurityGroupRules[0].GroupId"),
        (rule_row(SecurityGroupRuleId=None), "$.SecurityGroupRules[0].SecurityGroupRuleId"),
        (rule_row(FromPort=70000), "$.SecurityGroupRules[0].FromPort"),
        (rule_row(ToPort="22"), "$.SecurityGroupRules[0].ToPort"),
        (rule_row(FromPort=25, ToPort=20), "$.SecurityGroupRules[0].ToPort"),
        (rule_row(IsEgress="no"), "$.SecurityGroupRules[0].IsEgress"),
        (rule_row(Tags=[{"Value": "x"}]), "$.SecurityGroupRules[0].Tags[0].Key"),
        (rule_row(CidrIpv4=None, ReferencedGroupInfo={"UserId": ACCOUNT}),
         "$.SecurityGroupRules[0].ReferencedGroupInfo.GroupId"),
        (rule_row(CidrIpv4=None, ReferencedGroupInfo={"GroupId": "sg-2", "UserId": 1}),
         "$.SecurityGroupRules[0].ReferencedGroupInfo.UserId"),
    ],
    ids=["protocol-name", "protocol-number", "cidr", "ipv6-in-ipv4", "ipv4-in-ipv6", "group-id",
         "rule-id", "port-range", "port-type", "reversed-ports", "is-egress", "tag-key",
         "ref-group-id", "ref-user-id"],
)  # fmt: skip
def test_bad_rule_field_is_named_by_its_path(row: Doc, path: str) -> None:
    # GIVEN a second, valid row after the bad one  THEN the path still points at [0]
    assert read_error(rules_doc(row, rule_row("sgr-2"))).path == path


def test_two_peers_in_one_rule_are_refused_naming_both() -> None:
    error = read_error(rules_doc(rule_row("sgr-1"), rule_row("sgr-2", CidrIpv6="::/0")))
    assert error.path == "$.SecurityGroupRules[1]"
    assert "CidrIpv4, CidrIpv6" in error.detail


def test_rule_without_a_peer_is_refused() -> None:
    error = read_error(rules_doc(rule_row(CidrIpv4=None)))
    assert (error.path, "found none" in error.detail) == ("$.SecurityGroupRules[0]", True)


def test_group_without_group_id_is_named_by_its_path() -> None:
    doc = rules_doc()
    doc["SecurityGroups"] = [{"GroupId": "sg-1"}, {"GroupName": "x"}]
    assert read_error(doc).path == "$.SecurityGroups[1].GroupId"


def test_error_in_the_second_document_names_its_index() -> None:
    error = read_error([rules_doc(), rules_doc(rule_row(IpProtocol="bogus"))])
    assert error.path == "$[1].SecurityGroupRules[0].IpProtocol"


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ({"region": REGION, "SecurityGroups": []}, "$.account_id"),
        ({"account_id": ACCOUNT, "region": REGION}, "$.SecurityGroups"),
        (rules_doc(ManagedPrefixLists={"pl-1": ["10.0.0.0/8", "bad"]}),
         "$.ManagedPrefixLists.pl-1[1]"),
        (rules_doc(ManagedPrefixLists=["pl-1"]), "$.ManagedPrefixLists"),
        (rules_doc(NetworkInterfaces={"x": 1}), "$.NetworkInterfaces"),
        (rules_doc(NetworkInterfaces=[{"Association": "1.2.3.4"}]),
         "$.NetworkInterfaces[0].Association"),
        ("not a document", "$"),
    ],
)  # fmt: skip
def test_bad_document_field_is_named_by_its_path(doc: Any, path: str) -> None:
    assert read_error(doc).path == path


def test_error_message_leads_with_source_and_path() -> None:
    with pytest.raises(InputError) as info:
        read_snapshot(rules_doc(rule_row(IpProtocol="ssh")), source="estate.json")
    assert str(info.value).startswith("estate.json: $.SecurityGroupRules[0].IpProtocol: ")
