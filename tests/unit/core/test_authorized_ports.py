"""authorized_ports_only: world-open ports must all be on the allowed list (Security Hub EC2.18)."""

from __future__ import annotations

from estate_builder import (
    check,
    flagged,
    group,
    one_finding,
    policy,
    port_spec,
    rule,
    scan,
    snapshot,
)

from sgcompliance.engine.model import Rule
from sgcompliance.engine.policy import AuthorizedPorts, Sources

WEB_ONLY = check(AuthorizedPorts((port_spec("tcp", 80), port_spec("tcp", 443)), Sources()))


def judged(*rules_: Rule) -> list[str | None]:
    return flagged(scan(policy(WEB_ONLY), snapshot(group(*rules_))))


def test_authorized_ports_open_to_world_are_fine() -> None:
    # GIVEN tcp 80 and tcp 443 from the world, both authorized  THEN nothing is flagged
    assert judged(rule("sgr-80", "0.0.0.0/0", ports=80), rule("sgr-443", "::/0", ports=443)) == []


def test_range_spanning_authorized_ports_lists_the_unauthorized_gap() -> None:
    # GIVEN tcp 80-443 from the world
    result = scan(policy(WEB_ONLY), snapshot(group(rule("sgr-1", "0.0.0.0/0", ports=(80, 443)))))
    # WHEN judged  THEN flagged, naming 81-442 as unauthorized
    assert "opens unauthorized tcp 81-442" in one_finding(result).message


def test_udp_on_an_authorized_tcp_number_is_unauthorized() -> None:
    assert judged(rule("sgr-1", "0.0.0.0/0", protocol="udp", ports=443)) == ["sgr-1"]


def test_udp_53_open_to_world_is_unauthorized() -> None:
    result = scan(
        policy(WEB_ONLY),
        snapshot(group(rule("sgr-1", "0.0.0.0/0", protocol="udp", ports=53))),
    )
    assert "opens unauthorized udp 53" in one_finding(result).message


def test_all_traffic_open_to_world_is_unauthorized() -> None:
    result = scan(
        policy(WEB_ONLY),
        snapshot(group(rule("sgr-1", "0.0.0.0/0", protocol="all", ports=None))),
    )
    message = one_finding(result).message
    assert "tcp 0-79" in message
    assert "udp all ports" in message


def test_icmp_open_to_world_is_ignored() -> None:
    assert judged(rule("sgr-1", "0.0.0.0/0", protocol="icmp", ports=None)) == []


def test_unauthorized_port_from_a_private_range_is_fine() -> None:
    assert judged(rule("sgr-1", "10.0.0.0/8", ports=22)) == []


def test_unauthorized_port_from_a_public_range_is_fine_when_only_the_world_counts() -> None:
    assert judged(rule("sgr-1", "8.8.8.0/24", ports=22)) == []


def test_authorized_udp_port_is_fine_for_udp() -> None:
    chk = check(AuthorizedPorts((port_spec("tcp/udp", 53),), Sources()))
    estate = group(rule("sgr-1", "0.0.0.0/0", protocol="udp", ports=53))
    assert flagged(scan(policy(chk), snapshot(estate))) == []
