"""Turning what a check found on one group into findings, with their identity and message."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sgcompliance.engine.exposure import Exposure, GroupView, allowed_ranges, peer_within
from sgcompliance.engine.findings import ID_SEPARATOR, Finding, Reason
from sgcompliance.engine.model import Rule
from sgcompliance.engine.network import RangeSet
from sgcompliance.engine.policy import AllowedPeers, Check, Remediation, Severity


class Context:
    """One account-region of one evaluation, with what its findings have in common."""

    __slots__ = (
        "_allowed",
        "_described",
        "_hashers",
        "account_id",
        "policy_id",
        "prefix_lists",
        "region",
        "trusted_accounts",
    )

    def __init__(
        self,
        policy_id: str,
        account_id: str,
        region: str,
        trusted_accounts: frozenset[str],
        prefix_lists: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.policy_id = policy_id
        self.account_id = account_id
        self.region = region
        self.trusted_accounts = trusted_accounts
        # The region's managed prefix lists: allowed sets name them, and are resolved here.
        self.prefix_lists: Mapping[str, tuple[str, ...]] = prefix_lists or {}
        self._allowed: dict[AllowedPeers, RangeSet] = {}
        # The id's hash state after (policy, check, account, region), per check: every finding
        # of that check here only adds its group and rule.
        self._hashers: dict[str, Any] = {}
        # A world-open rule is found by several checks; it is described once.
        self._described: dict[str, str] = {}

    def finding_id(self, check_id: str, group_id: str, rule_id: str | None) -> str:
        """Equal to `findings.finding_id(...)` for this context's policy, account and region."""
        base = self._hashers.get(check_id)
        if base is None:
            prefix = ID_SEPARATOR.join((self.policy_id, check_id, self.account_id, self.region))
            base = self._hashers[check_id] = hashlib.sha256((prefix + ID_SEPARATOR).encode())
        hasher = base.copy()
        hasher.update(f"{group_id}{ID_SEPARATOR}{rule_id or ''}".encode())
        return hasher.hexdigest()[:32]

    def within(self, rule: Rule, allowed: AllowedPeers) -> bool:
        """Whether the rule's whole peer lies inside an allowed set, as resolved in this region."""
        ranges = self._allowed.get(allowed)
        if ranges is None:
            ranges = self._allowed[allowed] = allowed_ranges(allowed, self.prefix_lists)
        return peer_within(rule.peer, ranges, self.prefix_lists)

    def describe(self, rule: Rule) -> str:
        text = self._described.get(rule.rule_id)
        if text is None:
            text = self._described[rule.rule_id] = rule.describe()
        return text


def make_finding(
    ctx: Context, check: Check, view: GroupView, rule: Rule | None, reason: Reason, message: str
) -> Finding:
    group = view.group
    check_id = check.id
    # Built here rather than through `new_finding`: one call less per finding on the hot path.
    return Finding(
        ctx.finding_id(check_id, group.group_id, rule.rule_id if rule else None),
        ctx.policy_id, check_id, check.title, check.severity, check.remediation, reason, message,
        ctx.account_id, ctx.region, group, rule,
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
    # Positional: one of these is built per finding, and keywords cost measurably more here.
    return Finding(
        ctx.finding_id(check_id, group.group_id, rule.rule_id if rule else None),
        ctx.policy_id, check_id, title, severity, remediation, reason, message,
        ctx.account_id, ctx.region, group, rule,
    )  # fmt: skip


# When one rule is found for several reasons, the finding states the strongest.
_STRENGTH = {
    Reason.WORLD_OPEN: 4,
    Reason.COVERAGE_WORLD_OPEN: 3,
    Reason.PUBLIC_OPEN: 2,
    Reason.LISTED_CIDR_OPEN: 1,
}


class Found:
    """One finding per rule: its strongest reason (world, then coverage, public, listed CIDR)
    and every detail."""

    __slots__ = ("_by_rule",)

    def __init__(self) -> None:
        self._by_rule: dict[str, tuple[Exposure, Reason, list[str]]] = {}

    def add(self, exp: Exposure, reason: Reason, detail: str) -> None:
        entry = self._by_rule.get(exp.rule.rule_id)
        if entry is None:
            self._by_rule[exp.rule.rule_id] = (exp, reason, [detail])
            return
        if detail not in entry[2]:
            entry[2].append(detail)
        if _STRENGTH.get(reason, 0) > _STRENGTH.get(entry[1], 0):
            self._by_rule[exp.rule.rule_id] = (exp, reason, entry[2])

    def findings(self, ctx: Context, check: Check, view: GroupView) -> list[Finding]:
        out = []
        for exp, reason, details in self._by_rule.values():
            rule = exp.rule
            message = f"{ctx.describe(rule)}: {'; '.join(details)} via {_peer_text(exp)}"
            out.append(make_finding(ctx, check, view, rule, reason, message))
        return out


def _peer_text(exp: Exposure) -> str:
    rule = exp.rule
    peer = (
        f"{rule.peer} ({', '.join(n.cidr for n in exp.networks)})"
        if exp.via_list
        else str(rule.peer)
    )
    if exp.covered_with:
        return f"{peer}, which with {', '.join(exp.covered_with)} covers every address"
    if exp.covered:
        return f"{peer}, whose entries together cover every address"
    return peer
