"""Judging infrastructure code (a Terraform plan, a CloudFormation template) by the policy that
judges the running accounts: the same engine, checks and exemptions over a `CodeEstate`.

What the code does not fix until it is deployed is reported as check
`SGC.UNKNOWN_BEFORE_APPLY` ("cannot be judged before apply"), never passed. Its severity is the
policy's `unresolved_prefix_list_severity` (high unless the policy says otherwise): both name a
rule whose reach cannot be known, and a policy that tolerates one tolerates the other. Its
remediation is `flag`, and exemptions may name it (by check, group address or tags) like any
other check. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.exemptions import apply_exemptions
from sgcompliance.engine.findings import Finding, Reason, finding_id
from sgcompliance.engine.model import SecurityGroup
from sgcompliance.engine.policy import UNKNOWN_BEFORE_APPLY_CHECK, Policy, Remediation
from sgcompliance.sources.code_estate import CodeEstate, CodeKind, SourceLocation, Unresolved

UNKNOWN_BEFORE_APPLY_TITLE = "Value known only after apply: cannot be judged before apply"


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeScanResult(ScanResult):
    """A scan of infrastructure code, with where each finding's group or rule is written."""

    kind: CodeKind
    # Finding id, rule id or group address -> where it is declared.
    locations: Mapping[str, SourceLocation] = field(default_factory=dict)

    def location_of(self, finding: Finding) -> SourceLocation | None:
        """Where a finding points: its own place (an unknown), its rule's, else its group's."""
        for key in (finding.finding_id, finding.rule_id, finding.group_id):
            if key is not None and key in self.locations:
                return self.locations[key]
        return None


def scan_code(policy: Policy, estate: CodeEstate, *, today: date) -> CodeScanResult:
    """Every finding of `policy` over the groups `estate` declares, and one
    `SGC.UNKNOWN_BEFORE_APPLY` finding per value it leaves unknown, exemptions applied."""
    result = evaluate(policy, [estate.snapshot], today=today)
    snapshot = estate.snapshot
    groups = {group.group_id: group for group in snapshot.groups}
    locations = dict(estate.locations)
    unknown: list[Finding] = []
    extra_groups: set[str] = set()
    for item in estate.unresolved:
        group = groups.get(item.address)
        if group is None:
            extra_groups.add(item.address)
            group = SecurityGroup(
                item.address, item.address, snapshot.account_id, snapshot.region, ()
            )
        finding = unknown_finding(policy, group, item)
        unknown.append(finding)
        if item.location is not None:
            locations[finding.finding_id] = item.location
    tag_key = policy.settings.exemption_tag_key
    judged = apply_exemptions(unknown, policy.exemptions, today, tag_key)
    # The engine's order: by group, then within a group by rule and check.
    findings = sorted((*result.findings, *judged), key=Finding.sort_key)
    return CodeScanResult(
        policy=result.policy,
        findings=tuple(findings),
        groups_scanned=result.groups_scanned + len(extra_groups),
        rules_evaluated=result.rules_evaluated,
        scopes=result.scopes,
        kind=estate.kind,
        locations=locations,
    )


def unknown_finding(policy: Policy, group: SecurityGroup, item: Unresolved) -> Finding:
    """The finding for one value the code leaves unknown until it is deployed."""
    rule = item.rule
    # Without a rule, the attribute keeps two unknowns of one group apart.
    key = rule.rule_id if rule is not None else f"{item.address}/{item.attribute}"
    what = f"{rule.describe()}: " if rule is not None else ""
    return Finding(
        finding_id(
            policy.id, UNKNOWN_BEFORE_APPLY_CHECK, group.account_id, group.region,
            group.group_id, key,
        ),
        policy.id, UNKNOWN_BEFORE_APPLY_CHECK, UNKNOWN_BEFORE_APPLY_TITLE,
        policy.settings.unresolved_prefix_list_severity, Remediation.FLAG,
        Reason.UNKNOWN_BEFORE_APPLY,
        f"{what}{item.reason}, so it cannot be judged before apply ({item.attribute})",
        group.account_id, group.region, group, rule,
    )  # fmt: skip
