"""Protocol names and numbers, and port intervals kept as intervals."""

from __future__ import annotations

import pytest

from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule
from sgcompliance.engine.protocol import (
    ALL,
    ICMP,
    ICMPV6,
    TCP,
    UDP,
    format_ports,
    merge,
    normalize_protocol,
    overlap,
    parse_port_range,
    port_interval,
    subtract,
)
from sgcompliance.errors import InputError


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("tcp", TCP),
        ("6", TCP),
        (6, TCP),
        ("17", UDP),
        (17, UDP),
        ("udp", UDP),
        ("1", ICMP),
        ("icmp", ICMP),
        ("58", ICMPV6),
        (58, ICMPV6),
        ("icmpv6", ICMPV6),
        ("-1", ALL),
        (-1, ALL),
        ("TCP", TCP),
    ],
)
def test_names_and_numbers_of_the_same_protocol_are_equal(given: object, canonical: str) -> None:
    # GIVEN a protocol as AWS may report it  WHEN normalised  THEN it is the canonical name
    assert normalize_protocol(given) == canonical


@pytest.mark.parametrize(("given", "canonical"), [("50", "50"), (47, "47"), ("050", "50")])
def test_other_protocol_numbers_stay_numbers(given: object, canonical: str) -> None:
    assert normalize_protocol(given) == canonical


@pytest.mark.parametrize("bad", ["256", "-2", "ssh", "", True, None, 6.0, "\u0666"])
def test_values_that_are_not_protocols_are_rejected(bad: object) -> None:
    # GIVEN something that is no IP protocol (incl. a non-ASCII digit)  THEN ValueError
    with pytest.raises(ValueError, match="protocol"):
        normalize_protocol(bad)


def test_tcp_ports_are_the_closed_interval() -> None:
    assert port_interval(TCP, 20, 25) == (20, 25)


def test_a_rule_keeps_its_ports_as_one_interval() -> None:
    # GIVEN tcp 0-65535  THEN the rule reaches one interval, never a set of 65,536 ports
    full = Rule("sgr-1", "sg-1", Direction.INGRESS, TCP, 0, 65535, Peer(PeerKind.IPV4, "0.0.0.0/0"))
    assert (full.ports, full.port_text) == ((0, 65535), "tcp all ports")


def test_tcp_with_minus_one_bounds_is_every_port() -> None:
    # EC2 reports a missing tcp/udp bound as -1
    assert port_interval(UDP, -1, -1) == (0, 65535)


def test_all_traffic_reaches_every_port_whatever_the_fields_say() -> None:
    assert port_interval(ALL, 22, 22) == (0, 65535)


@pytest.mark.parametrize("protocol", [ICMP, ICMPV6, "50", "47"])
def test_portless_protocols_have_no_interval(protocol: str) -> None:
    assert port_interval(protocol, 8, 0) is None


def test_overlap_of_touching_intervals_is_their_shared_port() -> None:
    assert overlap((20, 22), (22, 30)) == (22, 22)


def test_overlap_of_disjoint_intervals_is_none() -> None:
    assert overlap((20, 21), (22, 30)) is None


def test_merge_joins_overlapping_and_adjacent_intervals_only() -> None:
    assert merge([(443, 443), (80, 80), (81, 90), (85, 86), (100, 200)]) == [
        (80, 90),
        (100, 200),
        (443, 443),
    ]


def test_subtract_leaves_the_gap_between_allowed_ports() -> None:
    # GIVEN tcp 80-443 with 80 and 443 allowed  THEN 81-442 remain
    assert subtract((80, 443), [(80, 80), (443, 443)]) == [(81, 442)]


def test_subtract_of_a_fully_allowed_interval_is_empty() -> None:
    assert subtract((80, 80), [(0, 100)]) == []


def test_subtract_with_nothing_allowed_is_the_interval() -> None:
    assert subtract((0, 65535), []) == [(0, 65535)]


@pytest.mark.parametrize(
    ("protocol", "interval", "text"),
    [
        (TCP, (22, 22), "tcp 22"),
        (TCP, (20, 25), "tcp 20-25"),
        (UDP, (0, 65535), "udp all ports"),
        (ALL, (0, 65535), "all traffic"),
        (ICMP, None, "icmp"),
        ("50", None, "protocol 50"),
    ],
)
def test_ports_have_a_human_form(
    protocol: str, interval: tuple[int, int] | None, text: str
) -> None:
    assert format_ports(protocol, interval) == text


def test_port_range_text_is_parsed() -> None:
    assert parse_port_range("20-25", "$.x") == (20, 25)
    assert parse_port_range("22", "$.x") == (22, 22)


@pytest.mark.parametrize("bad", ["25-20", "70000", "a", "1-2-3", ""])
def test_bad_port_range_text_names_its_path(bad: str) -> None:
    with pytest.raises(InputError) as info:
        parse_port_range(bad, "$.checks[0].ports[1]")
    assert info.value.path == "$.checks[0].ports[1]"
