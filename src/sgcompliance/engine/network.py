"""Classifying peers' address ranges: world, public or private, and coverage of a family.

`ipaddress.is_global` answers for one address. For a network we ask the question that matters
for exposure: can any globally routable address fall inside it? A network is private only when
it lies wholly inside one non-global block (RFC 1918, CGNAT, loopback, link-local, ULA,
documentation, ...); `0.0.0.0/1` is therefore public even though `ipaddress` calls it private.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
import socket
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


def _by_first_octet(
    blocks: tuple[tuple[int, int, int], ...],
) -> tuple[tuple[tuple[int, int, int], ...], ...]:
    """For each first octet of an IPv4 address, the non-global blocks that can hold it: most
    public addresses then meet no block at all instead of being tested against every one."""
    table: list[list[tuple[int, int, int]]] = [[] for _ in range(256)]
    for prefixlen, netmask, address in blocks:
        first = address >> 24
        span = 1 << max(0, 8 - prefixlen)
        for octet in range(first, first + span):
            table[octet].append((prefixlen, netmask, address))
    return tuple(tuple(entries) for entries in table)


_NON_GLOBAL_V4_BY_OCTET = _by_first_octet(_NON_GLOBAL_BITS[4])


class CidrInfo:
    """A parsed CIDR and its class; shared between every rule naming the same CIDR.

    Held as integers: a cached `ipaddress` network is several long-lived objects (a /32 even
    carries a closure) that the garbage collector walks again and again, and most rules never
    need one. `network` builds it on first use.
    """

    __slots__ = ("_network", "address", "cidr", "prefixlen", "size", "source", "version")

    def __init__(
        self, cidr: str, version: int, address: int, prefixlen: int, source: SourceClass
    ) -> None:
        self.cidr = cidr
        self.version = version
        self.address = address  # the network address, host bits cleared
        self.prefixlen = prefixlen
        self.source = source
        # `network.num_addresses`, which coverage sums for every public rule.
        self.size = 1 << ((32 if version == 4 else 128) - prefixlen)
        self._network: Network | None = None

    @classmethod
    def from_network(cls, cidr: str, network: Network) -> CidrInfo:
        info = cls(
            cidr, network.version, int(network.network_address), network.prefixlen,
            classify(network),
        )  # fmt: skip
        # A scope (fe80::%eth0/64) is not in the integers: keep such a network as parsed.
        info._network = network if _scoped(network) else None
        return info

    @property
    def network(self) -> Network:
        if self._network is None:
            family = ipaddress.IPv4Network if self.version == 4 else ipaddress.IPv6Network
            self._network = family((self.address, self.prefixlen))
        return self._network


@lru_cache(maxsize=1 << 16)
def cidr_info(cidr: str) -> CidrInfo:
    """Parse and classify a CIDR. Raises ValueError for text that is not a CIDR."""
    bits = _plain_ipv4(cidr)
    if bits is not None:
        address, prefixlen = bits
        return CidrInfo(cidr, 4, address, prefixlen, _classify_bits(4, address, prefixlen))
    bits = _plain_ipv6(cidr)
    if bits is not None:
        address, prefixlen = bits
        return CidrInfo(cidr, 6, address, prefixlen, _classify_bits(6, address, prefixlen))
    return CidrInfo.from_network(cidr, ipaddress.ip_network(cidr, strict=False))


# Prefix lengths in plain decimal (no sign, no leading zero): any other spelling is left to
# `ipaddress`, with its own rules and messages.
_V4_PREFIXES = {str(n): n for n in range(33)}
_V6_PREFIXES = {str(n): n for n in range(129)}
_V4_MASK = (1 << 32) - 1
_V6_MASK = (1 << 128) - 1
# Hex groups and colons only: no zone, no embedded IPv4, where the two parsers could differ.
_HEX_AND_COLONS = re.compile(r"[0-9A-Fa-f:]{2,39}")


def _plain_ipv4(cidr: str) -> tuple[int, int] | None:
    """(network address, prefix length) of a plain `a.b.c.d/n` CIDR, read by the C parser.

    The C parser takes exactly four decimal octets without leading zeros, as `ipaddress` does;
    None for every other form (IPv6, a netmask after the slash, a missing prefix, errors), which
    `ipaddress` then reads with its own rules and messages.
    """
    address, _, prefix = cidr.partition("/")
    prefixlen = _V4_PREFIXES.get(prefix)
    if prefixlen is None:
        return None
    try:
        packed = socket.inet_pton(socket.AF_INET, address)
    except OSError:
        return None
    return int.from_bytes(packed, "big") & (_V4_MASK << (32 - prefixlen)) & _V4_MASK, prefixlen


def _plain_ipv6(cidr: str) -> tuple[int, int] | None:
    """(network address, prefix length) of a plain IPv6 CIDR, read by the C parser (several
    times faster than `ipaddress`); None for every other form, which `ipaddress` then reads."""
    address, _, prefix = cidr.partition("/")
    prefixlen = _V6_PREFIXES.get(prefix)
    if prefixlen is None or _HEX_AND_COLONS.fullmatch(address) is None:
        return None
    try:
        packed = socket.inet_pton(socket.AF_INET6, address)
    except OSError:
        return None
    return int.from_bytes(packed, "big") & (_V6_MASK << (128 - prefixlen)) & _V6_MASK, prefixlen


def _scoped(network: Network) -> bool:
    return (
        isinstance(network, ipaddress.IPv6Network) and network.network_address.scope_id is not None
    )


def classify(network: Network) -> SourceClass:
    if _scoped(network):
        return _classify_scoped(network)
    return _classify_bits(network.version, int(network.network_address), network.prefixlen)


def _classify_bits(version: int, address: int, prefixlen: int) -> SourceClass:
    if prefixlen == 0:
        return SourceClass.WORLD
    # `network.subnet_of(block)` by integer masks: the same test, without ipaddress's overhead.
    # IPv4 tests only the blocks that share the address's first octet.
    blocks = _NON_GLOBAL_V4_BY_OCTET[address >> 24] if version == 4 else _NON_GLOBAL_BITS[6]
    for block_prefixlen, netmask, block_address in blocks:
        if prefixlen >= block_prefixlen and address & netmask == block_address:
            return SourceClass.PRIVATE
    return SourceClass.PUBLIC


def _classify_scoped(network: Network) -> SourceClass:
    # ipaddress compares a scoped address with its scope (fe80::%eth0 is not fe80::), which
    # the integer test cannot reproduce; ask ipaddress itself.
    if network.prefixlen == 0:
        return SourceClass.WORLD
    for block in _NON_GLOBAL_V6:
        if network.subnet_of(block):  # type: ignore[arg-type,unused-ignore]
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


class RangeSet:
    """The union of some CIDRs, per IP version, answering whether a range lies wholly inside.

    Held as sorted, merged integer intervals: a range inside the union may span several listed
    CIDRs (`10.0.0.0/9` + `10.128.0.0/9` hold `10.0.0.0/8`), which no single-CIDR test sees.
    """

    __slots__ = ("_spans",)

    def __init__(self, infos: tuple[CidrInfo, ...] | list[CidrInfo] = ()) -> None:
        spans: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
        for info in sorted(infos, key=lambda i: (i.version, i.address)):
            runs = spans[info.version]
            lo, hi = info.address, info.address + info.size - 1
            if runs and lo <= runs[-1][1] + 1:
                runs[-1] = (runs[-1][0], max(runs[-1][1], hi))
            else:
                runs.append((lo, hi))
        self._spans = {version: tuple(runs) for version, runs in spans.items()}

    def __bool__(self) -> bool:
        return bool(self._spans[4] or self._spans[6])

    def holds(self, info: CidrInfo) -> bool:
        """Whether every address of `info` is in the union."""
        runs = self._spans[info.version]
        lo = info.address
        # The last run starting at or before `lo` is the only one that can hold it.
        at = bisect.bisect_right(runs, (lo, _V6_MASK)) - 1
        return at >= 0 and runs[at][1] >= lo + info.size - 1
