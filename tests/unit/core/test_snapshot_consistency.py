"""A snapshot is judged in full: a rule row whose group is missing, or a group whose
`IpPermissions` disagree with its `SecurityGroupRules` rows, is an error naming where, never a
silent pass. A `describe-security-groups` document alone (no `SecurityGroupRules`) stays valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from estate_builder import ACCOUNT, OTHER_ACCOUNT
from snapshot_documents import Doc, groups_doc, permission, read_error, rule_row, rules_doc

from sgcompliance.errors import InputError
from sgcompliance.sources.snapshot import (
    InconsistentSnapshotError,
    read_snapshot,
    read_snapshots,
    rules_disagreements,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "estate.json"
WORLD_SSH = permission(IpRanges=[{"CidrIp": "0.0.0.0/0"}])


def group(group_id: str = "sg-1", **fields: Any) -> Doc:
    return {"GroupId": group_id, "GroupName": group_id, **fields}


# --- rules whose group is not in SecurityGroups -------------------------------------------


def test_a_rule_of_a_group_missing_from_security_groups_is_an_error_naming_both() -> None:
    # GIVEN a rule row of sg-9, a group SecurityGroups does not list
    doc = rules_doc(rule_row("sgr-1"), rule_row("sgr-orphan", GroupId="sg-9"))
    # WHEN read  THEN the error names the rule, the group and the JSON path
    error = read_error(doc)
    assert error.path == "$.SecurityGroupRules[1].GroupId"
    assert "sgr-orphan" in error.detail
    assert "sg-9" in error.detail
    assert "SecurityGroups" in error.detail


def test_an_orphan_rule_in_a_list_of_snapshots_names_its_snapshot() -> None:
    good = rules_doc(rule_row("sgr-1"))
    orphan = rules_doc(rule_row("sgr-1"), rule_row("sgr-2", GroupId="sg-gone"))
    error = read_error([good, orphan])
    assert error.path == "$[1].SecurityGroupRules[1].GroupId"


def test_a_snapshot_of_only_orphans_is_not_read_as_an_empty_estate() -> None:
    doc = {**rules_doc(rule_row("sgr-1", GroupId="sg-2")), "SecurityGroups": []}
    assert read_error(doc).path == "$.SecurityGroupRules[0].GroupId"


# --- IpPermissions against SecurityGroupRules ---------------------------------------------


def test_world_ssh_in_ip_permissions_without_its_rule_row_is_an_error() -> None:
    # GIVEN a group whose IpPermissions open tcp 22 to the world, and no rule row of it
    doc = {
        **groups_doc(group("sg-1", IpPermissions=[WORLD_SSH]), group("sg-2")),
        "SecurityGroupRules": [rule_row("sgr-2", GroupId="sg-2", CidrIpv4="10.0.0.0/8")],
    }
    doc["SecurityGroups"][1]["IpPermissions"] = [permission(IpRanges=[{"CidrIp": "10.0.0.0/8"}])]
    # WHEN read  THEN the error names the group, the rule content and where it is
    error = read_error(doc)
    assert isinstance(error, InconsistentSnapshotError)
    assert error.path == "$.SecurityGroups[0].IpPermissions[0].IpRanges[0]"
    assert "sg-1" in error.detail
    assert "ingress tcp 22 from 0.0.0.0/0" in error.detail
    assert "SecurityGroupRules" in error.detail


def test_a_rule_row_that_ip_permissions_do_not_list_is_an_error_at_the_row() -> None:
    doc = {
        **groups_doc(group("sg-1", IpPermissions=[], IpPermissionsEgress=[])),
        "SecurityGroupRules": [rule_row("sgr-1", CidrIpv4="0.0.0.0/0")],
    }
    error = read_error(doc)
    assert error.path == "$.SecurityGroupRules[0]"
    assert "sgr-1" in error.detail
    assert "IpPermissions" in error.detail


def test_egress_is_compared_on_its_own() -> None:
    # GIVEN matching ingress, and an egress permission to the world with no rule row
    egress = permission(
        IpProtocol="-1", FromPort=None, ToPort=None, IpRanges=[{"CidrIp": "0.0.0.0/0"}]
    )
    doc = {
        **groups_doc(group("sg-1", IpPermissions=[WORLD_SSH], IpPermissionsEgress=[egress])),
        "SecurityGroupRules": [rule_row("sgr-1")],
    }
    error = read_error(doc)
    assert error.path == "$.SecurityGroups[0].IpPermissionsEgress[0].IpRanges[0]"
    assert "egress all traffic to 0.0.0.0/0" in error.detail


def test_every_difference_is_counted_in_the_message() -> None:
    ranges = [{"CidrIp": c} for c in ("0.0.0.0/0", "10.0.0.0/8", "192.168.0.0/16")]
    doc = {**groups_doc(group("sg-1", IpPermissions=[permission(IpRanges=ranges)]))}
    doc["SecurityGroupRules"] = []
    assert "and 2 more" in read_error(doc).detail


def test_agreeing_halves_are_read_from_the_rule_rows() -> None:
    # GIVEN IpPermissions as DescribeSecurityGroups prints them: one permission with two
    # peers, all traffic without ports, a group peer; and the matching rule rows, whose
    # descriptions differ (descriptions are not compared)
    perms = [
        permission(IpRanges=[{"CidrIp": "10.0.0.0/8", "Description": "office"},
                             {"CidrIp": "0.0.0.0/0"}]),
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-9", "UserId": OTHER_ACCOUNT}]},
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
    ]  # fmt: skip
    egress = [{"IpProtocol": "-1", "PrefixListIds": [{"PrefixListId": "pl-1"}]}]
    rows = [
        rule_row("sgr-a", CidrIpv4="10.0.0.0/8", Description="changed since"),
        rule_row("sgr-b"),
        rule_row("sgr-c", IpProtocol="-1", FromPort=-1, ToPort=-1, CidrIpv4=None,
                 ReferencedGroupInfo={"GroupId": "sg-9", "UserId": OTHER_ACCOUNT}),
        rule_row("sgr-d", IpProtocol="icmp", FromPort=-1, ToPort=-1, CidrIpv4=None,
                 CidrIpv6="::/0"),
        rule_row("sgr-e", IsEgress=True, IpProtocol="-1", FromPort=-1, ToPort=-1,
                 CidrIpv4=None, PrefixListId="pl-1"),
    ]  # fmt: skip
    doc = {
        **groups_doc(group("sg-1", IpPermissions=perms, IpPermissionsEgress=egress)),
        "SecurityGroupRules": rows,
    }
    # WHEN read  THEN the rules are the rows, with their real ids
    rules = read_snapshot(doc).groups[0].rules
    assert [r.rule_id for r in rules] == ["sgr-a", "sgr-b", "sgr-c", "sgr-d", "sgr-e"]


def test_a_group_reference_without_user_id_is_the_groups_own_account() -> None:
    perms = [permission(UserIdGroupPairs=[{"GroupId": "sg-2"}])]
    rows = [rule_row(CidrIpv4=None, ReferencedGroupInfo={"GroupId": "sg-2", "UserId": ACCOUNT})]
    doc = {**groups_doc(group("sg-1", IpPermissions=perms)), "SecurityGroupRules": rows}
    assert [r.rule_id for r in read_snapshot(doc).groups[0].rules] == ["sgr-1"]


def test_a_group_without_ip_permissions_keys_is_read_from_its_rows_alone() -> None:
    # `sgc snapshot` writes groups without IpPermissions: nothing to compare, nothing refused
    doc = rules_doc(rule_row("sgr-1"))
    assert [r.rule_id for r in read_snapshot(doc).groups[0].rules] == ["sgr-1"]


def test_describe_security_groups_alone_is_still_judged_from_ip_permissions() -> None:
    doc = groups_doc(group("sg-1", IpPermissions=[WORLD_SSH]))
    rules = read_snapshot(doc).groups[0].rules
    assert [(r.protocol, r.from_port, r.peer.value) for r in rules] == [("tcp", 22, "0.0.0.0/0")]


def test_the_example_estate_reads_with_its_rule_ids() -> None:
    snapshots = read_snapshots(json.loads(EXAMPLE.read_text("utf-8")), "estate.json")
    ids = [r.rule_id for s in snapshots for g in s.groups for r in g.rules]
    assert ids
    assert not any(i.startswith("sgr-derived-") for i in ids)


def test_the_example_estate_with_one_rule_row_removed_is_refused() -> None:
    docs = json.loads(EXAMPLE.read_text("utf-8"))
    removed = docs[0]["SecurityGroupRules"].pop(3)
    with pytest.raises(InconsistentSnapshotError) as info:
        read_snapshots(docs, "estate.json")
    assert removed["GroupId"] in info.value.detail


def test_an_error_message_stays_short_whatever_the_ids() -> None:
    huge = "sg-" + "x" * 10_000
    doc = rules_doc(rule_row("sgr-" + "y" * 10_000, GroupId=huge))
    assert len(str(read_error(doc))) < 400


def test_disagreements_are_listed_for_callers_that_read_aws_themselves() -> None:
    groups = [group("sg-1", IpPermissions=[WORLD_SSH], IpPermissionsEgress=[])]
    found = rules_disagreements(groups, [], ACCOUNT)
    assert [(d.group_id, d.text) for d in found] == [
        ("sg-1", "ingress tcp 22 from 0.0.0.0/0 is in IpPermissions, not in SecurityGroupRules")
    ]
    assert rules_disagreements(groups, [rule_row("sgr-1")], ACCOUNT) == []


def test_the_error_is_an_input_error() -> None:
    assert issubclass(InconsistentSnapshotError, InputError)
