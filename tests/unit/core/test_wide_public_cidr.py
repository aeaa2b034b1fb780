"""wide_public_cidr: public ranges wider than the family's minimum prefix length."""

from __future__ import annotations

import pytest
from estate_builder import check, flagged, group, one_finding, policy, rule, scan, snapshot

from sgcompliance.engine.findings import Reason
from sgcompliance.engine.policy import WidePublicCidr

WIDE = check(WidePublicCidr(ipv4_min_prefix=16, ipv6_min_prefix=48))


def wide(cidr: str, spec: WidePublicCidr | None = None) -> list[str | None]:
    chk = WIDE if spec is None else check(spec)
    return flagged(scan(policy(chk), snapshot(group(rule("sgr-1", cidr)))))


@pytest.mark.parametrize("cidr", ["8.0.0.0/8", "52.0.0.0/15", "2600::/16", "2600:1f00::/47"])
def test_public_range_wider_than_the_threshold_is_flagged(cidr: str) -> None:
    assert wide(cidr) == ["sgr-1"]


@pytest.mark.parametrize("cidr", ["52.94.0.0/16", "8.8.8.8/32", "2600:1f18:1::/48", "2600::1/128"])
def test_public_range_at_or_below_the_threshold_is_fine(cidr: str) -> None:
    assert wide(cidr) == []


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "fc00::/7"])
def test_wide_private_range_is_not_flagged(cidr: str) -> None:
    assert wide(cidr) == []


def test_world_counts_as_wide_by_default() -> None:
    result = scan(policy(WIDE), snapshot(group(rule("sgr-1", "::/0"))))
    finding = one_finding(result)
    assert finding.reason is Reason.WIDE_CIDR
    assert "wider than /48" in finding.message


def test_world_can_be_left_to_other_checks() -> None:
    assert wide("0.0.0.0/0", WidePublicCidr(16, 48, include_world=False)) == []


def test_each_family_has_its_own_threshold() -> None:
    # GIVEN an IPv4 minimum of /8 and an IPv6 minimum of /64
    spec = WidePublicCidr(ipv4_min_prefix=8, ipv6_min_prefix=64)
    # THEN a /12 IPv4 range is fine while a /56 IPv6 range is wide
    assert wide("52.0.0.0/12", spec) == []
    assert wide("2600:1f18::/56", spec) == ["sgr-1"]


def test_coverage_halves_are_judged_by_their_own_width() -> None:
    # GIVEN the two IPv4 halves  THEN each is a wide public range in its own right, once
    estate = group(rule("sgr-a", "0.0.0.0/1"), rule("sgr-b", "128.0.0.0/1"))
    result = scan(policy(WIDE), snapshot(estate))
    assert flagged(result) == ["sgr-a", "sgr-b"]
    assert all("wider than /16" in f.message for f in result.findings)
