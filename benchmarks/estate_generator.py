"""Deterministic synthetic estates of security groups for the engine benchmark.

An estate of N groups is spread evenly over 3 accounts x 2 regions (one `RegionSnapshot` each)
and drawn from a `random.Random(seed)`, so the same (N, seed) always gives the same estate.

The mix, chosen to look like a real organization rather than a worst case:

- Groups: 1 in 20 is a VPC's `default` group; 70% of those have the stock rules (ingress all
  traffic from itself, egress all traffic to 0.0.0.0/0) and 30% were closed (no rules).
- Every other group has 6-14 rules (about 10): 90% carry the stock egress all-traffic rule to
  0.0.0.0/0, 15% also one to ::/0, the rest is ingress drawn by weight:
  40% private IPv4 CIDRs (10/8, 172.16/12, 192.168/16; /16, /24, and 5% single hosts),
  25% same-account group references, 3% cross-account references (half to another account of
  the estate, half to an outside account), 10% public /32s (a shared pool of partner and office
  addresses, 5% one-off hosts), 5% world-open IPv4, 3% world-open IPv6, 3% private IPv6 (ULA),
  2% public IPv6 (/64 and /128), 2% wide public IPv4 ranges (/12-/22), 2% managed prefix
  lists (80% resolvable: private, public-office, CDN-like and one containing 0.0.0.0/0),
  3% icmp (echo) from private or world peers, and 2% other protocols (ESP, GRE).
- Ports of tcp/udp rules: 80% single tcp ports (web ports dominate world-open rules; admin
  and database ports appear on every kind of peer), 8% tcp ranges (ephemeral, 8000-8999,
  NodePorts, all ports), 7% single udp ports, 5% protocol -1.
- 1% of groups have a pair of public /1s (0.0.0.0/1 + 128.0.0.0/1) on one port, and 0.2% the
  IPv6 pair (::/1 + 8000::/1): world-open only by coverage.
- Descriptions: 85% of rules have one, 1% whitespace only, the rest none.

CIDRs come from fixed pools (4,096 private IPv4, 2,048 public hosts, 64 wide public ranges, 512
of each IPv6 kind) plus one-off hosts, so a small estate meets relatively more distinct CIDRs
(each parsed once per process) than a large one: about 2,800 for 1k groups, 7,400 for 10k.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from typing import Any

from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.rule_codec import rule_to_row

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
OUTSIDE_ACCOUNT = "999999999999"
REGIONS = ("eu-west-1", "us-east-1")

_PUBLIC_FIRST_OCTETS = (3, 13, 18, 34, 52, 54, 81, 91, 104, 151, 185)
_WEB_PORTS = (443, 443, 443, 80, 80, 8443)
# Weighted by repetition: application ports dominate, admin, database and cleartext ports are rarer.
_SERVICE_PORTS = (
    *(443,) * 5, *(80,) * 2, *(8080,) * 3, 8443, 9090, 3000, 5000, 22, 22, 3389,
    5432, 3306, 6379, 9200, 27017, 1433, 5601, 23, 21,
)  # fmt: skip
_UDP_PORTS = (53, 123, 161, 514, 1194, 69)
_TCP_RANGES = ((1024, 65535), (8000, 8999), (30000, 32767), (0, 65535))
_PURPOSES = ("app tier", "load balancer", "bastion", "monitoring", "partner api", "batch", "vpn")
_TEAMS = ("payments", "search", "platform", "data", "identity", "edge")
_WORLD_LIST = "pl-0000000000000000a"
_PRIVATE_LIST = "pl-0000000000000000b"
_OFFICE_LIST = "pl-0000000000000000c"
_CDN_LIST = "pl-0000000000000000d"
_MISSING_LIST = "pl-0000000000000000e"


class Pools:
    """Shared address pools: real estates name the same VPCs, offices and partners again."""

    def __init__(self, rng: random.Random) -> None:
        self.private = [_private_cidr(rng) for _ in range(4096)]
        self.public_hosts = [f"{_public_address(rng)}/32" for _ in range(2048)]
        self.wide_public = [
            str(ipaddress.ip_network(f"{_public_address(rng)}/{rng.randint(12, 22)}", strict=False))
            for _ in range(64)
        ]
        self.private_v6 = [
            f"fd{rng.getrandbits(8):02x}:{rng.getrandbits(16):x}::/64" for _ in range(512)
        ]
        self.public_v6 = [
            f"2a05:{rng.getrandbits(16):x}:{rng.getrandbits(16):x}::/{rng.choice((64, 128))}"
            for _ in range(512)
        ]


def _private_cidr(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return f"10.{rng.randrange(256)}.0.0/16"
    if roll < 0.85:
        return f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/24"
    if roll < 0.95:
        return f"172.{rng.randint(16, 31)}.{rng.randrange(256)}.0/24"
    return f"192.168.{rng.randrange(256)}.0/24"


def _public_address(rng: random.Random) -> str:
    octets = (rng.choice(_PUBLIC_FIRST_OCTETS), rng.randrange(256), rng.randrange(256))
    return f"{octets[0]}.{octets[1]}.{octets[2]}.{rng.randrange(1, 255)}"


def prefix_lists(rng: random.Random, pools: Pools) -> dict[str, tuple[str, ...]]:
    return {
        _WORLD_LIST: ("0.0.0.0/0",),
        _PRIVATE_LIST: tuple(rng.sample(pools.private, 8)),
        _OFFICE_LIST: tuple(rng.sample(pools.public_hosts, 6)),
        _CDN_LIST: tuple(rng.sample(pools.wide_public, 40)),
    }


class GroupBuilder:
    """Draws the rules of one group; every draw goes through the one seeded generator."""

    def __init__(self, rng: random.Random, pools: Pools, account: str, group_id: str) -> None:
        self.rng = rng
        self.pools = pools
        self.account = account
        self.group_id = group_id
        self.rules: list[Rule] = []

    def add(
        self, direction: Direction, protocol: str, ports: tuple[int, int] | None, peer: Peer
    ) -> None:
        lo, hi = ports if ports is not None else (None, None)
        self.rules.append(
            Rule(
                f"sgr-{self.rng.getrandbits(68):017x}", self.group_id, direction, protocol,
                lo, hi, peer, self.description(),
            )
        )  # fmt: skip

    def description(self) -> str:
        roll = self.rng.random()
        if roll < 0.85:
            # Built per rule, like the distinct strings a JSON reader produces.
            return f"{self.rng.choice(_PURPOSES)} for {self.rng.choice(_TEAMS)}"
        return "  " if roll < 0.86 else ""

    def ports(self, world: bool = False) -> tuple[str, tuple[int, int] | None]:
        roll = self.rng.random()
        if roll < 0.80:
            port = self.rng.choice(_WEB_PORTS if world and roll < 0.6 else _SERVICE_PORTS)
            return "tcp", (port, port)
        if roll < 0.88:
            return "tcp", self.rng.choice(_TCP_RANGES)
        if roll < 0.95:
            port = self.rng.choice(_UDP_PORTS)
            return "udp", (port, port)
        return "all", (-1, -1)

    def cidr_rule(self, kind: PeerKind, cidr: str, world: bool = False) -> None:
        protocol, ports = self.ports(world)
        self.add(Direction.INGRESS, protocol, ports, Peer(kind, cidr))

    def reference(self, account: str) -> None:
        protocol, ports = self.ports()
        group = f"sg-{self.rng.getrandbits(68):017x}"
        self.add(Direction.INGRESS, protocol, ports, Peer(PeerKind.GROUP, group, account))


def _ingress_mix() -> list[tuple[float, Callable[[GroupBuilder], None]]]:
    def private_v4(b: GroupBuilder) -> None:
        rng = b.rng
        if rng.random() < 0.05:
            host = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}/32"
            b.cidr_rule(PeerKind.IPV4, host)
        else:
            b.cidr_rule(PeerKind.IPV4, rng.choice(b.pools.private))

    def public_host(b: GroupBuilder) -> None:
        rng = b.rng
        pool = b.pools.public_hosts
        cidr = rng.choice(pool) if rng.random() < 0.95 else f"{_public_address(rng)}/32"
        b.cidr_rule(PeerKind.IPV4, cidr)

    def cross_account(b: GroupBuilder) -> None:
        others = [a for a in ACCOUNTS if a != b.account]
        b.reference(b.rng.choice(others) if b.rng.random() < 0.5 else OUTSIDE_ACCOUNT)

    def prefix_list(b: GroupBuilder) -> None:
        resolvable = (_PRIVATE_LIST, _OFFICE_LIST, _CDN_LIST, _WORLD_LIST)
        list_id = b.rng.choice(resolvable) if b.rng.random() < 0.8 else _MISSING_LIST
        protocol, ports = b.ports(world=True)
        b.add(Direction.INGRESS, protocol, ports, Peer(PeerKind.PREFIX_LIST, list_id))

    def icmp(b: GroupBuilder) -> None:
        cidr = "0.0.0.0/0" if b.rng.random() < 0.3 else b.rng.choice(b.pools.private)
        b.add(Direction.INGRESS, "icmp", (8, -1), Peer(PeerKind.IPV4, cidr))

    def other_protocol(b: GroupBuilder) -> None:
        peer = Peer(PeerKind.IPV4, b.rng.choice(b.pools.public_hosts))
        b.add(Direction.INGRESS, b.rng.choice(("50", "47")), None, peer)

    return [
        (40, private_v4),
        (25, lambda b: b.reference(b.account)),
        (3, cross_account),
        (10, public_host),
        (5, lambda b: b.cidr_rule(PeerKind.IPV4, "0.0.0.0/0", world=True)),
        (3, lambda b: b.cidr_rule(PeerKind.IPV6, "::/0", world=True)),
        (3, lambda b: b.cidr_rule(PeerKind.IPV6, b.rng.choice(b.pools.private_v6))),
        (2, lambda b: b.cidr_rule(PeerKind.IPV6, b.rng.choice(b.pools.public_v6))),
        (2, lambda b: b.cidr_rule(PeerKind.IPV4, b.rng.choice(b.pools.wide_public))),
        (2, prefix_list),
        (3, icmp),
        (2, other_protocol),
    ]


_INGRESS_MIX = _ingress_mix()
_MIX_WEIGHTS = [weight for weight, _ in _INGRESS_MIX]
_MIX_DRAWS = [draw for _, draw in _INGRESS_MIX]
_COVERAGE_PAIRS = (("0.0.0.0/1", "128.0.0.0/1", PeerKind.IPV4), ("::/1", "8000::/1", PeerKind.IPV6))


def _ordinary_rules(b: GroupBuilder) -> None:
    rng = b.rng
    count = rng.randint(6, 14)
    if rng.random() < 0.9:
        b.add(Direction.EGRESS, "all", (-1, -1), Peer(PeerKind.IPV4, "0.0.0.0/0"))
        if rng.random() < 0.15:
            b.add(Direction.EGRESS, "all", (-1, -1), Peer(PeerKind.IPV6, "::/0"))
    roll = rng.random()
    if roll < 0.012:
        low, high, kind = _COVERAGE_PAIRS[0 if roll < 0.01 else 1]
        port = rng.choice(_SERVICE_PORTS)
        for cidr in (low, high):
            b.add(Direction.INGRESS, "tcp", (port, port), Peer(kind, cidr))
    while len(b.rules) < count:
        rng.choices(_MIX_DRAWS, _MIX_WEIGHTS)[0](b)


def _default_rules(b: GroupBuilder) -> None:
    if b.rng.random() < 0.7:
        b.add(Direction.INGRESS, "all", (-1, -1), Peer(PeerKind.GROUP, b.group_id, b.account))
        b.add(Direction.EGRESS, "all", (-1, -1), Peer(PeerKind.IPV4, "0.0.0.0/0"))


def _group(
    rng: random.Random, pools: Pools, account: str, region: str, index: int
) -> SecurityGroup:
    group_id = f"sg-{rng.getrandbits(68):017x}"
    vpc_id = f"vpc-{index // 20:017x}"
    builder = GroupBuilder(rng, pools, account, group_id)
    default = index % 20 == 0
    (_default_rules if default else _ordinary_rules)(builder)
    name = "default" if default else f"{rng.choice(_TEAMS)}-{rng.choice(_PURPOSES)}-{index}"
    tags = {} if default else {"team": rng.choice(_TEAMS), "env": rng.choice(("prod", "dev"))}
    return SecurityGroup(
        group_id, name, account, region, tuple(builder.rules), vpc_id, f"{name} group", tags
    )


def generate_estate(groups: int, seed: int = 20240601) -> list[RegionSnapshot]:
    """`groups` security groups spread over every account x region, the same for the same seed."""
    rng = random.Random(seed)
    pools = Pools(rng)
    lists = prefix_lists(rng, pools)
    scopes = [(account, region) for account in ACCOUNTS for region in REGIONS]
    snapshots = []
    for n, (account, region) in enumerate(scopes):
        share = groups // len(scopes) + (1 if n < groups % len(scopes) else 0)
        members = tuple(_group(rng, pools, account, region, i) for i in range(share))
        snapshots.append(RegionSnapshot(account, region, members, dict(lists)))
    return snapshots


def describe_documents(snapshots: list[RegionSnapshot]) -> list[dict[str, Any]]:
    """The estate as `sgc` snapshot documents: the describe JSON that `read_snapshots` reads."""
    return [
        {
            "account_id": snap.account_id,
            "region": snap.region,
            "SecurityGroups": [_group_row(g) for g in snap.groups],
            "SecurityGroupRules": [rule_to_row(r) for g in snap.groups for r in g.rules],
            "ManagedPrefixLists": {k: list(v) for k, v in snap.prefix_lists.items()},
        }
        for snap in snapshots
    ]


def _group_row(group: SecurityGroup) -> dict[str, Any]:
    return {
        "GroupId": group.group_id,
        "GroupName": group.name,
        "OwnerId": group.account_id,
        "VpcId": group.vpc_id,
        "Description": group.description,
        "Tags": [{"Key": k, "Value": v} for k, v in group.tags.items()],
    }
