"""Matching findings against exemptions; expired ones stop applying and are named.

Exemptions are governed: a tag only *points to* an exemption the policy defines (the group's
exemption tag names its id, and only where the exemption says `tagged`), the policy's other
criteria bound what it may cover, and a rule's own tags count only where the policy names them
in `rule_tags`: whoever opens a rule sets that rule's tags, so they cannot grant an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import Rule
from sgcompliance.engine.policy import (
    DEFAULT_EXEMPTION_TAG_KEY,
    AllowedPeers,
    Exemption,
    tags_match,
)

# Whether a rule's whole peer lies inside an allowed set, in the finding's region.
Within = Callable[[Rule, AllowedPeers], bool]


def exemption_matches(
    exemption: Exemption,
    finding: Finding,
    tag_key: str = DEFAULT_EXEMPTION_TAG_KEY,
    within: Within | None = None,
) -> bool:
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
    if exemption.tagged and dict(group.tags).get(tag_key) != exemption.id:
        return False
    if not all(tags_match(group.tags, key, value) for key, value in exemption.tags):
        return False
    if exemption.peers_within and (
        rule is None or within is None or not within(rule, exemption.peers_within)
    ):
        return False
    if exemption.rule_tags:
        rule_tags = dict(rule.tags) if rule is not None else {}
        if not all(tags_match(rule_tags, key, value) for key, value in exemption.rule_tags):
            return False
    return True


def apply_exemptions(
    findings: Sequence[Finding],
    exemptions: Sequence[Exemption],
    today: date,
    tag_key: str = DEFAULT_EXEMPTION_TAG_KEY,
    within: Within | None = None,
) -> list[Finding]:
    """Mark each finding with the first live exemption that matches, or the expired one."""
    if not exemptions:
        return list(findings)
    out: list[Finding] = []
    for finding in findings:
        live: Exemption | None = None
        expired: Exemption | None = None
        for exemption in exemptions:
            if not exemption_matches(exemption, finding, tag_key, within):
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
