"""Rules back to AWS shapes: `DescribeSecurityGroupRules` rows and `IpPermission`s."""

from __future__ import annotations

from typing import Any

from sgcompliance.engine.model import Direction, PeerKind, Rule
from sgcompliance.engine.protocol import ALL

_ROW_PEER_KEY = {
    PeerKind.IPV4: "CidrIpv4",
    PeerKind.IPV6: "CidrIpv6",
    PeerKind.PREFIX_LIST: "PrefixListId",
}


def aws_protocol(protocol: str) -> str:
    return "-1" if protocol == ALL else protocol


def rule_to_row(rule: Rule) -> dict[str, Any]:
    """The `DescribeSecurityGroupRules` row that `snapshot.parse_rule` reads back to `rule`."""
    row: dict[str, Any] = {
        "SecurityGroupRuleId": rule.rule_id,
        "GroupId": rule.group_id,
        "IsEgress": rule.direction is Direction.EGRESS,
        "IpProtocol": aws_protocol(rule.protocol),
    }
    if rule.from_port is not None:
        row["FromPort"] = rule.from_port
    if rule.to_port is not None:
        row["ToPort"] = rule.to_port
    if rule.peer.kind is PeerKind.GROUP:
        ref: dict[str, str] = {"GroupId": rule.peer.value}
        if rule.peer.account_id:
            ref["UserId"] = rule.peer.account_id
        row["ReferencedGroupInfo"] = ref
    else:
        row[_ROW_PEER_KEY[rule.peer.kind]] = rule.peer.value
    if rule.description:
        row["Description"] = rule.description
    if rule.tags:
        row["Tags"] = [{"Key": k, "Value": v} for k, v in rule.tags]
    return row


def ip_permission(rule: Rule) -> dict[str, Any]:
    """One `IpPermission` re-creating exactly this rule (protocol, ports, peer, description)."""
    perm: dict[str, Any] = {"IpProtocol": aws_protocol(rule.protocol)}
    if rule.from_port is not None:
        perm["FromPort"] = rule.from_port
    if rule.to_port is not None:
        perm["ToPort"] = rule.to_port
    described = {"Description": rule.description} if rule.description else {}
    peer = rule.peer
    if peer.kind is PeerKind.IPV4:
        perm["IpRanges"] = [{"CidrIp": peer.value, **described}]
    elif peer.kind is PeerKind.IPV6:
        perm["Ipv6Ranges"] = [{"CidrIpv6": peer.value, **described}]
    elif peer.kind is PeerKind.PREFIX_LIST:
        perm["PrefixListIds"] = [{"PrefixListId": peer.value, **described}]
    else:
        pair: dict[str, str] = {"GroupId": peer.value, **described}
        if peer.account_id:
            pair["UserId"] = peer.account_id
        perm["UserIdGroupPairs"] = [pair]
    return perm


def rule_identity(rule: Rule) -> tuple[str, str, int | None, int | None, str, str, str]:
    """What makes two rules the same rule to AWS, whatever their ids and descriptions."""
    return (
        rule.direction.value,
        aws_protocol(rule.protocol),
        _bound(rule.from_port),
        _bound(rule.to_port),
        rule.peer.kind.value,
        rule.peer.value,
        rule.peer.account_id or "",
    )


def _bound(port: int | None) -> int | None:
    # EC2 reports "no port" as -1 or leaves it out, depending on the API.
    return None if port is None or port < 0 else port
