"""Plain-data views of a scan result, shared by every report format.

Writers never reach into the engine's objects themselves: they read these records, so every
format names things the same way and a new format cannot drift from the JSON contract.

A report of many findings makes their records with one `FindingRecords`: what findings share
(their group's tags, their rule, their exemption) is made into a record once, and their records
share it. Records are written out, never changed, so sharing is safe.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import Rule, SecurityGroup
from sgcompliance.engine.policy import Exemption, Severity
from sgcompliance.report.coverage import coverage_record, time_text
from sgcompliance.report.passes import pass_count, passed_records
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport

Record = dict[str, Any]

# Highest first: the order people read a report in.
SEVERITIES_DESC: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))


def by_location(findings: Iterable[Finding]) -> list[Finding]:
    """Account, region, group, rule, check: stable when a policy re-grades a check."""
    return sorted(findings, key=Finding.sort_key)


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Severity descending, then by location: the order a reader triages in."""
    return sorted(findings, key=lambda f: (-f.severity.rank, *f.sort_key()))


def summary_record(
    result: ScanResult, at: datetime | None = None, passed: list[Record] | None = None
) -> Record:
    """The counts, the policy (id and digest) and when the scan ran (`generated_at`, null when
    the caller gave no time); `passed`, the `passed_records` when the caller has them."""
    violations = result.violations
    severity_counts = Counter(f.severity.value for f in violations)
    check_counts = Counter(f.check_id for f in violations)
    return {
        "policy_id": result.policy.id,
        "policy_digest": result.policy.digest,
        "policy_version": result.policy.version,
        "generated_at": time_text(at),
        "groups_scanned": result.groups_scanned,
        "rules_evaluated": result.rules_evaluated,
        "violations": len(violations),
        "exempted": len(result.exempted),
        # (group, check) pairs judged compliant: `passed` lists them per group.
        "passed_checks": (
            pass_count(result) if passed is None else sum(len(p["checks"]) for p in passed)
        ),
        "expired_exemptions": sum(1 for f in violations if f.expired_exemption is not None),
        # Every severity is present, zero or not, so the shape never changes between runs.
        "by_severity": {s.value: severity_counts.get(s.value, 0) for s in Severity},
        "by_check": dict(sorted(check_counts.items())),
        "scopes": [
            {"account_id": account, "region": region}
            for account, region in sorted(set(result.scopes))
        ],
    }


def finding_record(finding: Finding) -> Record:
    return FindingRecords().record(finding)


class FindingRecords:
    """`finding_record` for the findings of one report, each part shared by many findings (a
    group's tags, a rule, an exemption) made once. Parts are remembered by the identity of
    what they were made from, which each cache keeps alive with its record."""

    def __init__(self) -> None:
        self._tags: dict[int, tuple[SecurityGroup, Record]] = {}
        self._rules: dict[int, tuple[Rule, Record | None]] = {}
        self._exemptions: dict[int, tuple[Exemption, Record | None]] = {}

    def record(self, finding: Finding) -> Record:
        group, rule = finding.group, finding.rule
        return {
            "finding_id": finding.finding_id,
            "check_id": finding.check_id,
            "title": finding.title,
            "severity": finding.severity.value,
            "remediation": finding.remediation.value,
            "account_id": finding.account_id,
            "region": finding.region,
            "group_id": group.group_id,
            "group_name": group.name,
            "group_tags": self.group_tags(group),
            "attachment": group.attachment.value,
            "rule_id": rule.rule_id if rule is not None else None,
            "rule": self.rule(rule),
            "reason": finding.reason.value,
            "message": finding.message,
            "exempted_by": self.exemption(finding.exempted_by),
            "expired_exemption": self.exemption(finding.expired_exemption),
        }

    def group_tags(self, group: SecurityGroup) -> Record:
        known = self._tags.get(id(group))
        if known is None:
            known = self._tags[id(group)] = (group, dict(sorted(group.tags.items())))
        return known[1]

    def rule(self, rule: Rule | None) -> Record | None:
        if rule is None:
            return None
        known = self._rules.get(id(rule))
        if known is None:
            known = self._rules[id(rule)] = (rule, rule_record(rule))
        return known[1]

    def exemption(self, exemption: Exemption | None) -> Record | None:
        if exemption is None:
            return None
        known = self._exemptions.get(id(exemption))
        if known is None:
            known = self._exemptions[id(exemption)] = (exemption, exemption_record(exemption))
        return known[1]


def rule_record(rule: Rule | None) -> Record | None:
    if rule is None:
        return None
    return {
        "direction": rule.direction.value,
        "protocol": rule.protocol,
        "from_port": rule.from_port,
        "to_port": rule.to_port,
        "peer": str(rule.peer),
        "peer_kind": rule.peer.kind.value,
        "description": rule.description,
        "summary": rule_summary(rule),
    }


def exemption_record(exemption: Exemption | None) -> Record | None:
    if exemption is None:
        return None
    return {
        "id": exemption.id,
        "owner": exemption.owner,
        "reason": exemption.reason,
        "ticket": exemption.ticket,
        "expires": exemption.expires.isoformat() if exemption.expires else None,
    }


def rule_summary(rule: Rule) -> str:
    """Compact form such as `tcp 22 from 0.0.0.0/0` or `egress all traffic to ::/0`."""
    text = rule.describe()
    return text.removeprefix("ingress ")


def scan_record(
    result: ScanResult, remediation: RemediationReport | None = None, at: datetime | None = None
) -> Record:
    """The whole report: `{"summary": ..., "coverage": ..., "findings": [...], "passed": [...]}`
    in location order, plus `"remediation": {...}` when a remediation ran (absent otherwise: a
    scan's shape is fixed). `coverage` says which account-regions were asked for, read and not
    read; `passed` which checks each group passed."""
    record = scan_record_without_findings(result, remediation, at)
    record["findings"] = list(finding_records(result))
    return record


def scan_record_without_findings(
    result: ScanResult, remediation: RemediationReport | None = None, at: datetime | None = None
) -> Record:
    """`scan_record` with `findings` an empty list, for writers that write the findings
    (`finding_records`) one at a time."""
    passed = passed_records(result)
    record: Record = {
        "summary": summary_record(result, at, passed),
        "coverage": coverage_record(result),
        "findings": [],
        "passed": passed,
    }
    if remediation is not None:
        record["remediation"] = remediation_record(remediation)
    return record


def finding_records(result: ScanResult) -> Iterator[Record]:
    """The record of every finding, in location order, made as they are asked for."""
    records = FindingRecords()
    return map(records.record, by_location(result.findings))


def remediation_record(report: RemediationReport) -> Record:
    """What a remediation run did: per group, the rules removed and kept, backup and rollback."""
    entries = sorted(
        report.entries, key=lambda e: (e.plan.account_id, e.plan.region, e.plan.group_id)
    )
    return {
        "mode": report.mode.value,
        "dry_run": report.dry_run,
        "blast_radius_note": report.blast_radius_note,
        "groups": len(entries),
        "rules_removed": sum(len(e.removed_rules) for e in entries),
        "by_outcome": dict(sorted(Counter(e.outcome for e in entries).items())),
        "entries": [remediation_entry_record(e) for e in entries],
    }


def remediation_entry_record(entry: RemediationEntry) -> Record:
    plan = entry.plan
    return {
        "plan_id": plan.plan_id,
        "account_id": plan.account_id,
        "region": plan.region,
        "group_id": plan.group_id,
        "group_name": plan.group_name,
        "action": plan.action.value,
        "outcome": entry.outcome,
        "error": entry.error,
        "backup_id": entry.backup_id,
        "rollback_command": entry.rollback_command,
        "finding_ids": sorted(f.finding_id for f in plan.findings),
        "check_ids": sorted({f.check_id for f in plan.findings}),
        "removed_rules": [_identified(r) for r in _by_rule_id(entry.removed_rules)],
        "kept_rules": [_identified(r) for r in _by_rule_id(entry.kept_rules)],
        "added_rules": [rule_record(r) for r in entry.added_rules],
        "changed_rule_ids": sorted(entry.changed),
    }


def _by_rule_id(rules: Iterable[Rule]) -> list[Rule]:
    return sorted(rules, key=lambda r: r.rule_id)


def _identified(rule: Rule) -> Record:
    return {"rule_id": rule.rule_id, **(rule_record(rule) or {})}
