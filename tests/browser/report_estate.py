"""A small organization for the browser test: two accounts, three scopes, every kind of
attachment, a default group, an exemption, and hostile strings in every user-supplied field."""

from __future__ import annotations

from datetime import date

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.model import Attachment, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import (
    Check,
    CheckType,
    DefaultGroupClosed,
    DescriptionRequired,
    Exemption,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Severity,
    Sources,
)
from sgcompliance.remediation.plan import Mode, plan_group
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport
from support.estate import group, rule

PROD, DEV = "111111111111", "222222222222"
TODAY = date(2026, 11, 27)
# Each would run script, add an element, or end the stylesheet if it reached the page as markup.
HOSTILE = (
    'say "hi" it\'s\n<script>window.__pwned = 1</script></style>'
    '<b id="pwned">bold</b><img src=x onerror="window.__pwned = 2"> ünïcödé Ωμέγα Привет ✓'
)
HOSTILE_NAME = '</title><script>window.__pwned = 3</script><i id="pwned-name">web</i>'
HOSTILE_TAG = ('<svg onload="window.__pwned = 4">', '"><iframe id="pwned-frame"></iframe>')
HOSTILE_BACKUP = 's3://backups/sg-web/<b id="pwned-backup">v1</b>'
# A name as long as EC2 allows (255) squeezes every other column of the findings table.
LONG_NAME = "legacy-rdp-" + "x" * 244
CROSS_ACCOUNT_PEER = "333333333333/sg-0fedcba9876543210"
INJECTED_IDS = ("pwned", "pwned-name", "pwned-frame", "pwned-backup")


def _rule(group_id: str, n: int, port: int, cidr: str, description: str = "ok") -> Rule:
    rule_id = group_id.replace("sg-", "sgr-")[:-2] + f"{n:02d}"
    return rule(rule_id, cidr, ports=port, description=description, group_id=group_id)


def _group(
    group_id: str, name: str, account: str, region: str, attachment: Attachment,
    *rules: Rule, tags: dict[str, str] | None = None, description: str = "",
) -> SecurityGroup:  # fmt: skip
    return group(
        *rules, group_id=group_id, name=name, account=account, region=region,
        vpc_id="vpc-0123456789abcdef0", description=description, tags=tags, attachment=attachment,
    )  # fmt: skip


def estate() -> list[RegionSnapshot]:
    web = "sg-00000000000web01"
    db, legacy, default, batch = (
        "sg-000000000000db01", "sg-00000000legacy01", "sg-0000000default01", "sg-000000000batch01"
    )  # fmt: skip
    prod_eu = (
        _group(web, HOSTILE_NAME, PROD, "eu-west-1", Attachment.EXPOSED,
               _rule(web, 1, 22, "0.0.0.0/0", HOSTILE), _rule(web, 2, 443, "0.0.0.0/0"),
               _rule(web, 3, 22, "10.0.0.0/8", ""),
               tags={HOSTILE_TAG[0]: HOSTILE_TAG[1], "Owner": "web-team"},
               description=HOSTILE),
        _group(db, "db", PROD, "eu-west-1", Attachment.ATTACHED,
               _rule(db, 1, 5432, "0.0.0.0/0"), _rule(db, 2, 5432, "10.1.0.0/16"),
               # A peer in another account, undescribed: the widest peer a column holds.
               _rule(db, 3, 5432, CROSS_ACCOUNT_PEER, "")),
    )  # fmt: skip
    prod_us = (
        _group(legacy, LONG_NAME, PROD, "us-east-1", Attachment.UNATTACHED,
               _rule(legacy, 1, 3389, "::/0"), _rule(legacy, 2, 22, "192.0.2.0/24")),
        _group(default, "default", PROD, "us-east-1", Attachment.UNKNOWN,
               _rule(default, 1, 443, "10.0.0.0/8")),
    )  # fmt: skip
    dev_eu = (
        _group(batch, "batch", DEV, "eu-west-1", Attachment.EXPOSED,
               _rule(batch, 1, 22, "0.0.0.0/0"), _rule(batch, 2, 8080, "10.2.0.0/16")),
    )  # fmt: skip
    return [
        RegionSnapshot(PROD, "eu-west-1", prod_eu),
        RegionSnapshot(PROD, "us-east-1", prod_us),
        RegionSnapshot(DEV, "eu-west-1", dev_eu),
    ]


def policy() -> Policy:
    def restricted(port: int) -> RestrictedPorts:
        return RestrictedPorts((PortSpec(frozenset({"tcp"}), (port, port)),), Sources())

    checks = (
        Check("SSH", "SSH open to the world", CheckType.RESTRICTED_PORTS, Severity.CRITICAL,
              Remediation.REMOVE, restricted(22)),
        Check("RDP", "RDP open to the world", CheckType.RESTRICTED_PORTS, Severity.HIGH,
              Remediation.REMOVE, restricted(3389)),
        Check("PG", "PostgreSQL open to the world", CheckType.RESTRICTED_PORTS, Severity.HIGH,
              Remediation.REMOVE, restricted(5432)),
        Check("DEFAULT", "Default group must be closed", CheckType.DEFAULT_GROUP_CLOSED,
              Severity.MEDIUM, Remediation.FLAG, DefaultGroupClosed()),
        Check("DESC", "Rules need descriptions", CheckType.DESCRIPTION_REQUIRED, Severity.LOW,
              Remediation.FLAG, DescriptionRequired()),
    )  # fmt: skip
    batch_exemption = Exemption(
        "EX-<i id=\"pwned-ex\">1</i>", "batch-team", "build runners", "SEC-9", date(2027, 6, 30),
        checks=frozenset({"SSH"}), group_ids=frozenset({"sg-000000000batch01"}),
    )  # fmt: skip
    return Policy("org-baseline", "3", checks, (batch_exemption,), digest="c0ffee" * 10)


def scan() -> ScanResult:
    return evaluate(policy(), estate(), today=TODAY)


def remediation(result: ScanResult) -> RemediationReport:
    """A run in remove mode: the web group applied with a backup, the db group a dry run."""
    by_group = {g.group_id: g for snap in estate() for g in snap.groups}
    entries = []
    for group_id, outcome, backup in (
        ("sg-00000000000web01", "applied", HOSTILE_BACKUP),
        ("sg-000000000000db01", "dry_run", None),
    ):
        group = by_group[group_id]
        findings = [f for f in result.findings if f.group_id == group_id]
        plan = plan_group(group, findings, Mode.REMOVE)
        assert plan is not None
        revoked = (*plan.revoke_ingress, *plan.revoke_egress) if outcome == "applied" else ()
        entries.append(RemediationEntry(plan, outcome, backup, revoked))
    return RemediationReport(Mode.REMOVE, dry_run=False, entries=tuple(entries))
