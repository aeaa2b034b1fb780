"""Classifying peers' address ranges: world, public or private, and coverage of a family.

`ipaddress.is_global` answers for one address. For a network we ask the question that matters
for exposure: can any globally routable address fall inside it? A network is private only when
it lies wholly inside one non-global block (RFC 1918, CGNAT, loopback, link-local, ULA,
documentation, ...); `0.0.0.0/1` is therefore public even though `ipaddress` calls it private.
"""

from __future__ import annotations

import ipaddress
from enum import IntEnum
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SourceClass(IntEnum):
    """How far a peer's addresses reach; ordered so that a wider class compares greater."""

    PRIVATE = 0
    PUBLIC = 1
    WORLD = 2

    @property
    def label(self) -> str:
        return self.name.lower()


_NON_GLOBAL_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/29",
        "192.0.0.170/31",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
    )
)
_NON_GLOBAL_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",
        "::1/128",
        "::ffff:0:0/96",
        "64:ff9b:1::/48",
        "100::/64",
        # The non-global parts of 2001::/23; the rest of it (PCP, TURN, AMT, AS112, ORCHIDv2,
        # DRIP) is globally reachable, so the /23 as a whole is not listed.
        "2001::/32",
        "2001:2::/48",
        "2001:10::/28",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
    )
)


def _block_bits(blocks: tuple[Network, ...]) -> tuple[tuple[int, int, int], ...]:
    """(prefix length, netmask, network address) as integers, for containment by bit masks."""
    return tuple((b.prefixlen, int(b.netmask), int(b.network_address)) for b in blocks)


_NON_GLOBAL_BITS = {4: _block_bits(_NON_GLOBAL_V4), 6: _block_bits(_NON_GLOBAL_V6)}


class CidrInfo:
    """A parsed CIDR and its class; shared between every rule naming the same CIDR."""

    __slots__ = ("cidr", "network", "size", "source", "version")

    def __init__(self, cidr: str, network: Network, source: SourceClass) -> None:
        self.cidr = cidr
        self.network = network
        self.source = source
        self.version = network.version
        # Kept because coverage sums it for every public rule: the property recomputes it.
        self.size = network.num_addresses


@lru_cache(maxsize=1 << 16)
def cidr_info(cidr: str) -> CidrInfo:
    """Parse and classify a CIDR. Raises ValueError for text that is not a CIDR."""
    network = ipaddress.ip_network(cidr, strict=False)
    return CidrInfo(cidr, network, classify(network))


def classify(network: Network) -> SourceClass:
    prefixlen = network.prefixlen
    if prefixlen == 0:
        return SourceClass.WORLD
    # `network.subnet_of(block)` by integer masks: the same test, without ipaddress's overhead.
    address = int(network.network_address)
    for block_prefixlen, netmask, block_address in _NON_GLOBAL_BITS[network.version]:
        if prefixlen >= block_prefixlen and address & netmask == block_address:
            return SourceClass.PRIVATE
    return SourceClass.PUBLIC


def family_size(version: int) -> int:
    return 1 << (32 if version == 4 else 128)


def covers_family(networks: list[Network], version: int) -> bool:
    """Whether the union of `networks` (all of one IP version) is the whole address family."""
    # Cheap necessary condition first: the sizes must add up to at least the family's size.
    if sum(n.num_addresses for n in networks) < family_size(version):
        return False
    collapsed = list(ipaddress.collapse_addresses(networks))  # type: ignore[type-var]
    return len(collapsed) == 1 and collapsed[0].prefixlen == 0


def overlaps(a: Network, b: Network) -> bool:
    return a.version == b.version and a.overlaps(b)
