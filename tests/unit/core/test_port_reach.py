"""Which ports a rule reaches (AWS IpPermission semantics), as restricted-port and all-traffic
checks see them: intervals for tcp/udp, everything for -1, nothing for icmp or other numbers."""

from __future__ import annotations

import pytest
from estate_builder import (
    EGRESS_ONLY,
    check,
    flagged,
    group,
    one_finding,
    policy,
    port_spec,
    restricted,
    rule,
    scan,
    snapshot,
)

from sgcompliance.engine.findings import Reason
from sgcompliance.engine.model import Rule
from sgcompliance.engine.policy import AllTraffic, Check, Sources

SSH = check(restricted(port_spec("tcp", 22)))
ALL_TRAFFIC = check(AllTraffic(Sources()))


def flagged_by(chk: Check, *rules_: Rule) -> list[str | None]:
    return flagged(scan(policy(chk), snapshot(group(*rules_))))


def test_tcp_22_from_ipv6_world_is_flagged_as_world_open() -> None:
    # GIVEN tcp 22 from ::/0
    result = scan(policy(SSH), snapshot(group(rule("sgr-1", "::/0", ports=22))))
    # WHEN judged by a tcp 22 restriction  THEN the rule is world-open
    finding = one_finding(result)
    assert finding.rule_id == "sgr-1"
    assert finding.reason is Reason.WORLD_OPEN


def test_tcp_full_range_from_world_reaches_22() -> None:
    # GIVEN tcp 0-65535 from 0.0.0.0/0  WHEN judged for tcp 22  THEN flagged
    assert flagged_by(SSH, rule("sgr-1", "0.0.0.0/0", ports=(0, 65535))) == ["sgr-1"]


def test_all_protocols_from_world_reach_every_port_spec() -> None:
    # GIVEN protocol -1 from the world
    everything = rule("sgr-1", "0.0.0.0/0", protocol="all", ports=None)
    # WHEN judged for tcp 22, udp 53 and tcp 65535  THEN every spec is reached
    for spec in (port_spec("tcp", 22), port_spec("udp", 53), port_spec("tcp", 65535)):
        assert flagged_by(check(restricted(spec)), everything) == ["sgr-1"]


def test_all_protocols_from_world_is_all_traffic() -> None:
    # GIVEN protocol -1 from ::/0  WHEN judged by the all-traffic check  THEN flagged
    result = scan(
        policy(ALL_TRAFFIC), snapshot(group(rule("sgr-1", "::/0", protocol="all", ports=None)))
    )
    assert one_finding(result).reason is Reason.WORLD_OPEN


def test_full_tcp_range_is_not_all_traffic() -> None:
    # GIVEN tcp 0-65535 from the world  WHEN judged by all-traffic  THEN not flagged
    assert flagged_by(ALL_TRAFFIC, rule("sgr-1", "0.0.0.0/0", ports=(0, 65535))) == []


def test_range_20_25_reaches_both_restricted_21_and_22_in_one_finding() -> None:
    # GIVEN tcp 20-25 from the world and restrictions on tcp 21 and tcp 22
    chk = check(restricted(port_spec("tcp", 21), port_spec("tcp", 22)))
    result = scan(policy(chk), snapshot(group(rule("sgr-1", "0.0.0.0/0", ports=(20, 25)))))
    # WHEN judged  THEN one finding for the rule names both ports
    finding = one_finding(result)
    assert "reaches restricted tcp 21, 22 via" in finding.message


@pytest.mark.parametrize(("lo", "hi"), [(23, 25), (0, 21)])
def test_range_beside_22_does_not_reach_22(lo: int, hi: int) -> None:
    # GIVEN a tcp range whose closed interval excludes 22  WHEN judged  THEN not flagged
    assert flagged_by(SSH, rule("sgr-1", "0.0.0.0/0", ports=(lo, hi))) == []


@pytest.mark.parametrize(("lo", "hi"), [(22, 22), (22, 30), (10, 22)])
def test_range_with_22_as_a_bound_reaches_22(lo: int, hi: int) -> None:
    # GIVEN a tcp range with 22 at either end (FromPort <= p <= ToPort)  THEN flagged
    assert flagged_by(SSH, rule("sgr-1", "0.0.0.0/0", ports=(lo, hi))) == ["sgr-1"]


def test_udp_22_matches_a_tcp_udp_spec() -> None:
    # GIVEN udp 22 from the world  WHEN the spec covers tcp and udp 22  THEN flagged
    chk = check(restricted(port_spec("tcp/udp", 22)))
    assert flagged_by(chk, rule("sgr-1", "0.0.0.0/0", protocol="udp", ports=22)) == ["sgr-1"]


def test_udp_22_does_not_match_a_tcp_only_spec() -> None:
    # GIVEN udp 22 from the world  WHEN the spec is tcp 22 only  THEN not flagged
    assert flagged_by(SSH, rule("sgr-1", "0.0.0.0/0", protocol="udp", ports=22)) == []


def test_tcp_22_does_not_match_a_udp_only_spec() -> None:
    chk = check(restricted(port_spec("udp", 22)))
    assert flagged_by(chk, rule("sgr-1", "0.0.0.0/0", protocol="tcp", ports=22)) == []


@pytest.mark.parametrize("protocol", ["icmp", "icmpv6"])
def test_icmp_all_types_from_world_reaches_no_port(protocol: str) -> None:
    # GIVEN icmp with FromPort -1 / ToPort -1 (type/code, not ports) from the world
    icmp = rule("sgr-1", "0.0.0.0/0", protocol=protocol, ports=None)
    # WHEN judged for tcp/udp 0-65535  THEN no port spec is reached
    assert flagged_by(check(restricted(port_spec("tcp/udp", 0, 65535))), icmp) == []


def test_icmp_type_8_is_not_port_8() -> None:
    # GIVEN icmp type 8 code 0 (echo) from the world  WHEN tcp/udp 0-10 are restricted
    echo = rule("sgr-1", "0.0.0.0/0", protocol="icmp", ports=(8, 0))
    # THEN the type is never read as a port
    assert flagged_by(check(restricted(port_spec("tcp/udp", 0, 10))), echo) == []


def test_icmp_from_world_is_not_all_traffic() -> None:
    assert flagged_by(ALL_TRAFFIC, rule("sgr-1", "0.0.0.0/0", protocol="icmp", ports=None)) == []


def test_esp_from_world_reaches_no_tcp_port() -> None:
    # GIVEN protocol 50 (ESP) from the world  WHEN tcp/udp everything is restricted
    esp = rule("sgr-1", "0.0.0.0/0", protocol="50", ports=None)
    # THEN nothing is reached: ESP has no ports
    assert flagged_by(check(restricted(port_spec("tcp/udp", 0, 65535))), esp) == []


def test_esp_from_world_is_not_all_traffic() -> None:
    assert flagged_by(ALL_TRAFFIC, rule("sgr-1", "0.0.0.0/0", protocol="50", ports=None)) == []


@pytest.mark.parametrize("port", [1433, 8888, 9200])
def test_single_service_port_open_to_world_is_flagged(port: int) -> None:
    # GIVEN tcp <port> from the world  WHEN exactly that port is restricted  THEN flagged
    chk = check(restricted(port_spec("tcp", port)))
    result = scan(policy(chk), snapshot(group(rule("sgr-1", "0.0.0.0/0", ports=port))))
    assert f"restricted tcp {port}" in one_finding(result).message


@pytest.mark.parametrize("port", [1433, 8888, 9200])
def test_single_service_port_next_door_is_not_flagged(port: int) -> None:
    # GIVEN tcp <port+1> from the world  WHEN only <port> is restricted  THEN not flagged
    chk = check(restricted(port_spec("tcp", port)))
    assert flagged_by(chk, rule("sgr-1", "0.0.0.0/0", ports=port + 1)) == []


def test_message_for_all_traffic_names_the_restricted_protocols() -> None:
    # GIVEN -1 from the world and a tcp/udp 53 restriction  WHEN judged
    chk = check(restricted(port_spec("tcp/udp", 53)))
    result = scan(
        policy(chk), snapshot(group(rule("sgr-1", "0.0.0.0/0", protocol="all", ports=None)))
    )
    # THEN the message says what was reached and by what rule
    message = one_finding(result).message
    assert message.startswith("ingress all traffic from 0.0.0.0/0")
    assert "tcp/udp 53" in message


def test_egress_only_check_ignores_ingress_rules() -> None:
    # GIVEN world tcp 22 ingress and egress rules  WHEN the check judges egress only
    chk = check(restricted(port_spec("tcp", 22)), directions=EGRESS_ONLY)
    estate = group(rule("sgr-in", "0.0.0.0/0"), rule("sgr-out", "0.0.0.0/0", egress=True))
    # THEN only the egress rule is flagged
    assert flagged(scan(policy(chk), snapshot(estate))) == ["sgr-out"]


def test_ingress_only_check_ignores_egress_rules() -> None:
    estate = group(rule("sgr-in", "0.0.0.0/0"), rule("sgr-out", "0.0.0.0/0", egress=True))
    assert flagged(scan(policy(SSH), snapshot(estate))) == ["sgr-in"]
