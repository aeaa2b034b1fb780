"""Security groups in normal form: one rule per peer, as `DescribeSecurityGroupRules` lists them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from sgcompliance.engine.protocol import Interval, format_ports, port_interval


class Direction(StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


class PeerKind(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    PREFIX_LIST = "prefix_list"
    GROUP = "group"


class Attachment(StrEnum):
    """Whether a group protects anything: drives severity context and reporting."""

    EXPOSED = "exposed"  # attached to an interface with a public IP
    ATTACHED = "attached"  # attached, private interfaces only
    UNATTACHED = "unattached"
    UNKNOWN = "unknown"  # the snapshot did not say


@dataclass(frozen=True, slots=True)
class Peer:
    """Exactly one peer: a CIDR, a managed prefix list, or a security-group reference."""

    kind: PeerKind
    value: str
    # For group references: the owning account (None means the group's own account).
    account_id: str | None = None

    def __str__(self) -> str:
        if self.kind is PeerKind.GROUP and self.account_id:
            return f"{self.account_id}/{self.value}"
        return self.value

    @property
    def is_cidr(self) -> bool:
        return self.kind is PeerKind.IPV4 or self.kind is PeerKind.IPV6


@dataclass(frozen=True, slots=True)
class Rule:
    rule_id: str
    group_id: str
    direction: Direction
    protocol: str
    from_port: int | None
    to_port: int | None
    peer: Peer
    description: str = ""
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def ports(self) -> Interval | None:
        """tcp/udp ports reached, or None when the protocol has no ports."""
        return port_interval(self.protocol, self.from_port, self.to_port)

    @property
    def port_text(self) -> str:
        return _port_text(self.protocol, self.from_port, self.to_port)

    def describe(self) -> str:
        arrow = "from" if self.direction is Direction.INGRESS else "to"
        return f"{self.direction.value} {self.port_text} {arrow} {self.peer}"


@lru_cache(maxsize=4096)
def _port_text(protocol: str, from_port: int | None, to_port: int | None) -> str:
    # An estate repeats a few hundred protocol/port combinations over all its rules.
    return format_ports(protocol, port_interval(protocol, from_port, to_port))


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    group_id: str
    name: str
    account_id: str
    region: str
    rules: tuple[Rule, ...]
    vpc_id: str | None = None
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    attachment: Attachment = Attachment.UNKNOWN

    @property
    def is_default(self) -> bool:
        return self.name == "default"


@dataclass(frozen=True, slots=True)
class RegionSnapshot:
    """Everything the engine needs about one account x region, read at one moment."""

    account_id: str
    region: str
    groups: tuple[SecurityGroup, ...]
    # Managed prefix list id -> its CIDR entries; a list absent here is unresolvable.
    prefix_lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
