"""Rules as `DescribeSecurityGroupRules` rows, compared by what AWS matches on: direction,
protocol, ports and peer (never id nor description). The oracles and the adversary read the
server with plain boto3 and compare with this, not with the product's own rule model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sgcompliance.engine.model import Rule
from sgcompliance.engine.rule_codec import rule_to_row
from support.estate import Permission, perm

Row = Mapping[str, Any]
# (egress, protocol, from port, to port, peer)
Content = tuple[bool, str, int | None, int | None, str]

WORLD = frozenset({"0.0.0.0/0", "::/0"})
ADMIN_PORTS = (22, 3389)
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}


def content(row: Row) -> Content:
    protocol = str(row["IpProtocol"]).lower()
    return (
        bool(row.get("IsEgress")),
        _PROTOCOLS.get(protocol, protocol),
        _port(row.get("FromPort")),
        _port(row.get("ToPort")),
        # The owner of a same-account group peer comes and goes between APIs: left out.
        peer(row).split("@", 1)[0],
    )


def rule_content(rule: Rule) -> Content:
    """The content of a rule the product hands to a port (its row as the backup stores it)."""
    return content(rule_to_row(rule))


def peer(row: Row) -> str:
    ref = row.get("ReferencedGroupInfo") or {}
    if ref:
        return f"ref:{ref['GroupId']}@{ref.get('UserId', '')}"
    if row.get("PrefixListId"):
        return f"pl:{row['PrefixListId']}"
    return str(row.get("CidrIpv4") or row.get("CidrIpv6"))


def cidr(row: Row) -> str | None:
    found = row.get("CidrIpv4") or row.get("CidrIpv6")
    return None if found is None else str(found)


def open_to_world(row: Row) -> bool:
    return cidr(row) in WORLD


def admin_exposure(row: Row) -> bool:
    """World-open and reaching an admin port (or every port): what the estate's policy revokes."""
    if not open_to_world(row):
        return False
    if str(row["IpProtocol"]) == "-1":
        return True
    ports = (_port(row.get("FromPort")), _port(row.get("ToPort")))
    low, high = ports[0] or 0, ports[1] if ports[1] is not None else 65535
    return row["IpProtocol"] == "tcp" and any(low <= p <= high for p in ADMIN_PORTS)


def permission(row: Row) -> Permission:
    """The IpPermission that adds this rule again (same content and description)."""
    ports = (row.get("FromPort", -1), row.get("ToPort", -1))
    peer_text = peer(row)
    return perm(str(row["IpProtocol"]), ports, peer_text, description=row.get("Description", ""))


def describe(row: Row) -> str:
    direction = "out" if row.get("IsEgress") else "in"
    ports = f"{row.get('FromPort')}..{row.get('ToPort')}"
    return (
        f"{row.get('SecurityGroupRuleId', '?')} {direction} {row['IpProtocol']} {ports} {peer(row)}"
    )


def _port(value: object) -> int | None:
    # EC2 reports "no port" as -1 or leaves it out, depending on the API.
    return None if value is None or int(str(value)) < 0 else int(str(value))
