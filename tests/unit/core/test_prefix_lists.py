"""Managed prefix lists are judged by their entries; one that cannot be resolved is reported."""

from __future__ import annotations

from estate_builder import (
    BOTH_DIRECTIONS,
    check,
    exemption,
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
from sgcompliance.engine.policy import (
    UNRESOLVED_PREFIX_LIST_CHECK,
    Remediation,
    Settings,
    Severity,
    Sources,
    WidePublicCidr,
)

SSH = check(restricted(port_spec("tcp", 22)))
UNRESOLVED = UNRESOLVED_PREFIX_LIST_CHECK


def test_check_id_of_unresolved_lists_is_fixed() -> None:
    assert UNRESOLVED_PREFIX_LIST_CHECK == "SGC.PREFIX_LIST_UNRESOLVED"


def test_list_containing_the_world_is_world_open() -> None:
    # GIVEN tcp 22 from a prefix list with 10.0.0.0/8 and 0.0.0.0/0
    estate = snapshot(
        group(rule("sgr-1", "pl-open")), prefix_lists={"pl-open": ("10.0.0.0/8", "0.0.0.0/0")}
    )
    # WHEN judged for world access  THEN world-open, and the message shows the entries
    finding = one_finding(scan(policy(SSH), estate))
    assert finding.reason is Reason.WORLD_OPEN
    assert "pl-open (10.0.0.0/8, 0.0.0.0/0)" in finding.message


def test_list_with_only_private_entries_is_not_open() -> None:
    # GIVEN a prefix list of RFC 1918 and ULA ranges  WHEN judged for world or public  THEN fine
    chk = check(restricted(port_spec("tcp", 22), sources=Sources(world=True, public=True)))
    estate = snapshot(
        group(rule("sgr-1", "pl-office")),
        prefix_lists={"pl-office": ("10.0.0.0/8", "192.168.0.0/16", "fd00::/8")},
    )
    assert flagged(scan(policy(chk), estate)) == []


def test_list_with_a_public_entry_is_public() -> None:
    chk = check(restricted(port_spec("tcp", 22), sources=Sources(world=False, public=True)))
    estate = snapshot(
        group(rule("sgr-1", "pl-partner")),
        prefix_lists={"pl-partner": ("10.0.0.0/8", "8.8.8.0/24")},
    )
    assert one_finding(scan(policy(chk), estate)).reason is Reason.PUBLIC_OPEN


def test_empty_list_exposes_nothing() -> None:
    estate = snapshot(group(rule("sgr-1", "pl-empty")), prefix_lists={"pl-empty": ()})
    assert scan(policy(SSH), estate).findings == ()


def test_wide_entry_of_a_list_is_a_wide_public_range() -> None:
    chk = check(WidePublicCidr(ipv4_min_prefix=16, ipv6_min_prefix=48))
    estate = snapshot(group(rule("sgr-1", "pl-wide")), prefix_lists={"pl-wide": ("8.0.0.0/8",)})
    assert flagged(scan(policy(chk), estate)) == ["sgr-1"]


def test_unresolvable_list_is_its_own_finding() -> None:
    # GIVEN tcp 22 from a prefix list the snapshot has no entries for
    result = scan(policy(SSH), snapshot(group(rule("sgr-1", "pl-missing"))))
    # WHEN judged  THEN it is reported under SGC.PREFIX_LIST_UNRESOLVED, never silently passed
    finding = one_finding(result, UNRESOLVED)
    assert finding.rule_id == "sgr-1"
    assert finding.reason is Reason.UNRESOLVED_PREFIX_LIST
    assert finding.is_violation
    assert "pl-missing could not be resolved" in finding.message


def test_unresolvable_list_finding_takes_severity_from_settings_and_only_flags() -> None:
    settings = Settings(unresolved_prefix_list_severity=Severity.CRITICAL)
    result = scan(policy(SSH, settings=settings), snapshot(group(rule("sgr-1", "pl-missing"))))
    finding = one_finding(result, UNRESOLVED)
    assert (finding.severity, finding.remediation) == (Severity.CRITICAL, Remediation.FLAG)


def test_unresolvable_list_is_reported_for_egress_too() -> None:
    estate = snapshot(group(rule("sgr-out", "pl-missing", egress=True)))
    assert flagged(scan(policy(SSH), estate), UNRESOLVED) == ["sgr-out"]


def test_unresolvable_list_is_reported_even_when_no_check_cares_about_the_rule() -> None:
    # GIVEN a list on udp 53 while the only check restricts tcp 22  THEN still reported
    estate = snapshot(group(rule("sgr-1", "pl-missing", protocol="udp", ports=53)))
    assert flagged(scan(policy(SSH), estate), UNRESOLVED) == ["sgr-1"]


def test_unresolvable_list_finding_can_be_exempted() -> None:
    exempt = exemption(checks=frozenset({UNRESOLVED}), rule_ids=frozenset({"sgr-1"}))
    result = scan(policy(SSH, exemptions=[exempt]), snapshot(group(rule("sgr-1", "pl-missing"))))
    assert one_finding(result, UNRESOLVED).exempted_by == exempt


def test_list_resolution_is_on_unless_a_policy_switches_it_off() -> None:
    assert Settings().resolve_prefix_lists is True


def test_list_resolution_can_be_switched_off() -> None:
    # GIVEN a world list and a missing list  WHEN resolve_prefix_lists is False
    settings = Settings(resolve_prefix_lists=False)
    estate = snapshot(
        group(rule("sgr-open", "pl-open"), rule("sgr-missing", "pl-missing")),
        prefix_lists={"pl-open": ("0.0.0.0/0",)},
    )
    chk = check(restricted(port_spec("tcp", 22)), directions=BOTH_DIRECTIONS)
    # THEN lists are neither judged by their entries nor reported as unresolved
    assert scan(policy(chk, settings=settings), estate).findings == ()
