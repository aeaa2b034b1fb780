"""Reading DescribeSecurityGroups IpPermissions: normal form is one rule per peer."""

from __future__ import annotations

from estate_builder import OTHER_ACCOUNT, check, policy, port_spec, restricted, scan
from snapshot_documents import Doc, groups_doc, permission, read_error

from sgcompliance.sources.snapshot import read_snapshot


def permissions_doc(*ingress: Doc, egress: tuple[Doc, ...] = ()) -> Doc:
    group_json = {"GroupId": "sg-1", "GroupName": "web", "IpPermissions": list(ingress),
                  "IpPermissionsEgress": list(egress)}  # fmt: skip
    return groups_doc(group_json)


def test_permission_with_two_cidrs_becomes_two_rules() -> None:
    # GIVEN one permission listing 10.0.0.0/8 and 0.0.0.0/0
    doc = permissions_doc(permission(IpRanges=[{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "0.0.0.0/0"}]))
    rules = read_snapshot(doc).groups[0].rules
    # THEN normal form holds one rule per peer, with distinct ids
    assert [r.peer.value for r in rules] == ["10.0.0.0/8", "0.0.0.0/0"]
    assert len({r.rule_id for r in rules}) == 2


def test_permission_with_three_cidrs_becomes_three_rules() -> None:
    ranges = [{"CidrIp": c} for c in ("10.0.0.0/8", "192.168.0.0/16", "0.0.0.0/0")]
    rules = read_snapshot(permissions_doc(permission(IpRanges=ranges))).groups[0].rules
    assert [(r.protocol, r.from_port, r.to_port, r.peer.value) for r in rules] == [
        ("tcp", 22, 22, "10.0.0.0/8"),
        ("tcp", 22, 22, "192.168.0.0/16"),
        ("tcp", 22, 22, "0.0.0.0/0"),
    ]


def test_only_the_world_peer_of_a_permission_is_flagged() -> None:
    # GIVEN one permission listing 10.0.0.0/8 and 0.0.0.0/0 on tcp 22
    doc = permissions_doc(permission(IpRanges=[{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "0.0.0.0/0"}]))
    snap = read_snapshot(doc)
    result = scan(policy(check(restricted(port_spec("tcp", 22)))), snap)
    world_rule = snap.groups[0].rules[1]
    # WHEN judged for world access  THEN only the 0.0.0.0/0 rule is a violation
    assert [f.rule for f in result.violations] == [world_rule]


def test_every_kind_of_permission_peer_is_a_rule_with_its_description() -> None:
    doc = permissions_doc(
        permission(
            IpRanges=[{"CidrIp": "10.0.0.0/8", "Description": "office"}],
            Ipv6Ranges=[{"CidrIpv6": "::/0"}],
            PrefixListIds=[{"PrefixListId": "pl-1"}],
            UserIdGroupPairs=[{"GroupId": "sg-9", "UserId": OTHER_ACCOUNT, "Description": "lb"}],
        ),
        egress=(permission(IpProtocol="-1", IpRanges=[{"CidrIp": "0.0.0.0/0"}]),),
    )
    rules = read_snapshot(doc).groups[0].rules
    assert [(r.direction.value, r.protocol, r.peer.kind.value, r.description) for r in rules] == [
        ("ingress", "tcp", "ipv4", "office"),
        ("ingress", "tcp", "ipv6", ""),
        ("ingress", "tcp", "prefix_list", ""),
        ("ingress", "tcp", "group", "lb"),
        ("egress", "all", "ipv4", ""),
    ]


def test_derived_rule_ids_are_stable() -> None:
    doc = permissions_doc(permission(IpRanges=[{"CidrIp": "0.0.0.0/0"}]))
    first = read_snapshot(doc).groups[0].rules[0].rule_id
    assert first.startswith("sgr-derived-")
    assert read_snapshot(doc).groups[0].rules[0].rule_id == first


def test_bad_permission_cidr_is_named_by_its_path() -> None:
    doc = permissions_doc(permission(IpRanges=[{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "nope"}]))
    assert read_error(doc).path == "$.SecurityGroups[0].IpPermissions[0].IpRanges[1].CidrIp"


def test_bad_permission_protocol_is_named_by_its_path() -> None:
    doc = permissions_doc(permission(IpProtocol="ssh", IpRanges=[{"CidrIp": "0.0.0.0/0"}]))
    assert read_error(doc).path == "$.SecurityGroups[0].IpPermissions[0].IpProtocol"


def test_permissions_that_are_not_a_list_are_named_by_their_path() -> None:
    doc = groups_doc({"GroupId": "sg-1", "IpPermissions": {"IpProtocol": "tcp"}})
    assert read_error(doc).path == "$.SecurityGroups[0].IpPermissions"
