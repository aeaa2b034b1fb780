"""One security-group rule of a CloudFormation template, in the engine's normal form: an entry of
a group's `SecurityGroupIngress` / `SecurityGroupEgress`, or the properties of a standalone
`AWS::EC2::SecurityGroupIngress` / `Egress`, already resolved (see `cfn_intrinsics`).

Exactly one peer: `CidrIp`, `CidrIpv6`, a prefix list (`SourcePrefixListId` /
`DestinationPrefixListId`: a `pl-...` id, or a prefix list of the template by logical id) or a
group (`SourceSecurityGroupId` / `DestinationSecurityGroupId`, `SourceSecurityGroupName`: an id
or name written out, or a group of the template by logical id; `SourceSecurityGroupOwnerId` its
account). `IpProtocol` by name or number (`-1` all traffic), ports as numbers or their text.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any

from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule
from sgcompliance.engine.network import cidr_info
from sgcompliance.engine.protocol import PORT_PROTOCOLS, normalize_protocol
from sgcompliance.errors import InputError
from sgcompliance.sources.cfn_intrinsics import (
    PREFIX_LIST,
    SECURITY_GROUP,
    ResourceId,
    Unknown,
    kind_of,
    shown,
)
from sgcompliance.sources.code_estate import UNKNOWN_PEER


@dataclass(frozen=True, slots=True)
class Side:
    """The properties of one direction's rules."""

    direction: Direction
    # The group's property listing them.
    inline: str
    peers: tuple[tuple[str, PeerKind], ...]
    owner: str | None
    # How a standalone rule resource of this direction names its group.
    targets: frozenset[str]

    @property
    def properties(self) -> frozenset[str]:
        """What a rule of this direction may say (its group aside)."""
        owner = {self.owner} if self.owner else set()
        return _COMMON | {name for name, _ in self.peers} | owner


_COMMON = frozenset({"IpProtocol", "FromPort", "ToPort", "Description"})
INGRESS = Side(
    Direction.INGRESS,
    "SecurityGroupIngress",
    (
        ("CidrIp", PeerKind.IPV4),
        ("CidrIpv6", PeerKind.IPV6),
        ("SourcePrefixListId", PeerKind.PREFIX_LIST),
        ("SourceSecurityGroupId", PeerKind.GROUP),
        ("SourceSecurityGroupName", PeerKind.GROUP),
    ),
    "SourceSecurityGroupOwnerId",
    frozenset({"GroupId", "GroupName"}),
)
EGRESS = Side(
    Direction.EGRESS,
    "SecurityGroupEgress",
    (
        ("CidrIp", PeerKind.IPV4),
        ("CidrIpv6", PeerKind.IPV6),
        ("DestinationPrefixListId", PeerKind.PREFIX_LIST),
        ("DestinationSecurityGroupId", PeerKind.GROUP),
    ),
    None,
    frozenset({"GroupId"}),
)


@dataclass(frozen=True, slots=True)
class UnknownPart:
    """A rule one of whose properties is known only once deployed: which, why, and what is
    known of the rule (its peer reads `UNKNOWN_PEER`) when only the peer is unknown."""

    property: str
    reason: str
    placeholder: Rule | None = None


class RuleReader:
    """Reads the rules of one template: `logical_ids` are its resources' (never an id written
    out), `unknown_lists` its prefix lists whose entries are not known, and why."""

    def __init__(
        self, source: str, logical_ids: Container[str], unknown_lists: Mapping[str, Unknown]
    ) -> None:
        self.source = source
        self.logical_ids = logical_ids
        self.unknown_lists = unknown_lists

    def rule(
        self, entry: Mapping[str, Any], side: Side, rule_id: str, group_id: str, path: str
    ) -> Rule | UnknownPart:
        """The rule `entry` declares for `group_id`, or what about it is not known yet."""
        for name in ("IpProtocol", "FromPort", "ToPort"):
            value = entry.get(name)
            if isinstance(value, Unknown):
                return UnknownPart(name, value.reason)
        protocol, from_port, to_port = self._protocol_and_ports(entry, path)
        description = entry.get("Description", "")
        description = description if isinstance(description, str) else ""
        peers = [(name, kind) for name, kind in side.peers if name in entry]
        if len(peers) != 1:
            names = ", ".join(name for name, _ in side.peers)
            raise InputError(
                f"a rule names exactly one peer ({names}); this one names "
                + (", ".join(name for name, _ in peers) if peers else "none"),
                path=path,
                source=self.source,
            )
        ((name, kind),) = peers
        peer = self._peer(entry, name, kind, side, f"{path}.{name}")

        def made(peer: Peer) -> Rule:
            return Rule(
                rule_id, group_id, side.direction, protocol, from_port, to_port, peer, description
            )

        if isinstance(peer, Unknown):
            return UnknownPart(name, peer.reason, made(Peer(kind, UNKNOWN_PEER)))
        return made(peer)

    def not_a_logical_id(self, text: str, path: str) -> str:
        """`text`, an id written out, unless it is a logical id of the template: the id a
        resource gets is not its logical id, and a group must not stand for another."""
        if text in self.logical_ids:
            raise InputError(
                f"{shown(text)} is the logical id of a resource of this template, written as text",
                path=path,
                source=self.source,
                hint=f"write !Ref {text} (or !GetAtt) to name that resource",
            )
        return text

    def check_cidr(self, cidr: str, version: int, path: str) -> None:
        try:
            info = cidr_info(cidr)
        except ValueError as exc:
            raise InputError(
                f"{shown(cidr)} is not a valid CIDR", path=path, source=self.source
            ) from exc
        if info.version != version:
            raise InputError(
                f"{shown(cidr)} is not an IPv{version} CIDR", path=path, source=self.source
            )

    def _protocol_and_ports(
        self, entry: Mapping[str, Any], path: str
    ) -> tuple[str, int | None, int | None]:
        for name in ("IpProtocol", "FromPort", "ToPort"):
            value = entry.get(name)
            if isinstance(value, ResourceId):
                raise InputError(
                    f"expected a {'protocol' if name == 'IpProtocol' else 'port'}, got "
                    f"{value.describe()}",
                    path=f"{path}.{name}",
                    source=self.source,
                )
        if "IpProtocol" not in entry:
            raise InputError(
                "a rule needs an IpProtocol (tcp, udp, icmp, icmpv6, -1 or a number)",
                path=f"{path}.IpProtocol",
                source=self.source,
            )
        try:
            protocol = normalize_protocol(entry["IpProtocol"])
        except ValueError as exc:
            raise InputError(str(exc), path=f"{path}.IpProtocol", source=self.source) from exc
        from_port = self._port(entry.get("FromPort"), f"{path}.FromPort")
        to_port = self._port(entry.get("ToPort"), f"{path}.ToPort")
        reversed_range = from_port is not None and to_port is not None and 0 <= to_port < from_port
        if protocol in PORT_PROTOCOLS and reversed_range:
            raise InputError(
                f"ToPort {to_port} is below FromPort {from_port}",
                path=f"{path}.ToPort",
                source=self.source,
            )
        return protocol, from_port, to_port

    def _port(self, value: object, path: str) -> int | None:
        if value is None:
            return None
        # CloudFormation takes a port written as text ("22") as the number.
        if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 8:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not -1 <= value <= 65535:
            raise InputError(
                f"expected a port number from -1 to 65535, got {shown(value)}",
                path=path,
                source=self.source,
            )
        return value

    def _peer(
        self, entry: Mapping[str, Any], name: str, kind: PeerKind, side: Side, path: str
    ) -> Peer | Unknown:
        value = entry[name]
        if isinstance(value, Unknown):
            return value
        if kind is PeerKind.GROUP:
            owner = entry.get(side.owner) if side.owner else None
            if isinstance(owner, Unknown):
                return owner
            if owner is not None and not isinstance(owner, str | int):
                raise InputError(
                    f"expected an account id, got {kind_of(owner)}",
                    path=f"{path.rsplit('.', 1)[0]}.{side.owner}",
                    source=self.source,
                )
            account = str(owner) if owner is not None else None
            if isinstance(value, ResourceId):
                if value.type != SECURITY_GROUP:
                    raise InputError(
                        f"expected a security group, got {value.describe()}",
                        path=path,
                        source=self.source,
                    )
                return Peer(PeerKind.GROUP, value.logical_id, account)
            return Peer(
                PeerKind.GROUP, self.not_a_logical_id(self._string(value, path), path), account
            )
        if kind is PeerKind.PREFIX_LIST:
            if isinstance(value, ResourceId):
                if value.type != PREFIX_LIST:
                    raise InputError(
                        f"expected a prefix list, got {value.describe()}",
                        path=path,
                        source=self.source,
                    )
                unknown = self.unknown_lists.get(value.logical_id)
                if unknown is not None:
                    return Unknown(
                        f"the entries of prefix list {value.logical_id}: {unknown.reason}"
                    )
                return Peer(PeerKind.PREFIX_LIST, value.logical_id)
            return Peer(
                PeerKind.PREFIX_LIST, self.not_a_logical_id(self._string(value, path), path)
            )
        if isinstance(value, ResourceId):
            raise InputError(
                f"expected a CIDR, got {value.describe()}", path=path, source=self.source
            )
        cidr = self._string(value, path)
        self.check_cidr(cidr, 4 if kind is PeerKind.IPV4 else 6, path)
        return Peer(kind, cidr)

    def _string(self, value: object, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise InputError(
                f"expected a non-empty string, got {kind_of(value)}", path=path, source=self.source
            )
        return value
