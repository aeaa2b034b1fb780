"""One function per check type: (check, group view, context) -> findings before exemptions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sgcompliance.core.exposure import DirectionView, Exposure, GroupView
from sgcompliance.core.findings import Finding, Reason, finding_id
from sgcompliance.core.model import Rule
from sgcompliance.core.network import SourceClass, overlaps
from sgcompliance.core.policy import (
    AllTraffic,
    AuthorizedPorts,
    Check,
    CheckType,
    MaxRules,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Severity,
    Sources,
    UntrustedReference,
    WidePublicCidr,
)
from sgcompliance.core.protocol import (
    ALL,
    PORT_PROTOCOLS,
    Interval,
    format_ports,
    merge,
    overlap,
    subtract,
)


@dataclass(frozen=True, slots=True)
class Context:
    policy_id: str
    account_id: str
    region: str
    trusted_accounts: frozenset[str]


def make_finding(
    ctx: Context, check: Check, view: GroupView, rule: Rule | None, reason: Reason, message: str
) -> Finding:
    return new_finding(
        ctx, view, rule, reason, message,
        check_id=check.id, title=check.title,
        severity=check.severity, remediation=check.remediation,
    )  # fmt: skip


def new_finding(
    ctx: Context,
    view: GroupView,
    rule: Rule | None,
    reason: Reason,
    message: str,
    *,
    check_id: str,
    title: str,
    severity: Severity,
    remediation: Remediation,
) -> Finding:
    group = view.group
    return Finding(
        finding_id=finding_id(
            ctx.policy_id, check_id, ctx.account_id, ctx.region, group.group_id,
            rule.rule_id if rule else None,
        ),
        policy_id=ctx.policy_id, check_id=check_id, title=title, severity=severity,
        remediation=remediation, reason=reason, message=message,
        account_id=ctx.account_id, region=ctx.region, group=group, rule=rule,
    )  # fmt: skip


def _sides(check: Check, view: GroupView) -> Iterator[DirectionView]:
    for direction in sorted(check.directions):
        yield view.direction(direction)


def _source_reason(exp: Exposure, sources: Sources) -> Reason | None:
    """Why this exposure's peer is one the check cares about, or None."""
    source = exp.source
    if len(sources.versions) < 2:
        relevant = [n.source for n in exp.networks if n.version in sources.versions]
        if not relevant:
            return None
        source = SourceClass.WORLD if exp.covered_with else max(relevant)
    if source is SourceClass.WORLD and sources.world:
        return Reason.COVERAGE_WORLD_OPEN if exp.covered_with else Reason.WORLD_OPEN
    if source is not SourceClass.PRIVATE and sources.public and not exp.covered_with:
        return Reason.PUBLIC_OPEN
    if sources.cidrs and not exp.covered_with:
        for net in exp.networks:
            if net.version in sources.versions and any(
                overlaps(net.network, c) for c in sources.cidrs
            ):
                return Reason.LISTED_CIDR_OPEN
    return None


def _peer_text(exp: Exposure) -> str:
    rule = exp.rule
    peer = (
        f"{rule.peer} ({', '.join(n.cidr for n in exp.networks)})"
        if exp.via_list
        else str(rule.peer)
    )
    if exp.covered_with:
        return f"{peer}, which with {', '.join(exp.covered_with)} covers every address"
    return peer


def _candidates(
    check: Check, view: GroupView, sources: Sources
) -> Iterator[tuple[Exposure, Reason]]:
    for side in _sides(check, view):
        pools = (side.public, side.private) if sources.cidrs else (side.public,)
        for pool in pools:
            for exp in pool:
                reason = _source_reason(exp, sources)
                if reason is not None:
                    yield exp, reason


def _collect(
    ctx: Context, check: Check, view: GroupView, hits: Iterator[tuple[Exposure, Reason, str]]
) -> list[Finding]:
    """One finding per rule: the first reason seen (direct before coverage) and every detail."""
    seen: dict[str, tuple[Exposure, Reason, list[str]]] = {}
    for exp, reason, detail in hits:
        entry = seen.get(exp.rule.rule_id)
        if entry is None:
            seen[exp.rule.rule_id] = (exp, reason, [detail])
        elif detail not in entry[2]:
            entry[2].append(detail)
    out = []
    for exp, reason, details in seen.values():
        rule = exp.rule
        message = f"{rule.describe()}: {'; '.join(details)} via {_peer_text(exp)}"
        out.append(make_finding(ctx, check, view, rule, reason, message))
    return out


def _reached(exp: Exposure, spec: PortSpec) -> Interval | None:
    if exp.ports is None:
        return None
    if exp.protocol != ALL and exp.protocol not in spec.protocols:
        return None
    return overlap(exp.ports, spec.interval)


def restricted_ports(ctx: Context, check: Check, view: GroupView) -> list[Finding]:
    spec = check.spec
    assert isinstance(spec, RestrictedPorts)

    def hits() -> Iterator[tuple[Exposure, Reason, str]]:
        for exp, reason in _candidates(check, view, spec.sources):
            for port_spec in spec.ports:
                reached = _reached(exp, port_spec)
                if reached is not None:
                    protocols = (
                        "/".join(sorted(port_spec.protocols))
                        if exp.protocol == ALL
                        else exp.protocol
                    )
                    yield exp, reason, f"reaches restricted {format_ports(protocols, reached)}"

    return _collect(ctx, check, view, hits())


def authorized_ports(ctx: Context, check: Check, view: GroupView) -> list[Finding]:
    spec = check.spec
    assert isinstance(spec, AuthorizedPorts)
    allowed = {
        p: merge(s.interval for s in spec.allowed if p in s.protocols) for p in PORT_PROTOCOLS
    }

    def hits() -> Iterator[tuple[Exposure, Reason, str]]:
        for exp, reason in _candidates(check, view, spec.sources):
            if exp.ports is None:
                continue
            for protocol in sorted(PORT_PROTOCOLS) if exp.protocol == ALL else (exp.protocol,):
                for rest in subtract(exp.ports, allowed[protocol]):
                    yield exp, reason, f"opens unauthorized {format_ports(protocol, rest)}"

    return _collect(ctx, check, view, hits())


def all_traffic(ctx: Context, check: Check, view: GroupView) -> list[Finding]:
    spec = check.spec
    assert isinstance(spec, AllTraffic)
    hits = (
        (exp, reason, "allows all traffic")
        for exp, reason in _candidates(check, view, spec.sources)
        if exp.protocol == ALL
    )
    return _collect(ctx, check, view, hits)


def wide_public_cidr(ctx: Context, check: Check, view: GroupView) -> list[Finding]:
    spec = check.spec
    assert isinstance(spec, WidePublicCidr)

    def hits() -> Iterator[tuple[Exposure, Reason, str]]:
        for side in _sides(check, view):
            for exp in side.public:
                if exp.covered_with:
                    continue
                for net in exp.networks:
                    if net.source is SourceClass.PRIVATE:
                        continue
                    if net.source is SourceClass.WORLD and not spec.include_world:
                        continue
                    limit = spec.ipv4_min_prefix if net.version == 4 else spec.ipv6_min_prefix
                    if net.network.prefixlen < limit:
                        yield (
                            exp,
                            Reason.WIDE_CIDR,
                            f"public range {net.cidr} is wider than /{limit}",
                        )

    return _collect(ctx, check, view, hits())


def default_group_closed(ctx: Context, check: Check, view: GroupView) -> list[Finding]:
    if not view.group.is_default:
        return []
    return [
        make_finding(ctx, check, view, rule, Reason.DEFAULT_GROUP_RULE,
                     f"{rule.describe()}: the default security group must have no rules")
        for side in _sides(check, view)
        for rule in side.rules
    ]  # fmt: skip


def untrusted_reference(ctx: Context, check: Check, view: GroupView) -> list[Finding]:
    spec = check.spec
    assert isinstance(spec, UntrustedReference)
    trusted = ctx.trusted_accounts | spec.trusted_accounts
    out = []
    for side in _sides(check, view):
        for rule in side.references:
            owner = rule.peer.account_id
            if owner and owner != view.group.account_id and owner not in trusted:
                message = f"{rule.describe()}: references a group of untrusted account {owner}"
                out.append(
                    make_finding(ctx, check, view, rule, Reason.UNTRUSTED_REFERENCE, message)
                )
    return out


def max_rules(ctx: Context, check: Check, view: GroupView) -> list[Finding]:
    spec = check.spec
    assert isinstance(spec, MaxRules)
    group = view.group
    if spec.direction is None:
        count, where = len(group.rules), "rules"
    else:
        count, where = len(view.direction(spec.direction).rules), f"{spec.direction} rules"
    if count <= spec.maximum:
        return []
    message = f"{group.group_id} has {count} {where}, more than the maximum of {spec.maximum}"
    return [make_finding(ctx, check, view, None, Reason.TOO_MANY_RULES, message)]


def description_required(ctx: Context, check: Check, view: GroupView) -> list[Finding]:
    return [
        make_finding(ctx, check, view, rule, Reason.MISSING_DESCRIPTION,
                     f"{rule.describe()}: the rule has no description")
        for side in _sides(check, view)
        for rule in side.rules
        if not rule.description.strip()
    ]  # fmt: skip


Runner = Callable[[Context, Check, GroupView], list[Finding]]

RUNNERS: dict[CheckType, Runner] = {
    CheckType.RESTRICTED_PORTS: restricted_ports,
    CheckType.AUTHORIZED_PORTS: authorized_ports,
    CheckType.ALL_TRAFFIC: all_traffic,
    CheckType.WIDE_PUBLIC_CIDR: wide_public_cidr,
    CheckType.DEFAULT_GROUP_CLOSED: default_group_closed,
    CheckType.UNTRUSTED_REFERENCE: untrusted_reference,
    CheckType.MAX_RULES: max_rules,
    CheckType.DESCRIPTION_REQUIRED: description_required,
}
