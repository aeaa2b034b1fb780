"""Turning what a check found on one group into findings, with their identity and message."""

from __future__ import annotations

from dataclasses import dataclass

from sgcompliance.core.exposure import Exposure, GroupView
from sgcompliance.core.findings import Finding, Reason, finding_id
from sgcompliance.core.model import Rule
from sgcompliance.core.policy import Check, Remediation, Severity


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


class Found:
    """One finding per rule: the first reason seen (direct before coverage) and every detail."""

    __slots__ = ("_by_rule",)

    def __init__(self) -> None:
        self._by_rule: dict[str, tuple[Exposure, Reason, list[str]]] = {}

    def add(self, exp: Exposure, reason: Reason, detail: str) -> None:
        entry = self._by_rule.get(exp.rule.rule_id)
        if entry is None:
            self._by_rule[exp.rule.rule_id] = (exp, reason, [detail])
        elif detail not in entry[2]:
            entry[2].append(detail)

    def findings(self, ctx: Context, check: Check, view: GroupView) -> list[Finding]:
        out = []
        for exp, reason, details in self._by_rule.values():
            rule = exp.rule
            message = f"{rule.describe()}: {'; '.join(details)} via {_peer_text(exp)}"
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
    return peer
