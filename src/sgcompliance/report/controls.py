"""What each check of a report stands for: its text, its references, and the controls they name.

SARIF rules, ASFF compliance requirements and OCSF compliance objects all describe the check
behind a finding, not only the finding. The policy holds that text; a finding of a check the
policy does not list (the engine's own prefix-list check) is described from the finding itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.policy import (
    UNKNOWN_BEFORE_APPLY_CHECK,
    UNKNOWN_EXEMPTION_TAG_CHECK,
    UNRESOLVED_PREFIX_LIST_CHECK,
    Check,
    Remediation,
    Severity,
)
from sgcompliance.report.records import by_location

# The engine's own checks, which no policy lists: what they mean and how to fix them.
_BUILTIN_DESCRIPTIONS = {
    UNRESOLVED_PREFIX_LIST_CHECK: (
        "Make the managed prefix list readable by the scanner (or replace it with the CIDRs "
        "it stands for), so what the rule exposes can be judged."
    ),
    UNKNOWN_EXEMPTION_TAG_CHECK: (
        "Remove the exemption tag, or ask the security team to define the exemption it names "
        "in the policy (owner, reason, ticket, expiry, scope) with `match.tagged: true`."
    ),
    UNKNOWN_BEFORE_APPLY_CHECK: (
        "Write the value in the code (a CIDR, or a reference to a group or prefix list of the "
        "same plan or template), or exempt the rule by its group's address if what apply will "
        "give is known to be safe: a value known only after apply cannot be judged before."
    ),
}


@dataclass(frozen=True, slots=True)
class Control:
    """One control a reference names: `CIS AWS Foundations Benchmark v3.0.0` + `5.2`."""

    standard: str
    control_id: str

    @property
    def text(self) -> str:
        return f"{self.standard} {self.control_id}".strip()


@dataclass(frozen=True, slots=True)
class CheckInfo:
    check_id: str
    title: str
    description: str
    severity: Severity
    remediation: Remediation
    references: tuple[str, ...] = ()

    @property
    def controls(self) -> tuple[Control, ...]:
        return _controls(self.references)

    @property
    def standards(self) -> tuple[str, ...]:
        """Distinct standard names, in reference order."""
        return _standards(self.references)

    @property
    def help_text(self) -> str:
        """How to fix it: the check's description, else its title."""
        return self.description or self.title or self.check_id


def parse_reference(reference: str) -> Control:
    """`CIS AWS Foundations Benchmark v3.0.0 5.2` -> standard and control id.

    The control id is the last word when it holds a digit (`5.2`, `EC2.53`); a reference
    without one names a standard only.
    """
    head, _, last = reference.strip().rpartition(" ")
    if head and any(ch.isdigit() for ch in last) and not last.lower().startswith("v"):
        return Control(head, last)
    return Control(reference.strip(), "")


# A report asks for the controls of a check once per finding: they are parsed once per check.
@lru_cache(maxsize=1024)
def _controls(references: tuple[str, ...]) -> tuple[Control, ...]:
    return tuple(parse_reference(r) for r in references)


@lru_cache(maxsize=1024)
def _standards(references: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.standard for c in _controls(references) if c.standard))


def check_info(check: Check) -> CheckInfo:
    return CheckInfo(
        check.id, check.title, check.description, check.severity, check.remediation,
        check.references,
    )  # fmt: skip


def _from_finding(finding: Finding) -> CheckInfo:
    description = _BUILTIN_DESCRIPTIONS.get(finding.check_id, "")
    return CheckInfo(
        finding.check_id, finding.title, description, finding.severity, finding.remediation
    )


def check_catalog(result: ScanResult) -> Mapping[str, CheckInfo]:
    """Every enabled check of the policy and every check that produced a finding, by id."""
    found: dict[str, CheckInfo] = {c.id: check_info(c) for c in result.policy.checks if c.enabled}
    for finding in result.findings:
        if finding.check_id not in found:
            found[finding.check_id] = _from_finding(finding)
    return dict(sorted(found.items()))


def findings_with_checks(result: ScanResult) -> list[tuple[Finding, CheckInfo]]:
    """Every finding (exempted ones included) in location order, with the check behind it."""
    catalog = check_catalog(result)
    return [(finding, catalog[finding.check_id]) for finding in by_location(result.findings)]
