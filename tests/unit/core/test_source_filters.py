"""Sources of a check: the world, any public range, listed CIDRs, and IP versions."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from estate_builder import (
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
from sgcompliance.engine.policy import Sources

V4 = frozenset({4})
V6 = frozenset({6})


def judged(
    sources: Sources, *rules_: Rule, prefix_lists: Mapping[str, tuple[str, ...]] | None = None
) -> list[str | None]:
    chk = check(restricted(port_spec("tcp", 22), sources=sources))
    return flagged(scan(policy(chk), snapshot(group(*rules_), prefix_lists=prefix_lists)))


def listed(*cidrs: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


def test_ipv4_only_sources_ignore_ipv6_world() -> None:
    assert judged(Sources(versions=V4), rule("sgr-1", "::/0")) == []


def test_ipv4_only_sources_see_ipv4_world() -> None:
    assert judged(Sources(versions=V4), rule("sgr-1", "0.0.0.0/0")) == ["sgr-1"]


def test_ipv6_only_sources_ignore_ipv4_world() -> None:
    assert judged(Sources(versions=V6), rule("sgr-1", "0.0.0.0/0")) == []


def test_ipv6_only_sources_see_ipv6_world() -> None:
    assert judged(Sources(versions=V6), rule("sgr-1", "::/0")) == ["sgr-1"]


def test_ipv6_only_sources_see_ipv6_coverage() -> None:
    rules_ = (rule("sgr-a", "::/1"), rule("sgr-b", "8000::/1"))
    assert judged(Sources(versions=V6), *rules_) == ["sgr-a", "sgr-b"]


def test_ipv4_only_sources_ignore_ipv6_coverage() -> None:
    assert judged(Sources(versions=V4), rule("sgr-a", "::/1"), rule("sgr-b", "8000::/1")) == []


def test_ipv6_only_sources_judge_a_list_by_its_ipv6_entries() -> None:
    # GIVEN a list with the IPv4 world and a private IPv6 range  WHEN only IPv6 counts
    lists = {"pl-mixed": ("0.0.0.0/0", "fd00::/8")}
    # THEN the list is not world-open
    assert judged(Sources(versions=V6), rule("sgr-1", "pl-mixed"), prefix_lists=lists) == []


def test_ipv4_only_sources_ignore_ipv6_coverage_through_a_mixed_list() -> None:
    # GIVEN a list of 10.0.0.0/8 and ::/1 next to a rule from 8000::/1 (IPv6 coverage only)
    lists = {"pl-mixed": ("10.0.0.0/8", "::/1")}
    rules_ = (rule("sgr-a", "pl-mixed"), rule("sgr-b", "8000::/1"))
    # WHEN only IPv4 counts  THEN nothing is world-open: the list's IPv4 part is private
    assert judged(Sources(versions=V4), *rules_, prefix_lists=lists) == []


def test_world_only_sources_ignore_public_ranges() -> None:
    assert judged(Sources(world=True, public=False), rule("sgr-1", "52.94.0.0/16")) == []


def test_public_sources_include_the_world() -> None:
    result = scan(
        policy(check(restricted(port_spec("tcp", 22), sources=Sources(world=False, public=True)))),
        snapshot(group(rule("sgr-1", "0.0.0.0/0"))),
    )
    assert one_finding(result).reason is Reason.PUBLIC_OPEN


def test_rule_overlapping_a_listed_cidr_is_flagged() -> None:
    # GIVEN a check listing 10.1.0.0/16 only  WHEN a rule opens 10.0.0.0/8 (a supernet)
    sources = Sources(world=False, cidrs=listed("10.1.0.0/16"))
    result = scan(
        policy(check(restricted(port_spec("tcp", 22), sources=sources))),
        snapshot(group(rule("sgr-1", "10.0.0.0/8"))),
    )
    # THEN the overlap counts as the listed range being open
    assert one_finding(result).reason is Reason.LISTED_CIDR_OPEN


def test_rule_inside_a_listed_cidr_is_flagged() -> None:
    sources = Sources(world=False, cidrs=listed("10.0.0.0/8"))
    assert judged(sources, rule("sgr-1", "10.9.9.0/24")) == ["sgr-1"]


def test_rule_disjoint_from_listed_cidrs_is_fine() -> None:
    sources = Sources(world=False, cidrs=listed("10.1.0.0/16", "2001:db8::/32"))
    assert judged(sources, rule("sgr-1", "10.2.0.0/16"), rule("sgr-2", "fd00::/8")) == []


def test_listed_cidr_of_the_other_family_does_not_overlap() -> None:
    sources = Sources(world=False, cidrs=listed("::/0"))
    assert judged(sources, rule("sgr-1", "10.0.0.0/8")) == []


def test_listed_cidr_matches_an_entry_of_a_prefix_list() -> None:
    sources = Sources(world=False, cidrs=listed("192.168.1.0/24"))
    lists = {"pl-office": ("192.168.0.0/16",)}
    assert judged(sources, rule("sgr-1", "pl-office"), prefix_lists=lists) == ["sgr-1"]
