"""Properties of the pure engine over random estates (see engine_estates) and a fixed policy:
deterministic, order-independent, and monotone where exposure only grows."""

from __future__ import annotations

import ipaddress
import random
from dataclasses import replace

from engine_estates import (
    POLICY,
    PORT_CHECKS,
    PREFIX_LISTS,
    PROPERTY_SETTINGS,
    TODAY,
    WORLD_REASONS,
    estates,
    exemptions,
    rules,
)
from hypothesis import given
from hypothesis import strategies as st

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import Direction, PeerKind, RegionSnapshot, Rule
from sgcompliance.engine.network import SourceClass, classify
from sgcompliance.engine.policy import Policy

# --- helpers -----------------------------------------------------------------------------


def judge(estate: RegionSnapshot, policy: Policy = POLICY) -> ScanResult:
    return evaluate(policy, [estate], today=TODAY)


def outcome(finding: Finding) -> tuple[object, ...]:
    """What a finding says, without the group value (whose rule order may legitimately vary)."""
    exempted = finding.exempted_by.id if finding.exempted_by else None
    return (finding.finding_id, finding.check_id, finding.group_id, finding.rule_id,
            finding.reason, finding.severity, finding.message, exempted)  # fmt: skip


def outcomes(result: ScanResult) -> list[tuple[object, ...]]:
    return [outcome(f) for f in result.findings]


def ids_of(result: ScanResult, rule_id: str, checks: frozenset[str]) -> set[str]:
    return {f.finding_id for f in result.findings if f.rule_id == rule_id and f.check_id in checks}


def with_rule(
    estate: RegionSnapshot, where: tuple[int, int], new: Rule, *, insert: bool = False
) -> RegionSnapshot:
    """The estate with the rule at `where` replaced by `new` (or `new` inserted there)."""
    gi, ri = where
    group = estate.groups[gi]
    members = (*group.rules[:ri], new, *group.rules[ri + (0 if insert else 1) :])
    changed = replace(group, rules=members)
    return replace(estate, groups=(*estate.groups[:gi], changed, *estate.groups[gi + 1 :]))


def rule_positions(estate: RegionSnapshot) -> list[tuple[int, int]]:
    return [(gi, ri) for gi, g in enumerate(estate.groups) for ri in range(len(g.rules))]


# --- properties --------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(estates())
def test_evaluation_is_deterministic(estate: RegionSnapshot) -> None:
    # GIVEN any estate  WHEN judged twice  THEN the findings are equal, in the same order
    assert judge(estate).findings == judge(estate).findings


@PROPERTY_SETTINGS
@given(estates())
def test_findings_come_in_location_then_check_order(estate: RegionSnapshot) -> None:
    # GIVEN any estate  WHEN judged  THEN findings are ordered by account, region, group, rule
    # and check, and no finding id repeats
    findings = judge(estate).findings
    assert list(findings) == sorted(findings, key=Finding.sort_key)
    assert len({f.finding_id for f in findings}) == len(findings)


@PROPERTY_SETTINGS
@given(estates(), st.randoms(use_true_random=False))
def test_order_of_rules_and_groups_does_not_matter(
    estate: RegionSnapshot, shuffler: random.Random
) -> None:
    # GIVEN the same estate with its groups and each group's rules shuffled
    shuffled_groups = []
    for group in estate.groups:
        members = list(group.rules)
        shuffler.shuffle(members)
        shuffled_groups.append(replace(group, rules=tuple(members)))
    shuffler.shuffle(shuffled_groups)
    shuffled = replace(estate, groups=tuple(shuffled_groups))
    # WHEN both are judged  THEN the findings say the same, in the same order
    assert outcomes(judge(shuffled)) == outcomes(judge(estate))


@PROPERTY_SETTINGS
@given(st.data())
def test_live_exemption_only_marks_findings_as_exempted(data: st.DataObject) -> None:
    # GIVEN an estate and a live exemption drawn from what it holds
    estate = data.draw(estates())
    ex = data.draw(exemptions(estate, live=True))
    before = judge(estate)
    # WHEN the exemption is added to the policy
    after = judge(estate, replace(POLICY, exemptions=(ex,)))
    # THEN every finding stays, says the same, and at most gains the exemption
    assert len(after.findings) == len(before.findings)
    for old, new in zip(before.findings, after.findings, strict=True):
        assert outcome(replace(new, exempted_by=None)) == outcome(old)
        assert new.exempted_by in (None, ex)


@PROPERTY_SETTINGS
@given(st.data())
def test_adding_any_exemption_never_adds_a_violation(data: st.DataObject) -> None:
    # GIVEN an estate and any exemption, expired ones included
    estate = data.draw(estates())
    ex = data.draw(exemptions(estate, live=False))
    before = judge(estate)
    after = judge(estate, replace(POLICY, exemptions=(ex,)))
    # WHEN compared  THEN the same findings exist and the violations only shrink
    assert {f.finding_id for f in after.findings} == {f.finding_id for f in before.findings}
    assert {f.finding_id for f in after.violations} <= {f.finding_id for f in before.violations}


@PROPERTY_SETTINGS
@given(st.data())
def test_widening_a_port_range_never_removes_that_rules_port_findings(
    data: st.DataObject,
) -> None:
    # GIVEN an estate with at least one tcp/udp rule
    estate = data.draw(estates())
    ported = [p for p in rule_positions(estate) if estate.groups[p[0]].rules[p[1]].protocol
              in ("tcp", "udp")]  # fmt: skip
    if not ported:
        return
    where = data.draw(st.sampled_from(ported))
    old = estate.groups[where[0]].rules[where[1]]
    assert old.from_port is not None
    assert old.to_port is not None
    # WHEN its range is widened on either side
    lo = data.draw(st.integers(0, old.from_port))
    hi = data.draw(st.integers(old.to_port, 65535))
    wider = with_rule(estate, where, replace(old, from_port=lo, to_port=hi))
    # THEN none of its restricted/all-traffic/authorized findings disappears
    before = ids_of(judge(estate), old.rule_id, PORT_CHECKS)
    assert before <= ids_of(judge(wider), old.rule_id, PORT_CHECKS)


@PROPERTY_SETTINGS
@given(st.data())
def test_widening_a_source_cidr_never_removes_that_rules_port_findings(
    data: st.DataObject,
) -> None:
    # GIVEN an estate with at least one CIDR rule
    estate = data.draw(estates())
    cidr_rules = [p for p in rule_positions(estate) if estate.groups[p[0]].rules[p[1]].peer.is_cidr]
    if not cidr_rules:
        return
    where = data.draw(st.sampled_from(cidr_rules))
    old = estate.groups[where[0]].rules[where[1]]
    network = ipaddress.ip_network(old.peer.value)
    # WHEN its CIDR is replaced by a supernet
    prefix = data.draw(st.integers(0, network.prefixlen))
    supernet = str(network.supernet(new_prefix=prefix))
    wider = with_rule(estate, where, replace(old, peer=replace(old.peer, value=supernet)))
    # THEN none of its restricted/all-traffic/authorized findings disappears
    before = ids_of(judge(estate), old.rule_id, PORT_CHECKS)
    assert before <= ids_of(judge(wider), old.rule_id, PORT_CHECKS)


@PROPERTY_SETTINGS
@given(st.data())
def test_adding_a_rule_never_removes_another_rules_world_finding(data: st.DataObject) -> None:
    # GIVEN an estate and one more rule for one of its groups
    estate = data.draw(estates())
    gi = data.draw(st.integers(0, len(estate.groups) - 1))
    group = estate.groups[gi]
    extra = data.draw(rules(f"sgr-{gi}-new", group.group_id))
    position = data.draw(st.integers(0, len(group.rules)))
    bigger = with_rule(estate, (gi, position), extra, insert=True)
    # WHEN both are judged
    before, after = judge(estate), judge(bigger)
    # THEN every world-open or coverage finding of the other rules is still there
    world = {f.finding_id for f in before.findings
             if f.check_id in PORT_CHECKS and f.reason in WORLD_REASONS}  # fmt: skip
    assert world <= {f.finding_id for f in after.findings}


# --- an independent statement of world-open detection ------------------------------------


def reaches(rule: Rule, direction: Direction, port: int) -> bool:
    if rule.direction is not direction or rule.protocol not in ("tcp", "all"):
        return False
    if rule.protocol == "all":
        return True
    lo = 0 if rule.from_port is None or rule.from_port < 0 else rule.from_port
    hi = 65535 if rule.to_port is None or rule.to_port < 0 else rule.to_port
    return lo <= port <= hi


def peer_networks(rule: Rule) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    if rule.peer.kind is PeerKind.PREFIX_LIST:
        return [ipaddress.ip_network(c) for c in PREFIX_LISTS.get(rule.peer.value, ())]
    return [ipaddress.ip_network(rule.peer.value)] if rule.peer.is_cidr else []


def expected_world_open(estate: RegionSnapshot, direction: Direction, port: int) -> set[str]:
    """Rules reaching tcp `port` from a world CIDR, or from public ranges that, with the other
    (non-world) ranges of their group reaching that port, cover a whole address family."""
    out: set[str] = set()
    for group in estate.groups:
        reaching = [(r, peer_networks(r)) for r in group.rules if reaches(r, direction, port)]
        world = {r.rule_id for r, nets in reaching if any(n.prefixlen == 0 for n in nets)}
        out |= world
        for version in (4, 6):
            members = [(r, [n for n in nets if n.version == version])
                       for r, nets in reaching if r.rule_id not in world]  # fmt: skip
            union = list(ipaddress.collapse_addresses(n for _, nets in members for n in nets))  # type: ignore[misc]
            if len(union) == 1 and union[0].prefixlen == 0:
                out |= {r.rule_id for r, nets in members
                        if any(classify(n) is SourceClass.PUBLIC for n in nets)}  # fmt: skip
    return out


@PROPERTY_SETTINGS
@given(estates())
def test_world_open_detection_matches_its_definition(estate: RegionSnapshot) -> None:
    # GIVEN any estate, prefix lists mixing address families included
    # WHEN judged  THEN the tcp 22 ingress and tcp 25 egress world checks flag exactly the
    # rules the definition names
    result = judge(estate)
    for check_id, direction, port in (("SSH", Direction.INGRESS, 22),
                                      ("SMTP-OUT", Direction.EGRESS, 25)):  # fmt: skip
        found = {f.rule_id for f in result.findings if f.check_id == check_id}
        assert found == expected_world_open(estate, direction, port), check_id
