"""Every check type loads to the right core dataclass with the documented defaults."""

from __future__ import annotations

import ipaddress
from datetime import date
from typing import Any

from sgcompliance.engine.model import Direction
from sgcompliance.engine.policy import (
    AllTraffic,
    AuthorizedPorts,
    Check,
    CheckType,
    DefaultGroupClosed,
    DescriptionRequired,
    MaxRules,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Selector,
    Settings,
    Severity,
    Sources,
    UntrustedReference,
    WidePublicCidr,
)
from sgcompliance.policy.loader import parse_policy

INGRESS = frozenset({Direction.INGRESS})
BOTH = frozenset({Direction.INGRESS, Direction.EGRESS})
CHECKS: dict[str, Any] = {"checks": [{"id": "C1", "type": "all_traffic", "severity": "low"}]}


def load_check(**check: Any) -> Check:
    doc = {"version": "1", "id": "p", "checks": [{"id": "C1", "severity": "high", **check}]}
    return parse_policy(doc, "test").checks[0]


def test_common_keys_default_to_title_id_enabled_flag_ingress_and_empty_selector() -> None:
    # GIVEN a check with only its required keys WHEN it loads
    check = load_check(type="all_traffic")
    # THEN every common key has its documented default
    assert check.title == "C1"
    assert check.enabled is True
    assert check.remediation is Remediation.FLAG
    assert check.directions == INGRESS
    assert check.selector == Selector()
    assert check.references == ()
    assert check.description == ""
    assert check.severity is Severity.HIGH


def test_common_keys_given_explicitly_are_carried_over() -> None:
    check = load_check(
        type="all_traffic",
        title="No all traffic",
        enabled=False,
        remediation="lockdown",
        directions=["egress"],
        selector={
            "accounts": ["123456789012"],
            "regions": ["eu-west-1"],
            "group_tags": {"env": "prod", "owner": None},
        },
        references=["AWS FSBP EC2.19"],
        description="Remove the rule.",
    )
    assert (check.title, check.enabled, check.remediation) == (
        "No all traffic",
        False,
        Remediation.LOCKDOWN,
    )
    assert check.directions == frozenset({Direction.EGRESS})
    assert check.selector == Selector(
        accounts=frozenset({"123456789012"}),
        regions=frozenset({"eu-west-1"}),
        group_tags=(("env", "prod"), ("owner", None)),
    )
    assert check.references == ("AWS FSBP EC2.19",)
    assert check.description == "Remove the rule."


def test_restricted_ports_reads_single_ports_ranges_and_integers() -> None:
    check = load_check(
        type="restricted_ports",
        ports=[
            {"protocols": ["tcp"], "ports": "22"},
            {"protocols": ["udp"], "ports": "20-25"},
            {"protocols": ["tcp", "udp"], "ports": 3389},
        ],
    )
    assert check.type is CheckType.RESTRICTED_PORTS
    assert check.spec == RestrictedPorts(
        ports=(
            PortSpec(frozenset({"tcp"}), (22, 22)),
            PortSpec(frozenset({"udp"}), (20, 25)),
            PortSpec(frozenset({"tcp", "udp"}), (3389, 3389)),
        ),
        sources=Sources(world=True, public=False, cidrs=(), versions=frozenset({4, 6})),
    )


def test_protocol_all_in_a_port_spec_means_tcp_and_udp() -> None:
    check = load_check(type="restricted_ports", ports=[{"protocols": ["all"], "ports": "53"}])
    assert isinstance(check.spec, RestrictedPorts)
    assert check.spec.ports[0].protocols == frozenset({"tcp", "udp"})


def test_sources_map_world_public_and_cidrs_and_ip_versions() -> None:
    check = load_check(
        type="restricted_ports",
        ports=[{"protocols": ["tcp"], "ports": "22"}],
        sources=["public", "10.0.0.0/8", "2001:db8::/32"],
        ip_versions=[6],
    )
    assert isinstance(check.spec, RestrictedPorts)
    assert check.spec.sources == Sources(
        world=False,
        public=True,
        cidrs=(ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8::/32")),
        versions=frozenset({6}),
    )


def test_authorized_ports_only_defaults_to_tcp_80_and_443_from_world() -> None:
    check = load_check(type="authorized_ports_only")
    assert check.spec == AuthorizedPorts(
        allowed=(PortSpec(frozenset({"tcp"}), (80, 80)), PortSpec(frozenset({"tcp"}), (443, 443))),
        sources=Sources(),
    )


def test_authorized_ports_only_takes_an_empty_allowed_list_as_nothing_allowed() -> None:
    check = load_check(type="authorized_ports_only", allowed=[])
    assert isinstance(check.spec, AuthorizedPorts)
    assert check.spec.allowed == ()


def test_all_traffic_defaults_to_world_sources() -> None:
    check = load_check(type="all_traffic")
    assert check.spec == AllTraffic(Sources())


def test_wide_public_cidr_reads_prefixes_and_includes_world_by_default() -> None:
    check = load_check(type="wide_public_cidr", ipv4_min_prefix=16, ipv6_min_prefix=48)
    assert check.spec == WidePublicCidr(ipv4_min_prefix=16, ipv6_min_prefix=48, include_world=True)


def test_wide_public_cidr_can_leave_world_ranges_out() -> None:
    check = load_check(
        type="wide_public_cidr", ipv4_min_prefix=8, ipv6_min_prefix=32, include_world=False
    )
    assert check.spec == WidePublicCidr(8, 32, include_world=False)


def test_default_group_closed_judges_both_directions_by_default() -> None:
    check = load_check(type="default_group_closed")
    assert check.spec == DefaultGroupClosed()
    assert check.directions == BOTH


def test_description_required_judges_both_directions_by_default() -> None:
    check = load_check(type="description_required")
    assert check.spec == DescriptionRequired()
    assert check.directions == BOTH


def test_untrusted_reference_carries_its_own_trusted_accounts() -> None:
    check = load_check(type="untrusted_reference", trusted_accounts=["210987654321"])
    assert check.spec == UntrustedReference(frozenset({"210987654321"}))


def test_untrusted_reference_defaults_to_no_extra_trusted_accounts() -> None:
    assert load_check(type="untrusted_reference").spec == UntrustedReference()


def test_max_rules_counts_both_directions_together_by_default() -> None:
    check = load_check(type="max_rules", maximum=100)
    assert check.spec == MaxRules(maximum=100, direction=None)


def test_max_rules_can_count_one_direction() -> None:
    check = load_check(type="max_rules", maximum=0, direction="egress")
    assert check.spec == MaxRules(maximum=0, direction=Direction.EGRESS)


def test_settings_default_to_the_core_defaults() -> None:
    policy = parse_policy({"version": "1", "id": "p", **CHECKS}, "test")
    assert policy.settings == Settings()


def test_settings_are_read_from_the_document() -> None:
    doc = {
        "version": "1",
        "id": "p",
        "settings": {
            "coverage_detection": False,
            "resolve_prefix_lists": False,
            "trusted_accounts": ["123456789012"],
            "unresolved_prefix_list_severity": "critical",
        },
        **CHECKS,
    }
    assert parse_policy(doc, "test").settings == Settings(
        coverage_detection=False,
        resolve_prefix_lists=False,
        trusted_accounts=frozenset({"123456789012"}),
        unresolved_prefix_list_severity=Severity.CRITICAL,
    )


def test_an_exemption_loads_with_every_criterion() -> None:
    doc = {
        "version": "1",
        "id": "p",
        **CHECKS,
        "exemptions": [
            {
                "id": "bastion-ssh",
                "owner": "netops@example.com",
                "reason": "bastion",
                "ticket": "SEC-123",
                "expires": "2026-12-31",
                "match": {
                    "checks": ["C1"],
                    "group_ids": ["sg-0123abcd"],
                    "rule_ids": ["sgr-0123abcd"],
                    "accounts": ["123456789012"],
                    "regions": ["us-east-1"],
                    "tags": {"role": "bastion", "approved": None},
                },
            }
        ],
    }
    exemption = parse_policy(doc, "test").exemptions[0]
    assert (exemption.id, exemption.owner, exemption.reason, exemption.ticket) == (
        "bastion-ssh",
        "netops@example.com",
        "bastion",
        "SEC-123",
    )
    assert exemption.expires == date(2026, 12, 31)
    assert exemption.checks == frozenset({"C1"})
    assert exemption.group_ids == frozenset({"sg-0123abcd"})
    assert exemption.rule_ids == frozenset({"sgr-0123abcd"})
    assert exemption.accounts == frozenset({"123456789012"})
    assert exemption.regions == frozenset({"us-east-1"})
    assert exemption.tags == (("approved", None), ("role", "bastion"))


def test_an_exemption_without_ticket_or_expiry_has_none() -> None:
    doc = {
        "version": "1",
        "id": "p",
        **CHECKS,
        "exemptions": [{"id": "e", "owner": "o", "reason": "r", "match": {"checks": ["C1"]}}],
    }
    exemption = parse_policy(doc, "test").exemptions[0]
    assert (exemption.ticket, exemption.expires) == (None, None)


def test_the_policy_carries_id_version_and_description() -> None:
    doc = {"version": "1", "id": "acme", "description": "Acme baseline", **CHECKS}
    policy = parse_policy(doc, "test")
    assert (policy.id, policy.version, policy.description) == ("acme", "1", "Acme baseline")
    assert len(policy.digest) == 64
