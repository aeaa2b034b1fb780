"""The engine's entry point: judge region snapshots against a policy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sgcompliance.engine.check_findings import Context, new_finding
from sgcompliance.engine.checks import prepare
from sgcompliance.engine.exemptions import apply_exemptions
from sgcompliance.engine.exposure import GroupView, PrefixListIndex, build_view
from sgcompliance.engine.findings import Finding, Reason
from sgcompliance.engine.model import RegionSnapshot, SecurityGroup
from sgcompliance.engine.policy import (
    UNKNOWN_EXEMPTION_TAG_CHECK,
    UNRESOLVED_PREFIX_LIST_CHECK,
    Policy,
    Remediation,
)


@dataclass(frozen=True, slots=True)
class ScanResult:
    policy: Policy
    findings: tuple[Finding, ...]
    groups_scanned: int
    rules_evaluated: int
    scopes: tuple[tuple[str, str], ...] = field(default=())
    # Every group judged, so a report can say which checks each one passed.
    groups: tuple[SecurityGroup, ...] = field(default=())

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_violation)

    @property
    def exempted(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.is_violation)

    def by_severity(self) -> dict[str, int]:
        counts = Counter(f.severity.value for f in self.violations)
        return dict(sorted(counts.items()))


def evaluate(policy: Policy, snapshots: Iterable[RegionSnapshot], *, today: date) -> ScanResult:
    """Every finding of `policy` over `snapshots`, exemptions applied, in deterministic order."""
    # Findings per (account, region, group): sorting each group's few findings and then the
    # groups costs far less than one sort of every finding, and gives the same order.
    by_group: dict[tuple[str, str, str], list[Finding]] = {}
    groups = rules = 0
    scopes: list[tuple[str, str]] = []
    judged: list[SecurityGroup] = []
    settings = policy.settings
    coverage = settings.coverage_detection
    # Each check is prepared once per evaluation, not once per group.
    prepared = [(check, prepare(check)) for check in policy.checks if check.enabled]
    tag_key = settings.exemption_tag_key
    pointable = frozenset(e.id for e in policy.exemptions if e.tagged)
    for snap in snapshots:
        scopes.append((snap.account_id, snap.region))
        judged.extend(snap.groups)
        ctx = Context(
            policy.id, snap.account_id, snap.region, settings.trusted_accounts, snap.prefix_lists
        )
        in_scope = [
            (check, run)
            for check, run in prepared
            if check.selector.matches_scope(snap.account_id, snap.region)
        ]
        every_group = [run for check, run in in_scope if not check.selector.group_tags]
        by_tags = [(check, run) for check, run in in_scope if check.selector.group_tags]
        index = PrefixListIndex(snap.prefix_lists) if settings.resolve_prefix_lists else None
        for group in snap.groups:
            groups += 1
            rules += len(group.rules)
            view = build_view(group, index, coverage=coverage)
            found: list[Finding] = []
            for run in every_group:
                got = run(ctx, view)
                if got:
                    found.extend(got)
            for check, run in by_tags:
                if check.selector.matches_group(group):
                    found.extend(run(ctx, view))
            if index is not None and (view.ingress.unresolved or view.egress.unresolved):
                found.extend(_unresolved(ctx, policy, view))
            if tag_key in group.tags and group.tags[tag_key] not in pointable:
                found.append(_unknown_exemption_tag(ctx, policy, view))
            if found:
                # Exemptions here, where the region's prefix lists are at hand (`peers_within`).
                found = apply_exemptions(found, policy.exemptions, today, tag_key, ctx.within)
                by_group.setdefault((snap.account_id, snap.region, group.group_id), []).extend(
                    found
                )
    findings: list[Finding] = []
    for key in sorted(by_group):
        block = by_group[key]
        block.sort(key=_within_group)
        findings.extend(block)
    return ScanResult(policy, tuple(findings), groups, rules, tuple(scopes), tuple(judged))


def _within_group(finding: Finding) -> tuple[str, str]:
    rule = finding.rule
    return (rule.rule_id if rule is not None else "", finding.check_id)


def _unresolved(ctx: Context, policy: Policy, view: GroupView) -> list[Finding]:
    """A prefix list that cannot be resolved is reported, never silently passed."""
    missing = view.ingress.unresolved + view.egress.unresolved
    if not missing:
        return []
    return [
        new_finding(
            ctx, view, rule, Reason.UNRESOLVED_PREFIX_LIST,
            f"{ctx.describe(rule)}: prefix list {rule.peer.value} could not be resolved, "
            "so what it exposes is unknown",
            check_id=UNRESOLVED_PREFIX_LIST_CHECK,
            title="Managed prefix list could not be resolved",
            severity=policy.settings.unresolved_prefix_list_severity,
            remediation=Remediation.FLAG,
        )
        for rule in missing
    ]  # fmt: skip


def _unknown_exemption_tag(ctx: Context, policy: Policy, view: GroupView) -> Finding:
    """An exemption tag that names no exemption the policy lets a tag point to: whoever set it
    asked for an exception nobody granted, which is worth a finding of its own."""
    key = policy.settings.exemption_tag_key
    value = view.group.tags[key]
    return new_finding(
        ctx, view, None, Reason.UNKNOWN_EXEMPTION_TAG,
        f"{view.group.group_id}: tag {key}={value!r} names no exemption of policy {policy.id} "
        "that a tag may point to; the group's findings stand",
        check_id=UNKNOWN_EXEMPTION_TAG_CHECK,
        title="Exemption tag names no exemption of the policy",
        severity=policy.settings.unknown_exemption_tag_severity,
        remediation=Remediation.FLAG,
    )  # fmt: skip
