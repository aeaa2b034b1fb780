"""Coverage: public CIDRs of one group that reach the same port and together cover a whole
address family are world-open together, though no single rule names 0.0.0.0/0."""

from __future__ import annotations

from estate_builder import (
    BOTH_DIRECTIONS,
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
from sgcompliance.engine.policy import AllTraffic, AuthorizedPorts, Settings, Sources

SSH = check(restricted(port_spec("tcp", 22)))


def ssh_flagged(*rules_: Rule, settings: Settings | None = None) -> list[str | None]:
    return flagged(scan(policy(SSH, settings=settings), snapshot(group(*rules_))))


def test_ipv4_halves_on_the_same_port_are_world_open_together() -> None:
    # GIVEN tcp 22 from 0.0.0.0/1 and tcp 22 from 128.0.0.0/1 in one group
    # WHEN judged for world access to tcp 22
    result = scan(
        policy(SSH),
        snapshot(group(rule("sgr-a", "0.0.0.0/1"), rule("sgr-b", "128.0.0.0/1"))),
    )
    # THEN both rules are flagged, by coverage, each naming its partner
    assert flagged(result) == ["sgr-a", "sgr-b"]
    assert {f.reason for f in result.violations} == {Reason.COVERAGE_WORLD_OPEN}
    assert "with sgr-b covers every address" in result.violations[0].message


def test_ipv4_halves_on_disjoint_ports_are_not_world_open() -> None:
    # GIVEN the halves on tcp 22 and tcp 80  WHEN judged for tcp 22 and 80  THEN not flagged
    chk = check(restricted(port_spec("tcp", 22), port_spec("tcp", 80)))
    estate = group(rule("sgr-a", "0.0.0.0/1", ports=22), rule("sgr-b", "128.0.0.0/1", ports=80))
    assert flagged(scan(policy(chk), snapshot(estate))) == []


def test_ipv4_halves_in_two_groups_are_not_world_open() -> None:
    # GIVEN each half in its own group  WHEN judged  THEN neither is flagged
    estate = snapshot(
        group(rule("sgr-a", "0.0.0.0/1"), group_id="sg-1"),
        group(rule("sgr-b", "128.0.0.0/1"), group_id="sg-2"),
    )
    assert flagged(scan(policy(SSH), estate)) == []


def test_ipv6_halves_on_the_same_port_are_world_open_together() -> None:
    assert ssh_flagged(rule("sgr-a", "::/1"), rule("sgr-b", "8000::/1")) == ["sgr-a", "sgr-b"]


def test_halves_of_different_families_do_not_cover_each_other() -> None:
    assert ssh_flagged(rule("sgr-a", "0.0.0.0/1"), rule("sgr-b", "8000::/1")) == []


def test_halves_split_across_ingress_and_egress_are_not_world_open() -> None:
    # GIVEN 0/1 as ingress and 128/1 as egress on tcp 22
    estate = group(rule("sgr-a", "0.0.0.0/1"), rule("sgr-b", "128.0.0.0/1", egress=True))
    # WHEN judged in both directions  THEN neither direction is world-open
    chk = check(restricted(port_spec("tcp", 22)), directions=BOTH_DIRECTIONS)
    assert flagged(scan(policy(chk), snapshot(estate))) == []


def test_halves_on_tcp_and_udp_of_the_same_port_are_not_world_open() -> None:
    chk = check(restricted(port_spec("tcp/udp", 53)))
    estate = group(
        rule("sgr-a", "0.0.0.0/1", ports=53), rule("sgr-b", "128.0.0.0/1", protocol="udp", ports=53)
    )
    assert flagged(scan(policy(chk), snapshot(estate))) == []


def test_quarters_and_a_half_cover_together() -> None:
    # GIVEN 0/1 + 128/2 + 192/2 on tcp 22  THEN all three are world-open together
    assert ssh_flagged(
        rule("sgr-a", "0.0.0.0/1"), rule("sgr-b", "128.0.0.0/2"), rule("sgr-c", "192.0.0.0/2")
    ) == ["sgr-a", "sgr-b", "sgr-c"]


def test_overlapping_ranges_with_a_hole_do_not_cover() -> None:
    # GIVEN 0/1 and 128/2 twice: the address counts add up but 192/2 is missing
    assert (
        ssh_flagged(
            rule("sgr-a", "0.0.0.0/1"), rule("sgr-b", "128.0.0.0/2"), rule("sgr-c", "128.0.0.0/2")
        )
        == []
    )


def test_private_rule_helps_cover_but_is_not_flagged() -> None:
    # GIVEN 10.0.0.0/8 plus public ranges that cover everything else on tcp 22
    rest = ["0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3",
            "64.0.0.0/2", "128.0.0.0/1"]  # fmt: skip
    rules_ = [rule("sgr-private", "10.0.0.0/8")]
    rules_ += [rule(f"sgr-{i}", cidr) for i, cidr in enumerate(rest)]
    # WHEN judged  THEN every public rule is world-open by coverage, the private one is not
    assert ssh_flagged(*rules_) == [f"sgr-{i}" for i in range(len(rest))]


def test_partial_port_overlap_is_world_open_only_on_the_shared_ports() -> None:
    # GIVEN 0/1 on tcp 20-25 and 128/1 on tcp 22-30: together world-open on 22-25 only
    estate = group(
        rule("sgr-a", "0.0.0.0/1", ports=(20, 25)), rule("sgr-b", "128.0.0.0/1", ports=(22, 30))
    )
    on_21 = check(restricted(port_spec("tcp", 21)))
    on_25 = check(restricted(port_spec("tcp", 25)))
    # WHEN judged for tcp 21 and tcp 25  THEN 21 is not world-open and 25 is
    assert flagged(scan(policy(on_21), snapshot(estate))) == []
    assert flagged(scan(policy(on_25), snapshot(estate))) == ["sgr-a", "sgr-b"]


def test_all_traffic_half_covers_with_a_tcp_half_on_that_port() -> None:
    # GIVEN 0/1 all traffic and 128/1 tcp 22  THEN tcp 22 is world-open via both
    assert ssh_flagged(
        rule("sgr-a", "0.0.0.0/1", protocol="all", ports=None), rule("sgr-b", "128.0.0.0/1")
    ) == ["sgr-a", "sgr-b"]


def test_all_traffic_halves_are_all_traffic_from_the_world() -> None:
    chk = check(AllTraffic(Sources()))
    estate = group(
        rule("sgr-a", "0.0.0.0/1", protocol="all", ports=None),
        rule("sgr-b", "128.0.0.0/1", protocol="all", ports=None),
    )
    result = scan(policy(chk), snapshot(estate))
    assert flagged(result) == ["sgr-a", "sgr-b"]
    assert {f.reason for f in result.violations} == {Reason.COVERAGE_WORLD_OPEN}


def test_all_traffic_half_with_a_tcp_half_is_not_all_traffic() -> None:
    # GIVEN 0/1 all traffic and 128/1 tcp 0-65535: udp is not world-open, so not all traffic
    chk = check(AllTraffic(Sources()))
    estate = group(
        rule("sgr-a", "0.0.0.0/1", protocol="all", ports=None),
        rule("sgr-b", "128.0.0.0/1", ports=(0, 65535)),
    )
    assert flagged(scan(policy(chk), snapshot(estate))) == []


def test_coverage_is_judged_by_authorized_ports_on_the_covered_ports_only() -> None:
    # GIVEN 0/1 on tcp 80-443 and 128/1 on tcp 80, with tcp 80 authorized
    chk = check(AuthorizedPorts((port_spec("tcp", 80),), Sources()))
    estate = group(
        rule("sgr-a", "0.0.0.0/1", ports=(80, 443)), rule("sgr-b", "128.0.0.0/1", ports=80)
    )
    # WHEN judged  THEN only tcp 80 is world-open, and it is authorized
    assert flagged(scan(policy(chk), snapshot(estate))) == []


def test_world_rule_is_flagged_directly_not_by_coverage() -> None:
    # GIVEN 0.0.0.0/0 next to 0/1  THEN the world rule is world-open, the half alone is not
    result = scan(
        policy(SSH), snapshot(group(rule("sgr-w", "0.0.0.0/0"), rule("sgr-a", "0.0.0.0/1")))
    )
    assert one_finding(result).rule_id == "sgr-w"
    assert one_finding(result).reason is Reason.WORLD_OPEN


def test_coverage_detection_is_on_unless_a_policy_switches_it_off() -> None:
    assert Settings().coverage_detection is True


def test_coverage_detection_can_be_switched_off() -> None:
    # GIVEN the halves  WHEN settings.coverage_detection is False  THEN not flagged
    off = Settings(coverage_detection=False)
    assert ssh_flagged(rule("sgr-a", "0.0.0.0/1"), rule("sgr-b", "128.0.0.0/1"), settings=off) == []


def test_prefix_lists_that_together_cover_the_family_are_world_open() -> None:
    # GIVEN two prefix lists, one per IPv4 half, on tcp 22
    estate = snapshot(
        group(rule("sgr-a", "pl-low"), rule("sgr-b", "pl-high")),
        prefix_lists={"pl-low": ("0.0.0.0/1",), "pl-high": ("128.0.0.0/1",)},
    )
    # WHEN judged  THEN both are world-open by coverage
    assert flagged(scan(policy(SSH), estate)) == ["sgr-a", "sgr-b"]


def test_one_prefix_list_whose_entries_cover_the_family_is_world_open() -> None:
    # GIVEN one prefix list holding 0.0.0.0/1 and 128.0.0.0/1, on tcp 22
    estate = snapshot(
        group(rule("sgr-a", "pl-halves")),
        prefix_lists={"pl-halves": ("0.0.0.0/1", "128.0.0.0/1")},
    )
    # WHEN judged for world access  THEN the rule is world-open
    assert flagged(scan(policy(SSH), estate)) == ["sgr-a"]


def test_coverage_is_reported_as_world_open_when_public_sources_also_count() -> None:
    # GIVEN the IPv4 halves on tcp 22  WHEN a check counts the world and any public range
    chk = check(restricted(port_spec("tcp", 22), sources=Sources(world=True, public=True)))
    result = scan(
        policy(chk), snapshot(group(rule("sgr-a", "0.0.0.0/1"), rule("sgr-b", "128.0.0.0/1")))
    )
    # THEN each rule is reported as world-open by coverage, the stronger of its two reasons
    assert [f.reason for f in result.violations] == [Reason.COVERAGE_WORLD_OPEN] * 2


def test_list_public_only_in_the_other_family_is_not_part_of_a_coverage_finding() -> None:
    # GIVEN the IPv4 halves on tcp 22, plus a list of 10.0.0.0/8 and 2600::/16 on tcp 22
    estate = snapshot(
        group(rule("sgr-a", "0.0.0.0/1"), rule("sgr-b", "128.0.0.0/1"), rule("sgr-m", "pl-mixed")),
        prefix_lists={"pl-mixed": ("10.0.0.0/8", "2600::/16")},
    )
    # WHEN judged for world access  THEN only the halves are world-open: the list adds only a
    # private IPv4 range (a plain 10.0.0.0/8 rule is not flagged) and one IPv6 /16
    assert flagged(scan(policy(SSH), estate)) == ["sgr-a", "sgr-b"]
