"""World, public and private address ranges, as the engine classifies peers."""

from __future__ import annotations

import ipaddress

import pytest
from estate_builder import (
    check,
    flagged,
    group,
    policy,
    port_spec,
    restricted,
    rule,
    scan,
    snapshot,
)

from sgcompliance.engine.network import SourceClass, cidr_info, classify, covers_family
from sgcompliance.engine.policy import Sources


def cls(cidr: str) -> SourceClass:
    return classify(ipaddress.ip_network(cidr))


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_prefix_length_zero_is_world(cidr: str) -> None:
    assert cls(cidr) is SourceClass.WORLD


@pytest.mark.parametrize(
    "cidr",
    [
        "10.0.0.0/8",  # RFC 1918
        "172.16.0.0/12",
        "192.168.10.0/24",
        "10.0.0.0/9",
        "100.64.0.0/10",  # CGNAT
        "100.127.255.0/24",
        "169.254.0.0/16",  # link-local
        "192.0.2.0/24",  # documentation TEST-NET-1..3
        "198.51.100.7/32",
        "203.0.113.0/24",
        "198.18.0.0/15",  # benchmarking
        "127.0.0.1/32",
        "240.0.0.0/4",
        "fc00::/7",  # ULA
        "fd12:3456::/32",
        "fe80::/10",  # link-local
        "2001:db8::/32",  # documentation
        "::1/128",
        "2001:2::/48",  # benchmarking
        "2001::/32",  # Teredo: not globally reachable for ipaddress
        "2001:10::/28",  # deprecated ORCHID
    ],
)
def test_non_global_blocks_are_private(cidr: str) -> None:
    assert cls(cidr) is SourceClass.PRIVATE


@pytest.mark.parametrize(
    "cidr", ["8.8.8.8/32", "52.94.0.0/16", "2600:1f18::/32", "2001:4860:4860::8888/128"]
)
def test_globally_routable_ranges_are_public(cidr: str) -> None:
    assert cls(cidr) is SourceClass.PUBLIC


def test_half_of_ipv4_is_public_because_it_contains_global_addresses() -> None:
    # GIVEN 0.0.0.0/1 (ipaddress calls it not-global, yet 8.8.8.8 lies inside)
    # WHEN classified  THEN public
    assert cls("0.0.0.0/1") is SourceClass.PUBLIC


def test_range_wholly_inside_rfc1918_is_private() -> None:
    assert cls("10.0.0.0/9") is SourceClass.PRIVATE


def test_range_straddling_a_private_block_is_public() -> None:
    # GIVEN 10.0.0.0/7 (10/8 plus the public 11/8)  THEN public
    assert cls("10.0.0.0/7") is SourceClass.PUBLIC


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "10.1.2.3", "100.64.0.1", "192.0.2.1", "172.31.255.255", "2001:db8::1",
     "fd00::1", "fe80::1", "2606:4700::1111", "2001:2::1", "2001::1", "169.254.169.254"],
)  # fmt: skip
def test_single_addresses_agree_with_ipaddress_is_global(address: str) -> None:
    # GIVEN one address as a host network  WHEN classified  THEN public iff ipaddress is_global
    network = ipaddress.ip_network(address)
    assert (cls(str(network)) is SourceClass.PUBLIC) == network.is_global


def test_cidr_info_tolerates_host_bits_and_keeps_the_text() -> None:
    info = cidr_info("10.1.2.3/8")
    assert (info.cidr, str(info.network), info.version) == ("10.1.2.3/8", "10.0.0.0/8", 4)


def test_cidr_info_rejects_text_that_is_no_cidr() -> None:
    with pytest.raises(ValueError, match="not-a-cidr"):
        cidr_info("not-a-cidr")


def test_two_halves_cover_the_ipv4_family() -> None:
    halves = [ipaddress.IPv4Network("0.0.0.0/1"), ipaddress.IPv4Network("128.0.0.0/1")]
    assert covers_family(halves, 4)  # type: ignore[arg-type]


def test_overlapping_ranges_with_a_hole_do_not_cover_the_family() -> None:
    # GIVEN address counts that add up, but 128.0.0.0/2 twice leaves 192.0.0.0/2 uncovered
    nets = ["0.0.0.0/1", "128.0.0.0/2", "128.0.0.0/2"]
    assert not covers_family([ipaddress.IPv4Network(n) for n in nets], 4)


# --- as the engine sees them --------------------------------------------------------------

ANYONE = Sources(world=True, public=True)


def test_rfc1918_source_is_neither_world_nor_public() -> None:
    # GIVEN tcp 22 from 10.0.0.0/8  WHEN a check cares about world and public sources
    chk = check(restricted(port_spec("tcp", 22), sources=ANYONE))
    # THEN nothing is flagged
    assert flagged(scan(policy(chk), snapshot(group(rule("sgr-1", "10.0.0.0/8"))))) == []


def test_single_public_address_is_not_world() -> None:
    # GIVEN tcp 22 from 8.8.8.8/32  WHEN the check cares about the world only  THEN not flagged
    chk = check(restricted(port_spec("tcp", 22)))
    assert flagged(scan(policy(chk), snapshot(group(rule("sgr-1", "8.8.8.8/32"))))) == []


def test_single_public_address_is_public() -> None:
    # GIVEN tcp 22 from 8.8.8.8/32  WHEN public sources count  THEN flagged as public
    chk = check(restricted(port_spec("tcp", 22), sources=ANYONE))
    result = scan(policy(chk), snapshot(group(rule("sgr-1", "8.8.8.8/32"))))
    assert [f.reason.value for f in result.violations] == ["PUBLIC_OPEN"]
