"""One runner per check type: (context, group view) -> findings before exemptions.

`prepare` turns a check into its runner once per evaluation: whatever depends only on the check
(port tables, allowed intervals, sorted directions, listed-CIDR answers) is worked out there,
not again for every group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sgcompliance.engine.check_findings import Context, Found, make_finding
from sgcompliance.engine.exposure import DirectionView, Exposure, GroupView
from sgcompliance.engine.findings import Finding, Reason
from sgcompliance.engine.model import Direction
from sgcompliance.engine.network import CidrInfo, SourceClass, overlaps
from sgcompliance.engine.policy import (
    AllTraffic,
    AuthorizedPorts,
    Check,
    CheckType,
    MaxRules,
    PortSpec,
    RestrictedPorts,
    Sources,
    UntrustedReference,
    WidePublicCidr,
)
from sgcompliance.engine.protocol import (
    ALL,
    PORT_PROTOCOLS,
    Interval,
    format_ports,
    merge,
    subtract,
)

# Enum members bound once: reading `Enum.MEMBER` costs a class lookup in every loop.
_WORLD = SourceClass.WORLD
_PRIVATE = SourceClass.PRIVATE
_WORLD_OPEN = Reason.WORLD_OPEN
_COVERAGE_WORLD_OPEN = Reason.COVERAGE_WORLD_OPEN
_PUBLIC_OPEN = Reason.PUBLIC_OPEN
_LISTED_CIDR_OPEN = Reason.LISTED_CIDR_OPEN
_PUBLIC = SourceClass.PUBLIC
_BOTH_PORT_PROTOCOLS = tuple(sorted(PORT_PROTOCOLS))
# Bounds the memory of remembered answers when an estate uses unusually many port ranges.
_REMEMBERED_ANSWERS = 1 << 14

Prepared = Callable[[Context, GroupView], list[Finding]]


# A check's directions of a view, egress before ingress (sorted, as findings are ordered).
_SIDES: dict[frozenset[Direction], Callable[[GroupView], tuple[DirectionView, ...]]] = {
    frozenset({Direction.EGRESS, Direction.INGRESS}): lambda view: (view.egress, view.ingress),
    frozenset({Direction.INGRESS}): lambda view: (view.ingress,),
    frozenset({Direction.EGRESS}): lambda view: (view.egress,),
    frozenset(): lambda _view: (),
}


def _sides(check: Check) -> Callable[[GroupView], tuple[DirectionView, ...]]:
    return _SIDES[frozenset(check.directions)]


class SourceTest:
    """`Sources` as one question about an exposure: why its peer matters to the check, or None."""

    __slots__ = ("_listed", "cidrs", "public", "versions", "whole_families", "world")

    def __init__(self, sources: Sources) -> None:
        self.world = sources.world
        self.public = sources.public
        self.cidrs = sources.cidrs
        self.versions = sources.versions
        self.whole_families = len(sources.versions) >= 2
        # CIDR text -> whether it overlaps a listed CIDR; the same CIDRs recur across groups.
        self._listed: dict[str, bool] = {}

    def reason(self, exp: Exposure) -> Reason | None:
        source = exp.source
        covered = exp.covered
        if not self.whole_families:
            relevant = [n.source for n in exp.networks if n.version in self.versions]
            if not relevant:
                return None
            source = _WORLD if covered else max(relevant)
        if source is _WORLD and self.world:
            return _COVERAGE_WORLD_OPEN if covered else _WORLD_OPEN
        if covered:
            return None
        if source is not _PRIVATE and self.public:
            return _PUBLIC_OPEN
        if self.cidrs and any(self._is_listed(n) for n in exp.networks):
            return _LISTED_CIDR_OPEN
        return None

    def _is_listed(self, info: CidrInfo) -> bool:
        if info.version not in self.versions:
            return False
        listed = self._listed.get(info.cidr)
        if listed is None:
            listed = any(overlaps(info.network, c) for c in self.cidrs)
            self._listed[info.cidr] = listed
        return listed


class PortTable:
    """A check's port specs by rule protocol; each (protocol, ports) is answered once."""

    __slots__ = ("_answers", "_entries")

    def __init__(self, specs: Sequence[PortSpec]) -> None:
        # (lo, hi, protocol text of the detail), in the check's order of specs.
        self._entries: dict[str, list[tuple[int, int, str]]] = {}
        for protocol in {p for spec in specs for p in spec.protocols}:
            self._entries[protocol] = [
                (*spec.interval, protocol) for spec in specs if protocol in spec.protocols
            ]
        # An all-traffic rule reaches every spec, over the spec's own protocols.
        self._entries[ALL] = [(*spec.interval, "/".join(sorted(spec.protocols))) for spec in specs]
        # Rules repeat a few protocols and ports across the whole estate.
        self._answers: dict[tuple[str, Interval], tuple[str, ...]] = {}

    def reached(self, protocol: str, ports: Interval) -> tuple[str, ...]:
        """One `reaches restricted tcp 20, 21, 3389` detail listing every spec the ports
        overlap, grouped by protocol in the check's order; empty when none is reached."""
        key = (protocol, ports)
        answer = self._answers.get(key)
        if answer is None:
            lo, hi = ports
            by_protocol: dict[str, list[str]] = {}
            for s_lo, s_hi, text in self._entries.get(protocol, ()):
                if s_lo <= hi and lo <= s_hi:
                    part = format_ports(text, (max(lo, s_lo), min(hi, s_hi)))
                    by_protocol.setdefault(text, []).append(part.removeprefix(text + " "))
            answer = (
                (
                    "reaches restricted "
                    + "; ".join(
                        f"{text} {', '.join(parts)}" for text, parts in by_protocol.items()
                    ),
                )
                if by_protocol
                else ()
            )
            if len(self._answers) < _REMEMBERED_ANSWERS:
                self._answers[key] = answer
        return answer


def prepare_restricted_ports(check: Check) -> Prepared:
    spec = check.spec
    assert isinstance(spec, RestrictedPorts)
    sides, test, table = _sides(check), SourceTest(spec.sources), PortTable(spec.ports)
    # None when empty: the hot loop then tests a constant, not a method.
    allowed = spec.sources.allowed or None

    def run(ctx: Context, view: GroupView) -> list[Finding]:
        found: Found | None = None
        for side in sides(view):
            # Private peers matter only to listed CIDRs.
            for pool in (side.public, side.private) if test.cidrs else (side.public,):
                for exp in pool:
                    # Ports first: most peers a check cares about reach none of its ports.
                    if exp.ports is None:
                        continue
                    details = table.reached(exp.protocol, exp.ports)
                    reason = test.reason(exp) if details else None
                    if reason is not None and not (allowed and ctx.within(exp.rule, allowed)):
                        found = found or Found()
                        for detail in details:
                            found.add(exp, reason, detail)
        return found.findings(ctx, check, view) if found else []

    return run


def prepare_authorized_ports(check: Check) -> Prepared:
    spec = check.spec
    assert isinstance(spec, AuthorizedPorts)
    sides, test = _sides(check), SourceTest(spec.sources)
    allowed_peers = spec.sources.allowed or None
    allowed = {
        p: merge(s.interval for s in spec.allowed if p in s.protocols) for p in PORT_PROTOCOLS
    }

    def run(ctx: Context, view: GroupView) -> list[Finding]:
        found: Found | None = None
        for side in sides(view):
            # Private peers matter only to listed CIDRs.
            for pool in (side.public, side.private) if test.cidrs else (side.public,):
                for exp in pool:
                    reason = test.reason(exp)
                    if reason is None or exp.ports is None:
                        continue
                    if allowed_peers and ctx.within(exp.rule, allowed_peers):
                        continue
                    protocols = _BOTH_PORT_PROTOCOLS if exp.protocol == ALL else (exp.protocol,)
                    for protocol in protocols:
                        for rest in subtract(exp.ports, allowed[protocol]):
                            found = found or Found()
                            detail = f"opens unauthorized {format_ports(protocol, rest)}"
                            found.add(exp, reason, detail)
        return found.findings(ctx, check, view) if found else []

    return run


def prepare_all_traffic(check: Check) -> Prepared:
    spec = check.spec
    assert isinstance(spec, AllTraffic)
    sides, test = _sides(check), SourceTest(spec.sources)
    # None when empty: the hot loop then tests a constant, not a method.
    allowed = spec.sources.allowed or None

    def run(ctx: Context, view: GroupView) -> list[Finding]:
        found: Found | None = None
        for side in sides(view):
            # Private peers matter only to listed CIDRs.
            for pool in (side.public, side.private) if test.cidrs else (side.public,):
                for exp in pool:
                    reason = test.reason(exp) if exp.protocol == ALL else None
                    if reason is not None and not (allowed and ctx.within(exp.rule, allowed)):
                        found = found or Found()
                        found.add(exp, reason, "allows all traffic")
        return found.findings(ctx, check, view) if found else []

    return run


def prepare_wide_public_cidr(check: Check) -> Prepared:
    spec = check.spec
    assert isinstance(spec, WidePublicCidr)
    sides = _sides(check)
    limits = {4: spec.ipv4_min_prefix, 6: spec.ipv6_min_prefix}
    include_world = spec.include_world
    allowed = spec.allowed or None

    def run(ctx: Context, view: GroupView) -> list[Finding]:
        found: Found | None = None
        for side in sides(view):
            for exp in side.public:
                if exp.covered or (allowed and ctx.within(exp.rule, allowed)):
                    continue
                for net in exp.networks:
                    if not (net.source is _PUBLIC or (include_world and net.source is _WORLD)):
                        continue
                    limit = limits[net.version]
                    if net.prefixlen < limit:
                        found = found or Found()
                        detail = f"public range {net.cidr} is wider than /{limit}"
                        found.add(exp, Reason.WIDE_CIDR, detail)
        return found.findings(ctx, check, view) if found else []

    return run


def prepare_default_group_closed(check: Check) -> Prepared:
    sides = _sides(check)

    def run(ctx: Context, view: GroupView) -> list[Finding]:
        if not view.group.is_default:
            return []
        return [
            make_finding(ctx, check, view, rule, Reason.DEFAULT_GROUP_RULE,
                         f"{ctx.describe(rule)}: the default security group must have no rules")
            for side in sides(view)
            for rule in side.rules
        ]  # fmt: skip

    return run


def prepare_untrusted_reference(check: Check) -> Prepared:
    spec = check.spec
    assert isinstance(spec, UntrustedReference)
    sides = _sides(check)

    def run(ctx: Context, view: GroupView) -> list[Finding]:
        out = []
        account = view.group.account_id
        for side in sides(view):
            for rule in side.references:
                owner = rule.peer.account_id
                if not owner or owner == account:
                    continue
                if owner in ctx.trusted_accounts or owner in spec.trusted_accounts:
                    continue
                message = f"{ctx.describe(rule)}: references a group of untrusted account {owner}"
                out.append(
                    make_finding(ctx, check, view, rule, Reason.UNTRUSTED_REFERENCE, message)
                )
        return out

    return run


def prepare_max_rules(check: Check) -> Prepared:
    spec = check.spec
    assert isinstance(spec, MaxRules)
    direction = spec.direction
    where = "rules" if direction is None else f"{direction} rules"

    def run(ctx: Context, view: GroupView) -> list[Finding]:
        group = view.group
        count = len(group.rules if direction is None else view.direction(direction).rules)
        if count <= spec.maximum:
            return []
        message = f"{group.group_id} has {count} {where}, more than the maximum of {spec.maximum}"
        return [make_finding(ctx, check, view, None, Reason.TOO_MANY_RULES, message)]

    return run


def prepare_description_required(check: Check) -> Prepared:
    sides = _sides(check)

    def run(ctx: Context, view: GroupView) -> list[Finding]:
        return [
            make_finding(ctx, check, view, rule, Reason.MISSING_DESCRIPTION,
                         f"{ctx.describe(rule)}: the rule has no description")
            for side in sides(view)
            for rule in side.rules
            if not rule.description.strip()
        ]  # fmt: skip

    return run


PREPARERS: dict[CheckType, Callable[[Check], Prepared]] = {
    CheckType.RESTRICTED_PORTS: prepare_restricted_ports,
    CheckType.AUTHORIZED_PORTS: prepare_authorized_ports,
    CheckType.ALL_TRAFFIC: prepare_all_traffic,
    CheckType.WIDE_PUBLIC_CIDR: prepare_wide_public_cidr,
    CheckType.DEFAULT_GROUP_CLOSED: prepare_default_group_closed,
    CheckType.UNTRUSTED_REFERENCE: prepare_untrusted_reference,
    CheckType.MAX_RULES: prepare_max_rules,
    CheckType.DESCRIPTION_REQUIRED: prepare_description_required,
}


def prepare(check: Check) -> Prepared:
    """The check's runner, for every group of one evaluation."""
    return PREPARERS[check.type](check)
