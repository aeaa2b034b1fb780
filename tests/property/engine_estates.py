"""Random estates and one rich, fixed policy for the engine's property tests.

Estates mix every kind of rule the engine must judge: tcp/udp ranges, all traffic, icmp, ESP,
IPv4/IPv6 CIDRs (world, the /1 halves that cover a family together, private and random ranges),
resolvable and unresolvable prefix lists, and same- or cross-account group references.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from sgcompliance.engine.findings import Reason
from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import (
    UNRESOLVED_PREFIX_LIST_CHECK,
    AllTraffic,
    AuthorizedPorts,
    Check,
    CheckSpec,
    CheckType,
    DefaultGroupClosed,
    DescriptionRequired,
    Exemption,
    MaxRules,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Selector,
    Severity,
    Sources,
    UntrustedReference,
    WidePublicCidr,
)
from support.hypothesis_budget import examples

ACCOUNT, OTHER_ACCOUNT, REGION = "111111111111", "222222222222", "eu-west-1"
TODAY = date(2026, 3, 1)
BOTH = frozenset({Direction.INGRESS, Direction.EGRESS})
PROPERTY_SETTINGS = settings(
    max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

PREFIX_LISTS: dict[str, tuple[str, ...]] = {
    "pl-world": ("10.0.0.0/8", "0.0.0.0/0"),
    "pl-private": ("10.0.0.0/8", "fd00::/8"),
    "pl-public": ("52.94.0.0/16",),
    "pl-low": ("0.0.0.0/1",),
    "pl-high": ("128.0.0.0/1",),
    "pl-mixed": ("10.0.0.0/8", "::/1"),
}
# The /1 halves and quarters are listed twice: coverage needs them to meet in one group.
NOTABLE_CIDRS = (
    "0.0.0.0/0", "::/0", "0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1", "128.0.0.0/2",
    "192.0.0.0/2", "0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1", "10.0.0.0/8", "8.8.8.8/32",
    "52.0.0.0/8", "2600::/16", "fd00::/8",
)  # fmt: skip
NOTABLE_PORTS = (0, 20, 21, 22, 25, 53, 80, 81, 443, 1433, 3389, 8080, 65535)

# --- the fixed, rich policy --------------------------------------------------------------


def spec_check(check_id: str, kind: CheckType, spec: CheckSpec, **extra: object) -> Check:
    return Check(check_id, check_id, kind, Severity.HIGH, Remediation.FLAG, spec, **extra)  # type: ignore[arg-type]


def ports(protocols: str, lo: int, hi: int | None = None) -> PortSpec:
    return PortSpec(frozenset(protocols.split("/")), (lo, lo if hi is None else hi))


def restricted(
    check_id: str, specs: tuple[PortSpec, ...], sources: Sources, **extra: object
) -> Check:
    return spec_check(
        check_id, CheckType.RESTRICTED_PORTS, RestrictedPorts(specs, sources), **extra
    )


V4, V6 = frozenset({4}), frozenset({6})
PRIVATE_TEN = (ipaddress.ip_network("10.0.0.0/8"),)
WEB = (ports("tcp", 80), ports("tcp", 443))
POLICY = Policy(
    "prop",
    "1",
    (
        restricted("SSH", (ports("tcp", 22),), Sources()),
        restricted(
            "ADMIN",
            (ports("tcp/udp", 3389), ports("tcp", 20, 25)),
            Sources(world=True, public=True),
        ),
        restricted("DB4", (ports("tcp", 1433),), Sources(versions=V4)),
        restricted("DB6", (ports("tcp", 1433),), Sources(versions=V6)),
        restricted(
            "LISTED", (ports("tcp/udp", 0, 65535),), Sources(world=False, cidrs=PRIVATE_TEN)
        ),
        restricted(
            "SMTP-OUT", (ports("tcp", 25),), Sources(), directions=frozenset({Direction.EGRESS})
        ),
        spec_check("ALL", CheckType.ALL_TRAFFIC, AllTraffic(Sources()), directions=BOTH),
        spec_check("AUTH", CheckType.AUTHORIZED_PORTS, AuthorizedPorts(WEB, Sources())),
        spec_check("WIDE", CheckType.WIDE_PUBLIC_CIDR, WidePublicCidr(16, 48)),
        spec_check(
            "DEFAULT", CheckType.DEFAULT_GROUP_CLOSED, DefaultGroupClosed(), directions=BOTH
        ),
        spec_check("XACCT", CheckType.UNTRUSTED_REFERENCE, UntrustedReference()),
        spec_check("MAX", CheckType.MAX_RULES, MaxRules(4)),
        spec_check(
            "DESC",
            CheckType.DESCRIPTION_REQUIRED,
            DescriptionRequired(),
            selector=Selector(group_tags=(("Env", "prod"),)),
        ),
    ),
)
PORT_CHECKS = frozenset({"SSH", "ADMIN", "DB4", "DB6", "LISTED", "SMTP-OUT", "ALL", "AUTH"})
WORLD_REASONS = frozenset({Reason.WORLD_OPEN, Reason.COVERAGE_WORLD_OPEN})
CHECK_IDS = (*(c.id for c in POLICY.checks), UNRESOLVED_PREFIX_LIST_CHECK)

# --- random estates ----------------------------------------------------------------------


@st.composite
def cidrs(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 3)) > 0:
        return draw(st.sampled_from(NOTABLE_CIDRS))
    if draw(st.booleans()):
        address, prefix = draw(st.integers(0, 2**32 - 1)), draw(st.integers(1, 32))
        return str(ipaddress.IPv4Network((address, prefix), strict=False))
    address, prefix = draw(st.integers(0, 2**128 - 1)), draw(st.integers(1, 128))
    return str(ipaddress.IPv6Network((address, prefix), strict=False))


@st.composite
def peers(draw: st.DrawFn) -> Peer:
    kind = draw(st.sampled_from(["cidr", "cidr", "cidr", "list", "group"]))
    if kind == "list":
        return Peer(PeerKind.PREFIX_LIST, draw(st.sampled_from([*PREFIX_LISTS, "pl-missing"])))
    if kind == "group":
        return Peer(PeerKind.GROUP, "sg-ref", draw(st.sampled_from([None, ACCOUNT, OTHER_ACCOUNT])))
    text = draw(cidrs())
    return Peer(PeerKind.IPV6 if ":" in text else PeerKind.IPV4, text)


@st.composite
def port_ranges(draw: st.DrawFn) -> tuple[int, int]:
    # Single notable ports and wide ranges make rules of one group meet on the same ports.
    shape = draw(st.sampled_from(["single", "single", "range", "all"]))
    if shape == "all":
        return (0, 65535)
    if shape == "single":
        port = draw(st.sampled_from(NOTABLE_PORTS))
        return (port, port)
    point = st.one_of(st.sampled_from(NOTABLE_PORTS), st.integers(0, 65535))
    lo, hi = draw(point), draw(point)
    return (min(lo, hi), max(lo, hi))


@st.composite
def rules(draw: st.DrawFn, rule_id: str, group_id: str) -> Rule:
    protocol = draw(st.sampled_from(["tcp", "tcp", "tcp", "udp", "all", "icmp", "icmpv6", "50"]))
    if protocol in ("tcp", "udp"):
        lo, hi = draw(port_ranges())
    else:
        lo, hi = -1, -1
    direction = draw(st.sampled_from([Direction.INGRESS, Direction.INGRESS, Direction.EGRESS]))
    description = draw(st.sampled_from(["", "  ", "app"]))
    tags = draw(st.sampled_from([(), (("Purpose", "bastion"),)]))
    return Rule(rule_id, group_id, direction, protocol, lo, hi, draw(peers()), description, tags)


PARTITIONS = (
    ("0.0.0.0/1", "128.0.0.0/1"),
    ("0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"),
    ("::/1", "8000::/1"),
    ("::/2", "4000::/2", "8000::/1"),
)


@st.composite
def partition_rules(draw: st.DrawFn, index: int, group_id: str) -> list[Rule]:
    """Rules whose CIDRs partition an address family, each drawn on its own protocol/ports:
    often they meet on some port and are world-open together, sometimes they miss."""
    out = []
    for i, cidr in enumerate(draw(st.sampled_from(PARTITIONS))):
        base = draw(rules(f"sgr-{index}-p{i}", group_id))
        kind = PeerKind.IPV6 if ":" in cidr else PeerKind.IPV4
        protocol = draw(st.sampled_from(["tcp", "tcp", "all", "udp"]))
        lo, hi = draw(port_ranges()) if protocol != "all" else (-1, -1)
        out.append(replace(base, direction=Direction.INGRESS, protocol=protocol, from_port=lo,
                           to_port=hi, peer=Peer(kind, cidr)))  # fmt: skip
    return out


@st.composite
def groups(draw: st.DrawFn, index: int) -> SecurityGroup:
    group_id = f"sg-{index}"
    count = draw(st.integers(0, 6))
    members = tuple(draw(rules(f"sgr-{index}-{i}", group_id)) for i in range(count))
    if draw(st.booleans()):
        mixed = list(members) + draw(partition_rules(index, group_id))
        members = tuple(draw(st.permutations(mixed)))
    name = draw(st.sampled_from(["web", "default"]))
    tags = draw(st.sampled_from([{}, {"Env": "prod"}, {"Env": "dev"}, {"env": "prod"}]))
    return SecurityGroup(group_id, name, ACCOUNT, REGION, members, tags=tags)


@st.composite
def estates(draw: st.DrawFn) -> RegionSnapshot:
    count = draw(st.integers(1, 3))
    return RegionSnapshot(
        ACCOUNT, REGION, tuple(draw(groups(i)) for i in range(count)), PREFIX_LISTS
    )


@st.composite
def exemptions(draw: st.DrawFn, estate: RegionSnapshot, live: bool) -> Exemption:
    """An exemption whose criteria are drawn from what the estate holds, plus near misses."""
    group_ids = [g.group_id for g in estate.groups] + ["sg-none"]
    rule_ids = [r.rule_id for g in estate.groups for r in g.rules] + ["sgr-none"]
    some = st.sets
    expiry = [None, TODAY, TODAY + timedelta(days=30)]
    if not live:
        expiry.append(TODAY - timedelta(days=1))
    return Exemption(
        id=draw(st.sampled_from(["EX-A", "EX-B"])),
        owner="owner",
        reason="reason",
        expires=draw(st.sampled_from(expiry)),
        checks=frozenset(draw(some(st.sampled_from(CHECK_IDS), max_size=3))),
        group_ids=frozenset(draw(some(st.sampled_from(group_ids), max_size=2))),
        rule_ids=frozenset(draw(some(st.sampled_from(rule_ids), max_size=3))),
        accounts=frozenset(draw(some(st.sampled_from([ACCOUNT, OTHER_ACCOUNT]), max_size=1))),
        regions=frozenset(draw(some(st.sampled_from([REGION, "us-east-1"]), max_size=1))),
        tags=tuple(draw(st.lists(st.sampled_from(
            [("Env", "prod"), ("Env", None), ("env", "prod"), ("Purpose", "bastion")]),
            max_size=1))),
    )  # fmt: skip
