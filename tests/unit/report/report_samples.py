"""A small, fixed scan result for the report writers: two groups, a violation, an exemption,
an expired exemption and a group-level finding, plus strings chosen to break naive output."""

from __future__ import annotations

from datetime import date

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.model import RegionSnapshot, Rule
from sgcompliance.engine.policy import (
    Check,
    CheckType,
    DescriptionRequired,
    Exemption,
    MaxRules,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Severity,
    Sources,
)
from support.estate import group, rule, snapshot  # account 111111111111, eu-west-1

TODAY = date(2026, 11, 27)
HOSTILE = 'say "hi"\n<script>alert(1)</script> [bold]loud[/bold] :smile: \x1b[31mred'
MARKUP_NAME = "[red]web[/red]"


def tcp(rule_id: str, port: int, cidr: str, description: str = "described") -> Rule:
    return rule(rule_id, cidr, ports=port, description=description)


def policy(*exemptions: Exemption) -> Policy:
    ssh = RestrictedPorts((PortSpec(frozenset({"tcp"}), (22, 22)),), Sources())
    checks = (
        Check("SSH", "SSH from the world", CheckType.RESTRICTED_PORTS, Severity.CRITICAL,
              Remediation.REMOVE, ssh),
        Check("DESC", "Rules need descriptions", CheckType.DESCRIPTION_REQUIRED, Severity.LOW,
              Remediation.FLAG, DescriptionRequired()),
        Check("SIZE", "At most one rule", CheckType.MAX_RULES, Severity.MEDIUM,
              Remediation.FLAG, MaxRules(1)),
    )  # fmt: skip
    return Policy("sample", "1", checks, exemptions, digest="ab" * 32)


EXEMPT_DB = Exemption(
    "EX-1", 'dba "team" [bold]', "legacy replica", "SEC-1", date(2027, 1, 31),
    group_ids=frozenset({"sg-0000000000000000b"}),
)  # fmt: skip
EXPIRED_WEB = Exemption(
    "EX-OLD", "web-team", "old", None, date(2026, 1, 1),
    checks=frozenset({"SSH"}), group_ids=frozenset({"sg-0000000000000000a"}),
)  # fmt: skip


def estate(description: str = HOSTILE, name: str = MARKUP_NAME) -> list[RegionSnapshot]:
    web = group(
        tcp("sgr-0000000000000000a", 22, "0.0.0.0/0", description),
        tcp("sgr-0000000000000000b", 443, "::/0", ""),
        group_id="sg-0000000000000000a", name=name, tags={"Owner": description},
    )  # fmt: skip
    db = group(tcp("sgr-0000000000000000c", 22, "::/0"), group_id="sg-0000000000000000b", name="db")
    return [snapshot(web, db)]


def sample_result() -> ScanResult:
    """Violations: SSH critical (expired exemption), SIZE medium (group-level), DESC low.
    Exempted: SSH on the db group, by EX-1."""
    return evaluate(policy(EXPIRED_WEB, EXEMPT_DB), estate(), today=TODAY)


def compliant_result() -> ScanResult:
    db = group(
        tcp("sgr-0000000000000000c", 5432, "10.0.0.0/8"), group_id="sg-0000000000000000b", name="db"
    )
    return evaluate(policy(), [snapshot(db)], today=TODAY)
