"""Allowed public ranges: a rule whose whole peer lies inside a check's allowed set (CIDRs and
managed prefix lists) is not judged by that check; a peer partly outside still is."""

from __future__ import annotations

from typing import Any

import pytest
from estate_builder import (
    check,
    exemption,
    flagged,
    group,
    policy,
    port_spec,
    rule,
    scan,
    snapshot,
)

from sgcompliance.engine.network import RangeSet, cidr_info
from sgcompliance.engine.policy import (
    AllowedPeers,
    AllTraffic,
    AuthorizedPorts,
    RestrictedPorts,
    Sources,
    WidePublicCidr,
)
from sgcompliance.policy.governance import policy_warnings
from sgcompliance.policy.loader import parse_policy, resolve_document, validate_document

CDN = AllowedPeers(cidrs=("13.32.0.0/15", "2600:9000::/28"), prefix_lists=("pl-cdn",))
HTTPS_ONLY = check(AuthorizedPorts((port_spec("tcp", 443),), Sources(allowed=CDN)))


def ranges(*cidrs: str) -> RangeSet:
    return RangeSet([cidr_info(c) for c in cidrs])


@pytest.mark.parametrize(
    ("union", "cidr", "inside"),
    [
        (("10.0.0.0/9", "10.128.0.0/9"), "10.0.0.0/8", True),  # spans two listed CIDRs
        (("10.0.0.0/9", "10.128.0.0/10"), "10.0.0.0/8", False),  # a gap at 10.192.0.0/10
        (("10.0.0.0/8",), "10.255.255.255/32", True),  # the last address
        (("10.0.0.0/8",), "11.0.0.0/32", False),  # the first one past it
        (("10.0.0.0/8",), "9.255.255.255/32", False),  # the last one before it
        (("13.32.0.0/15",), "13.32.0.0/14", False),  # wider than the listed range
        (("2600:9000::/28",), "2600:9000:1::/48", True),
        (("2600:9000::/28",), "2600:9010::/28", False),
        (("2600:9000::/29", "2600:9008::/29"), "2600:9000::/28", True),
        (("0.0.0.0/1",), "::/1", False),  # versions never mix
        (("::/0",), "0.0.0.0/1", False),
        ((), "10.0.0.0/8", False),
    ],
)
def test_range_sets_answer_containment_exactly(
    union: tuple[str, ...], cidr: str, inside: bool
) -> None:
    assert ranges(*union).holds(cidr_info(cidr)) is inside


def test_a_peer_wholly_inside_the_allowed_set_is_not_judged() -> None:
    # GIVEN tcp 8080 from a CloudFront range, from a wider range and from the world
    estate = snapshot(
        group(
            rule("sgr-cdn", "13.33.0.0/16", ports=8080),
            rule("sgr-cdn6", "2600:9000:5::/48", ports=8080),
            rule("sgr-wider", "13.32.0.0/14", ports=8080),
            rule("sgr-world", "0.0.0.0/0", ports=8080),
        )
    )
    # WHEN judged by a check that allows the CDN's ranges
    chk = check(AuthorizedPorts((port_spec("tcp", 443),), Sources(public=True, allowed=CDN)))
    # THEN only the peers reaching outside the CDN's ranges are findings
    assert flagged(scan(policy(chk), estate)) == ["sgr-wider", "sgr-world"]


def test_a_prefix_list_allows_by_its_entries_in_the_region_judged() -> None:
    rules = (rule("sgr-in", "13.32.1.0/24", ports=8080), rule("sgr-out", "8.8.8.0/24", ports=8080))
    allowed = AllowedPeers(prefix_lists=("pl-cdn",))
    chk = check(AuthorizedPorts((), Sources(public=True, allowed=allowed)))
    resolved = snapshot(group(*rules), prefix_lists={"pl-cdn": ("13.32.0.0/15",)})
    # GIVEN the list resolves in one region and not in another
    unresolved = snapshot(group(*rules, group_id="sg-2"), region="us-east-1")
    result = scan(policy(chk), resolved, unresolved)
    by_group = {(f.region, f.rule_id) for f in result.violations}
    # THEN where it resolves, only the peer outside it is a finding; where not, it allows nothing
    assert by_group == {
        ("eu-west-1", "sgr-out"),
        ("us-east-1", "sgr-in"),
        ("us-east-1", "sgr-out"),
    }


def test_a_prefix_list_peer_counts_only_when_every_entry_is_allowed() -> None:
    estate = snapshot(
        group(rule("sgr-inside", "pl-cdn", ports=8080), rule("sgr-mixed", "pl-mixed", ports=8080)),
        prefix_lists={
            "pl-cdn": ("13.32.0.0/16", "13.33.0.0/16"),
            "pl-mixed": ("13.32.0.0/16", "1.1.1.0/24"),
        },
    )
    chk = check(AuthorizedPorts((), Sources(public=True, allowed=CDN)))
    assert flagged(scan(policy(chk), estate)) == ["sgr-mixed"]


def test_allowed_ranges_also_spare_wide_cidr_and_all_traffic_checks() -> None:
    estate = snapshot(group(rule("sgr-cdn", "13.32.0.0/15", protocol="all", ports=None)))
    wide = check(WidePublicCidr(16, 48, allowed=CDN), check_id="WIDE")
    everything = check(AllTraffic(Sources(public=True, allowed=CDN)), check_id="ALL")
    plain = check(AllTraffic(Sources(public=True)), check_id="PLAIN")
    result = scan(policy(wide, everything, plain), estate)
    assert {f.check_id for f in result.violations} == {"PLAIN"}


def test_coverage_judges_each_partner_by_its_own_peer() -> None:
    # GIVEN two halves of IPv4 on tcp 22, one half allowed
    estate = snapshot(group(rule("sgr-low", "0.0.0.0/1"), rule("sgr-high", "128.0.0.0/1")))
    allowed = AllowedPeers(cidrs=("0.0.0.0/1",))
    chk = check(RestrictedPorts((port_spec("tcp", 22),), Sources(allowed=allowed)))
    # THEN the half outside the allowed set is still world-open with its partner
    assert flagged(scan(policy(chk), estate)) == ["sgr-high"]


def test_an_exemption_with_peers_within_applies_only_to_peers_inside() -> None:
    estate = snapshot(group(rule("sgr-cdn", "13.32.0.0/16"), rule("sgr-world", "0.0.0.0/0")))
    ssh = check(RestrictedPorts((port_spec("tcp", 22),), Sources(public=True)))
    exempt = exemption("EX-CDN", checks=frozenset({"CHK"}), peers_within=CDN)
    result = scan(policy(ssh, exemptions=[exempt]), estate)
    assert [f.rule_id for f in result.exempted] == ["sgr-cdn"]
    assert flagged(result) == ["sgr-world"]


def _doc(**check_keys: Any) -> dict[str, Any]:
    chk = {"id": "WEB", "type": "authorized_ports_only", "severity": "high", **check_keys}
    return {"version": "1", "id": "p", "checks": [chk]}


def test_policy_documents_carry_allowed_peers_canonically() -> None:
    doc = _doc(allowed_peers=["pl-0cd0", "2600:9000::/28", "13.32.0.0/15"])
    spelled = _doc(allowed_peers=["13.32.0.0/15", "2600:9000:0::/28", "pl-0cd0"])
    loaded = parse_policy(doc, "t")
    spec = loaded.checks[0].spec
    assert isinstance(spec, AuthorizedPorts)
    assert spec.sources.allowed == AllowedPeers(("13.32.0.0/15", "2600:9000::/28"), ("pl-0cd0",))
    assert loaded.digest == parse_policy(spelled, "t").digest
    # An empty set is the default: it leaves the digest of a policy without the key unchanged.
    assert parse_policy(_doc(allowed_peers=[]), "t").digest == parse_policy(_doc(), "t").digest
    assert "allowed_peers" not in resolve_document(_doc(), "t")["checks"][0]


@pytest.mark.parametrize(
    ("peers", "path", "words"),
    [
        (["10.1.2.3/8"], "$.checks[0].allowed_peers[0]", "did you mean 10.0.0.0/8?"),
        (["0.0.0.0/0"], "$.checks[0].allowed_peers[0]", "allows every address"),
        (["::/0"], "$.checks[0].allowed_peers[0]", "allows every address"),
        (["pl-"], "$.checks[0].allowed_peers[0]", "prefix list id"),
        (["cloudfront"], "$.checks[0].allowed_peers[0]", "prefix list id"),
        (["pl-a", "pl-a"], "$.checks[0].allowed_peers", "must be unique"),
    ],
)
def test_bad_allowed_peers_are_named_with_a_hint(peers: list[str], path: str, words: str) -> None:
    problems = {
        p: f"{m} (hint: {h})" for p, m, h in validate_document(_doc(allowed_peers=peers), "t")
    }
    assert path in problems, problems
    assert words in problems[path]


def test_allowed_peers_are_refused_on_checks_that_do_not_judge_ranges() -> None:
    doc = {
        "version": "1",
        "id": "p",
        "checks": [
            {
                "id": "D",
                "type": "description_required",
                "severity": "low",
                "allowed_peers": ["pl-a"],
            }
        ],
    }
    assert any("allowed_peers" in m for _, m, _ in validate_document(doc, "t"))


def test_a_world_peers_within_is_refused_in_an_exemption() -> None:
    doc = _doc()
    doc["exemptions"] = [
        {"id": "E", "owner": "o", "reason": "r", "match": {"peers_within": ["0.0.0.0/0"]}}
    ]
    problems = {p: m for p, m, _ in validate_document(doc, "t")}
    assert "allows every address" in problems["$.exemptions[0].match.peers_within[0]"]


def test_validate_warns_about_allowed_ranges_wider_than_a_provider_would_publish() -> None:
    doc = _doc(allowed_peers=["12.0.0.0/7", "13.32.0.0/15", "2600::/15", "pl-0cd0"])
    lines = policy_warnings(parse_policy(doc, "t"))
    assert [line.split(" holds ")[1].split(",")[0] for line in lines] == ["12.0.0.0/7", "2600::/15"]
    assert all(line.startswith("check 'WEB' allowed_peers") for line in lines)
