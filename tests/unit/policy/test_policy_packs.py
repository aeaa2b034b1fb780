"""The built-in packs: exact check ids, ports, sources and settings."""

from __future__ import annotations

import pytest

from sgcompliance.engine.model import Direction
from sgcompliance.engine.policy import (
    AuthorizedPorts,
    Check,
    CheckType,
    MaxRules,
    Policy,
    Remediation,
    RestrictedPorts,
    Settings,
    Severity,
    Sources,
    WidePublicCidr,
)
from sgcompliance.engine.protocol import Interval
from sgcompliance.policy.loader import DEFAULT_POLICY, builtin_packs, load_policy

FSBP_IDS = ["EC2.2", "EC2.13", "EC2.14", "EC2.18", "EC2.19"]
CIS_IDS = ["CIS-5.2", "CIS-5.3", "CIS-5.4"]
STRICT_OWN_IDS = [
    "SGC-DATASTORE",
    "SGC-ALL-TRAFFIC",
    "SGC-WIDE-CIDR",
    "SGC-UNTRUSTED-REF",
    "SGC-DESCRIPTION",
    "SGC-MAX-RULES",
]
EC2_19_PORTS = [20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333]
EC2_19_PORTS += [5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300]
TCP_UDP = frozenset({"tcp", "udp"})
BOTH = frozenset({Direction.INGRESS, Direction.EGRESS})


def check_of(policy: Policy, check_id: str) -> Check:
    check = policy.check(check_id)
    assert check is not None, check_id
    return check


def ports_of(check: Check) -> list[tuple[frozenset[str], Interval]]:
    assert isinstance(check.spec, RestrictedPorts | AuthorizedPorts)
    specs = check.spec.ports if isinstance(check.spec, RestrictedPorts) else check.spec.allowed
    return [(s.protocols, s.interval) for s in specs]


def test_the_builtin_packs_are_listed() -> None:
    assert builtin_packs() == ["aws-fsbp", "cis-aws", "strict"]


def test_the_default_policy_is_strict() -> None:
    assert DEFAULT_POLICY == "builtin:strict"


@pytest.mark.parametrize("name", ["aws-fsbp", "cis-aws", "strict"])
def test_every_pack_detects_coverage_and_resolves_prefix_lists(name: str) -> None:
    assert load_policy(f"builtin:{name}").settings == Settings(
        coverage_detection=True, resolve_prefix_lists=True
    )


@pytest.mark.parametrize("name", ["aws-fsbp", "cis-aws", "strict"])
def test_every_pack_check_has_a_reference_and_a_manual_fix(name: str) -> None:
    checks = load_policy(f"builtin:{name}").checks
    assert all(c.references and c.description and c.enabled for c in checks)


def test_fsbp_has_exactly_its_controls() -> None:
    assert [c.id for c in load_policy("builtin:aws-fsbp").checks] == FSBP_IDS


def test_fsbp_ec2_2_closes_the_default_group_both_ways() -> None:
    check = check_of(load_policy("builtin:aws-fsbp"), "EC2.2")
    assert (check.type, check.severity, check.remediation) == (
        CheckType.DEFAULT_GROUP_CLOSED,
        Severity.HIGH,
        Remediation.REMOVE,
    )
    assert check.directions == BOTH
    assert "AWS FSBP EC2.2" in check.references


@pytest.mark.parametrize(("check_id", "port"), [("EC2.13", 22), ("EC2.14", 3389)])
def test_fsbp_admin_port_checks_restrict_one_tcp_port_from_world(check_id: str, port: int) -> None:
    check = check_of(load_policy("builtin:aws-fsbp"), check_id)
    assert (check.severity, check.remediation) == (Severity.HIGH, Remediation.REMOVE)
    assert ports_of(check) == [(frozenset({"tcp"}), (port, port))]
    assert isinstance(check.spec, RestrictedPorts)
    assert check.spec.sources == Sources()


def test_fsbp_ec2_18_authorizes_only_tcp_80_and_443_from_world() -> None:
    check = check_of(load_policy("builtin:aws-fsbp"), "EC2.18")
    assert check.type is CheckType.AUTHORIZED_PORTS
    assert (check.severity, check.remediation) == (Severity.HIGH, Remediation.REMOVE)
    assert ports_of(check) == [(frozenset({"tcp"}), (80, 80)), (frozenset({"tcp"}), (443, 443))]


def test_fsbp_ec2_19_restricts_the_high_risk_ports_over_tcp_and_udp() -> None:
    check = check_of(load_policy("builtin:aws-fsbp"), "EC2.19")
    assert (check.severity, check.remediation) == (Severity.CRITICAL, Remediation.REMOVE)
    assert ports_of(check) == [(TCP_UDP, (p, p)) for p in EC2_19_PORTS]
    assert isinstance(check.spec, RestrictedPorts)
    assert check.spec.sources == Sources()


def test_cis_has_exactly_its_recommendations() -> None:
    assert [c.id for c in load_policy("builtin:cis-aws").checks] == CIS_IDS


@pytest.mark.parametrize(("check_id", "version"), [("CIS-5.2", 4), ("CIS-5.3", 6)])
def test_cis_admin_port_checks_split_ipv4_and_ipv6_world(check_id: str, version: int) -> None:
    check = check_of(load_policy("builtin:cis-aws"), check_id)
    assert ports_of(check) == [(TCP_UDP, (22, 22)), (TCP_UDP, (3389, 3389))]
    assert isinstance(check.spec, RestrictedPorts)
    assert check.spec.sources == Sources(world=True, versions=frozenset({version}))
    assert (check.severity, check.remediation) == (Severity.HIGH, Remediation.REMOVE)
    assert f"CIS AWS Foundations Benchmark v3.0.0 {check_id[4:]}" in check.references


def test_cis_5_4_closes_the_default_group() -> None:
    check = check_of(load_policy("builtin:cis-aws"), "CIS-5.4")
    assert check.type is CheckType.DEFAULT_GROUP_CLOSED
    assert check.directions == BOTH
    assert "CIS AWS Foundations Benchmark v3.0.0 5.4" in check.references


def test_strict_is_both_packs_plus_its_own_checks() -> None:
    assert [c.id for c in load_policy("builtin:strict").checks] == (
        FSBP_IDS + CIS_IDS + STRICT_OWN_IDS
    )


def test_strict_takes_the_pack_checks_unchanged() -> None:
    strict = load_policy("builtin:strict")
    for name in ("aws-fsbp", "cis-aws"):
        for check in load_policy(f"builtin:{name}").checks:
            assert check_of(strict, check.id) == check


def test_strict_datastore_ports_are_closed_to_world_and_public() -> None:
    check = check_of(load_policy("builtin:strict"), "SGC-DATASTORE")
    single = [1521, 2483, 6379, 7199, 9092, 9160, 11211, 27017, 27018, 2049]
    expected = [(TCP_UDP, (p, p)) for p in single]
    expected += [(TCP_UDP, (137, 139)), (frozenset({"udp"}), (53, 53))]
    assert ports_of(check) == expected
    assert isinstance(check.spec, RestrictedPorts)
    assert check.spec.sources == Sources(world=True, public=True)
    assert (check.severity, check.remediation) == (Severity.HIGH, Remediation.REMOVE)


def test_strict_all_traffic_is_critical_and_removed() -> None:
    check = check_of(load_policy("builtin:strict"), "SGC-ALL-TRAFFIC")
    assert check.type is CheckType.ALL_TRAFFIC
    assert (check.severity, check.remediation) == (Severity.CRITICAL, Remediation.REMOVE)


def test_strict_wide_cidr_flags_ranges_wider_than_16_and_48() -> None:
    check = check_of(load_policy("builtin:strict"), "SGC-WIDE-CIDR")
    assert check.spec == WidePublicCidr(16, 48, include_world=False)
    assert (check.severity, check.remediation) == (Severity.MEDIUM, Remediation.FLAG)


@pytest.mark.parametrize(
    ("check_id", "kind", "severity"),
    [
        ("SGC-UNTRUSTED-REF", CheckType.UNTRUSTED_REFERENCE, Severity.HIGH),
        ("SGC-DESCRIPTION", CheckType.DESCRIPTION_REQUIRED, Severity.LOW),
        ("SGC-MAX-RULES", CheckType.MAX_RULES, Severity.LOW),
    ],
)
def test_strict_hygiene_checks_only_flag(
    check_id: str, kind: CheckType, severity: Severity
) -> None:
    check = check_of(load_policy("builtin:strict"), check_id)
    assert (check.type, check.severity, check.remediation) == (kind, severity, Remediation.FLAG)


def test_strict_max_rules_allows_100_rules_in_total() -> None:
    check = check_of(load_policy("builtin:strict"), "SGC-MAX-RULES")
    assert check.spec == MaxRules(maximum=100, direction=None)
