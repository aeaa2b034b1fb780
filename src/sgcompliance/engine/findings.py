"""Findings: what a check says about one rule (or one group), with a stable identity."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from sgcompliance.engine.model import Rule, SecurityGroup
from sgcompliance.engine.policy import Exemption, Remediation, Severity


class Reason(StrEnum):
    WORLD_OPEN = "WORLD_OPEN"
    PUBLIC_OPEN = "PUBLIC_OPEN"
    LISTED_CIDR_OPEN = "LISTED_CIDR_OPEN"
    COVERAGE_WORLD_OPEN = "COVERAGE_WORLD_OPEN"
    UNAUTHORIZED_PORT = "UNAUTHORIZED_PORT"
    ALL_TRAFFIC = "ALL_TRAFFIC"
    WIDE_CIDR = "WIDE_CIDR"
    DEFAULT_GROUP_RULE = "DEFAULT_GROUP_RULE"
    UNTRUSTED_REFERENCE = "UNTRUSTED_REFERENCE"
    TOO_MANY_RULES = "TOO_MANY_RULES"
    MISSING_DESCRIPTION = "MISSING_DESCRIPTION"
    UNRESOLVED_PREFIX_LIST = "UNRESOLVED_PREFIX_LIST"
    UNKNOWN_EXEMPTION_TAG = "UNKNOWN_EXEMPTION_TAG"
    UNKNOWN_BEFORE_APPLY = "UNKNOWN_BEFORE_APPLY"


ID_SEPARATOR = "\x1f"


def finding_id(
    policy_id: str, check_id: str, account_id: str, region: str, group_id: str, rule_id: str | None
) -> str:
    key = ID_SEPARATOR.join((policy_id, check_id, account_id, region, group_id, rule_id or ""))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Finding:
    finding_id: str
    policy_id: str
    check_id: str
    title: str
    severity: Severity
    remediation: Remediation
    reason: Reason
    message: str
    account_id: str
    region: str
    group: SecurityGroup
    rule: Rule | None
    exempted_by: Exemption | None = None
    # An exemption that would have applied but has expired: the finding stands and says so.
    expired_exemption: Exemption | None = None

    @property
    def group_id(self) -> str:
        return self.group.group_id

    @property
    def rule_id(self) -> str | None:
        return self.rule.rule_id if self.rule is not None else None

    @property
    def is_violation(self) -> bool:
        return self.exempted_by is None

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (
            self.account_id,
            self.region,
            self.group.group_id,
            self.rule_id or "",
            self.check_id,
        )
