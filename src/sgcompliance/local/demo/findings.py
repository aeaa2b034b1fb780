"""`sgc scan --format json` reports read back, and what the demo compares between two of them.

The demo reads the same published JSON a pipeline would, not the engine's objects.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sgcompliance.errors import InputError

SEVERITIES = ("critical", "high", "medium", "low", "info")
# Check remediations under which `remove_non_compliant_rules` revokes the rule.
REVOKING = frozenset({"remove", "lockdown"})


@dataclass(frozen=True, slots=True)
class ReportedFinding:
    finding_id: str
    check_id: str
    severity: str
    remediation: str
    account_id: str
    region: str
    group_id: str
    group_name: str
    rule_id: str | None
    # Direction, protocol, ports and peer: the rule as AWS matches it, without its id.
    rule_key: tuple[str, ...]
    exempted_by: str | None

    @property
    def is_violation(self) -> bool:
        return self.exempted_by is None

    @property
    def content_key(self) -> tuple[str | None, ...]:
        """The finding whatever its rule's id: AWS gives a re-created rule a new id."""
        location = (self.check_id, self.account_id, self.region, self.group_id)
        return (*location, *self.rule_key, self.exempted_by)


@dataclass(frozen=True, slots=True)
class ScanReport:
    path: Path
    findings: tuple[ReportedFinding, ...]

    @property
    def violations(self) -> list[ReportedFinding]:
        return [f for f in self.findings if f.is_violation]

    @property
    def exempted(self) -> list[ReportedFinding]:
        return [f for f in self.findings if not f.is_violation]

    def by_severity(self) -> dict[str, int]:
        counts = Counter(f.severity for f in self.violations)
        return {s: counts.get(s, 0) for s in SEVERITIES}

    def by_check(self) -> list[tuple[str, str, str, int]]:
        """(check id, severity, remediation, violations), most violations first."""
        counts = Counter((f.check_id, f.severity, f.remediation) for f in self.violations)
        return sorted(((*key, n) for key, n in counts.items()), key=lambda row: (-row[3], row[0]))

    def revocable(self) -> list[ReportedFinding]:
        """Violations whose check lets the remediator revoke the rule."""
        return [f for f in self.violations if f.remediation in REVOKING and f.rule_id]

    def flag_only_groups(self) -> set[str]:
        """Groups with violations none of which revokes a rule: they are only tagged."""
        revoking = {f.group_id for f in self.revocable()}
        return {f.group_id for f in self.violations} - revoking


def read_report(path: Path) -> ScanReport:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        findings = tuple(_finding(row) for row in document["findings"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a readable scan report: {exc!r}", source=str(path)) from exc
    return ScanReport(path, findings)


def _finding(row: Mapping[str, Any]) -> ReportedFinding:
    rule = row.get("rule") or {}
    rule_key = tuple(
        str(rule.get(k)) for k in ("direction", "protocol", "from_port", "to_port", "peer")
    )
    exemption = row.get("exempted_by")
    return ReportedFinding(
        finding_id=str(row["finding_id"]),
        check_id=str(row["check_id"]),
        severity=str(row["severity"]),
        remediation=str(row["remediation"]),
        account_id=str(row["account_id"]),
        region=str(row["region"]),
        group_id=str(row["group_id"]),
        group_name=str(row.get("group_name", "")),
        rule_id=row.get("rule_id"),
        rule_key=rule_key if rule else (),
        exempted_by=str(exemption["id"]) if exemption else None,
    )


@dataclass(frozen=True, slots=True)
class Restoration:
    """How a scan after a rollback compares with the scan before the remediation."""

    same_findings: bool
    missing: tuple[ReportedFinding, ...]  # before, not after (by content)
    extra: tuple[ReportedFinding, ...]  # after, not before (by content)
    unchanged_ids: int
    # Findings whose id changed because the rollback re-created their rule under a new id.
    rekeyed: int
    unexplained_ids: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.same_findings and not self.unexplained_ids


def compare_restored(
    before: ScanReport, after: ScanReport, recreated_rule_ids: Collection[str]
) -> Restoration:
    missing = _difference(before.findings, after.findings)
    extra = _difference(after.findings, before.findings)
    after_ids = {f.finding_id for f in after.findings}
    changed = [f for f in before.findings if f.finding_id not in after_ids]
    unexplained = tuple(f.finding_id for f in changed if f.rule_id not in recreated_rule_ids)
    return Restoration(
        same_findings=not missing and not extra,
        missing=missing,
        extra=extra,
        unchanged_ids=len(before.findings) - len(changed),
        rekeyed=len(changed) - len(unexplained),
        unexplained_ids=unexplained,
    )


def _difference(
    these: Iterable[ReportedFinding], those: Iterable[ReportedFinding]
) -> tuple[ReportedFinding, ...]:
    """Findings of `these` not matched one-for-one by content in `those`."""
    left = Counter(f.content_key for f in those)
    out = []
    for finding in these:
        if left[finding.content_key] > 0:
            left[finding.content_key] -= 1
        else:
            out.append(finding)
    return tuple(out)
