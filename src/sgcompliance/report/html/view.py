"""The scan result regrouped the way the HTML report shows it: per group, per account, per region.

Everything here is derived from the findings alone, in a fixed order, so the page is the same
byte for byte for the same result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import Attachment, SecurityGroup
from sgcompliance.engine.policy import Severity
from sgcompliance.report.records import SEVERITIES_DESC, by_location

# Most urgent first: a public interface behind a violating group is what a reader fixes first.
ATTACHMENT_ORDER: tuple[Attachment, ...] = (
    Attachment.EXPOSED,
    Attachment.ATTACHED,
    Attachment.UNKNOWN,
    Attachment.UNATTACHED,
)
ATTACHMENT_LABEL: Mapping[Attachment, str] = {
    Attachment.EXPOSED: "Exposed (public IP)",
    Attachment.ATTACHED: "Attached (private)",
    Attachment.UNKNOWN: "Unknown attachment",
    Attachment.UNATTACHED: "Unattached",
}


@dataclass(frozen=True, slots=True)
class GroupFindings:
    """One security group and every finding about it, in location order."""

    group: SecurityGroup
    findings: tuple[Finding, ...]

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_violation)

    @property
    def worst(self) -> Severity | None:
        ranked = [f.severity for f in self.violations]
        return max(ranked, key=lambda s: s.rank) if ranked else None

    @property
    def group_level(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.rule is None)

    @property
    def anchor(self) -> str:
        """The card's element id: unique across accounts and regions, unescaped."""
        g = self.group
        return f"group-{g.account_id}-{g.region}-{g.group_id}"

    def for_rule(self, rule_id: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.rule_id == rule_id)


@dataclass(frozen=True, slots=True)
class Tally:
    """Violations under one label (an account, a region), split by severity."""

    label: str
    counts: Mapping[Severity, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def groups_of(result: ScanResult) -> tuple[GroupFindings, ...]:
    blocks: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in by_location(result.findings):
        key = (finding.account_id, finding.region, finding.group_id)
        blocks.setdefault(key, []).append(finding)
    return tuple(GroupFindings(block[0].group, tuple(block)) for _, block in sorted(blocks.items()))


def exposure_order(groups: Iterable[GroupFindings]) -> list[GroupFindings]:
    """Groups with violations: by attachment urgency, then worst severity, then location."""
    violating = [g for g in groups if g.violations]
    return sorted(
        violating,
        key=lambda g: (
            ATTACHMENT_ORDER.index(g.group.attachment),
            -(g.worst.rank if g.worst else -1),
            g.group.account_id,
            g.group.region,
            g.group.group_id,
        ),
    )


def attachment_counts(groups: Iterable[GroupFindings]) -> dict[Attachment, int]:
    counts = Counter(g.group.attachment for g in groups if g.violations)
    return {a: counts.get(a, 0) for a in ATTACHMENT_ORDER}


def severity_counts(result: ScanResult) -> dict[Severity, int]:
    counts = Counter(f.severity for f in result.violations)
    return {s: counts.get(s, 0) for s in SEVERITIES_DESC}


def tallies(
    result: ScanResult, labels: Iterable[str], key: Callable[[Finding], str]
) -> tuple[Tally, ...]:
    """One tally per label, zero ones included: a scanned scope without violations is news too."""
    per_label: dict[str, Counter[Severity]] = {label: Counter() for label in labels}
    for finding in result.violations:
        per_label.setdefault(key(finding), Counter())[finding.severity] += 1
    return tuple(
        Tally(label, {s: counts.get(s, 0) for s in SEVERITIES_DESC})
        for label, counts in sorted(per_label.items())
    )


def by_account(result: ScanResult) -> tuple[Tally, ...]:
    return tallies(result, (account for account, _ in result.scopes), lambda f: f.account_id)


def by_region(result: ScanResult) -> tuple[Tally, ...]:
    return tallies(result, (region for _, region in result.scopes), lambda f: f.region)
