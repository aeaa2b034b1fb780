"""Matching findings against exemptions; expired ones stop applying and are named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from sgcompliance.engine.findings import Finding
from sgcompliance.engine.policy import Exemption, tags_match


def exemption_matches(exemption: Exemption, finding: Finding) -> bool:
    group = finding.group
    rule = finding.rule
    if exemption.checks and finding.check_id not in exemption.checks:
        return False
    if exemption.accounts and finding.account_id not in exemption.accounts:
        return False
    if exemption.regions and finding.region not in exemption.regions:
        return False
    if exemption.group_ids and group.group_id not in exemption.group_ids:
        return False
    if exemption.rule_ids and (rule is None or rule.rule_id not in exemption.rule_ids):
        return False
    if exemption.tags:
        rule_tags = dict(rule.tags) if rule is not None else {}
        for key, value in exemption.tags:
            if not (tags_match(group.tags, key, value) or tags_match(rule_tags, key, value)):
                return False
    return True


def apply_exemptions(
    findings: Sequence[Finding], exemptions: Sequence[Exemption], today: date
) -> list[Finding]:
    """Mark each finding with the first live exemption that matches, or the expired one."""
    if not exemptions:
        return list(findings)
    out: list[Finding] = []
    for finding in findings:
        live: Exemption | None = None
        expired: Exemption | None = None
        for exemption in exemptions:
            if not exemption_matches(exemption, finding):
                continue
            if exemption.expired(today):
                expired = expired or exemption
                continue
            live = exemption
            break
        if live is not None:
            out.append(replace(finding, exempted_by=live))
        elif expired is not None:
            note = f" (exemption {expired.id!r} expired on {expired.expires})"
            out.append(replace(finding, expired_exemption=expired, message=finding.message + note))
        else:
            out.append(finding)
    return out
