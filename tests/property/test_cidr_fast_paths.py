"""The CIDR fast paths (IPv4 by regex, IPv6 by the C parser) read exactly what `ipaddress` reads,
and refuse exactly what it refuses."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from sgcompliance.engine.network import CidrInfo, cidr_info
from support.hypothesis_budget import examples

ipv4_cidrs = st.builds(
    lambda a, p: f"{ipaddress.IPv4Address(a)}/{p}",
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)
# Addresses near the non-global blocks as well as anywhere, in compressed, exploded and
# upper-case spellings.
_V6_PREFIXES = (0x20010DB8, 0xFC00, 0xFE80, 0x2001, 0x64FF9B, 0x0100, 0xFFFF, 0)
ipv6_addresses = st.one_of(
    st.integers(0, 2**128 - 1),
    st.builds(
        lambda top, shift, low: (top << shift | low) & (2**128 - 1),
        st.sampled_from(_V6_PREFIXES),
        st.sampled_from((80, 96, 104, 112)),
        st.integers(0, 2**16 - 1),
    ),
)
ipv6_cidrs = st.builds(
    lambda a, p, spell: f"{spell(ipaddress.IPv6Address(a))}/{p}",
    ipv6_addresses,
    st.integers(0, 128),
    st.sampled_from((str, lambda x: x.exploded, lambda x: str(x).upper())),
)


def reference(cidr: str) -> tuple[int, int, int, object]:
    info = CidrInfo.from_network(cidr, ipaddress.ip_network(cidr, strict=False))
    return info.version, info.address, info.prefixlen, info.source


@settings(max_examples=examples(500))
@given(st.one_of(ipv4_cidrs, ipv6_cidrs))
def test_a_fast_path_reads_a_cidr_as_ipaddress_does(cidr: str) -> None:
    # GIVEN any IPv4 or IPv6 CIDR  WHEN it is read
    info = cidr_info.__wrapped__(cidr)
    # THEN family, network address, prefix length and class equal the ipaddress reading
    assert (info.version, info.address, info.prefixlen, info.source) == reference(cidr)


# Near misses: octets with leading zeros or over 255, too few or too many parts, odd prefixes.
dotted_near_misses = st.builds(
    lambda octets, prefix: ".".join(octets) + prefix,
    st.lists(st.from_regex(r"[0-9]{1,4}", fullmatch=True), min_size=1, max_size=5),
    st.sampled_from(("", "/", "/0", "/8", "/08", "/32", "/33", "/+8", "/ 8", "/255.0.0.0")),
)


@settings(max_examples=examples(1000))
@given(
    st.one_of(
        st.text(alphabet="0123456789abcdefABCDEF:./", min_size=1, max_size=44),
        dotted_near_misses,
    )
)
def test_a_fast_path_refuses_exactly_what_ipaddress_refuses(text: str) -> None:
    # GIVEN arbitrary text from the characters CIDRs are made of
    try:
        expected = reference(text)
    except ValueError:
        expected = None
    # WHEN it is read THEN it is refused (ValueError) or read, exactly as ipaddress does
    try:
        info = cidr_info.__wrapped__(text)
    except ValueError:
        assert expected is None
    else:
        assert (info.version, info.address, info.prefixlen, info.source) == expected
