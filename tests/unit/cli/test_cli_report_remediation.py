"""The remediation report: what the remediator did becomes a RemediationReport, and the table and
JSON writers show its before/after diff, backup ids and rollback commands, untrusted text inert."""

from __future__ import annotations

import json
from datetime import date

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import (
    Check,
    CheckType,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Severity,
    Sources,
)
from sgcompliance.entrypoints.cli.report_output import planned_report, run_report
from sgcompliance.remediation.plan import Mode, RemediationPlan, plan_group
from sgcompliance.remediation.remediator import (
    GroupOutcome,
    Outcome,
    RemediationRun,
    RemediationSettings,
)
from sgcompliance.report.formats import Presentation, render
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport

ACCOUNT = "111111111111"
REGION = "eu-west-1"
GROUP = "sg-0000000000000000a"
SSH_RULE = "sgr-00000000000000001"
HTTPS_RULE = "sgr-00000000000000002"
BACKUP = f"{GROUP}.20261127T080000Z.abcd1234"
HOSTILE = 'ops "team"\n<script>alert(1)</script> [bold]x[/bold] \x1b[31mred'
WIDE = Presentation(width=200)


def rule(rule_id: str, port: int, description: str) -> Rule:
    peer = Peer(PeerKind.IPV4, "0.0.0.0/0")
    return Rule(rule_id, GROUP, Direction.INGRESS, "tcp", port, port, peer, description)


def scan(name: str = "web", description: str = "ssh for on-call") -> ScanResult:
    ssh = RestrictedPorts((PortSpec(frozenset({"tcp"}), (22, 22)),), Sources())
    check = Check(
        "SSH", "No SSH from the world", CheckType.RESTRICTED_PORTS, Severity.HIGH,
        Remediation.REMOVE, ssh,
    )  # fmt: skip
    group = SecurityGroup(
        GROUP, name, ACCOUNT, REGION, (rule(SSH_RULE, 22, description), rule(HTTPS_RULE, 443, ""))
    )
    policy = Policy("sample", "1", (check,))
    return evaluate(policy, [RegionSnapshot(ACCOUNT, REGION, (group,))], today=date(2026, 1, 1))


def plan(result: ScanResult) -> RemediationPlan:
    first = result.findings[0]
    planned = plan_group(first.group, result.findings, Mode.REMOVE)
    assert planned is not None
    return planned


def applied(result: ScanResult) -> RemediationReport:
    entry = RemediationEntry(plan(result), "applied", BACKUP, (SSH_RULE,))
    return RemediationReport(Mode.REMOVE, False, (entry,))


def test_the_json_report_lists_removed_and_kept_rules_with_backup_and_rollback_command() -> None:
    # GIVEN a run that removed the SSH rule of one group, backed up first
    result = scan()
    # WHEN rendered as JSON
    report = json.loads(render(result, "json", remediation=applied(result)))
    # THEN the entry names the removed rule, the kept one, the backup and the undo command
    [entry] = report["remediation"]["entries"]
    assert [r["rule_id"] for r in entry["removed_rules"]] == [SSH_RULE]
    assert [r["rule_id"] for r in entry["kept_rules"]] == [HTTPS_RULE]
    assert entry["backup_id"] == BACKUP
    assert entry["rollback_command"] == f"sgc rollback {BACKUP}"
    assert report["remediation"]["rules_removed"] == 1


def test_a_scan_json_report_has_no_remediation_key() -> None:
    # WHEN a plain scan is rendered THEN its shape is the scan contract, unchanged
    assert set(json.loads(render(scan(), "json"))) == {"summary", "coverage", "findings", "passed"}


def test_the_table_marks_the_removed_rule_and_prints_the_rollback_command() -> None:
    result = scan()
    text = render(result, "table", WIDE, applied(result))
    removed = [line for line in text.splitlines() if f"- {SSH_RULE}" in line]
    kept = [line for line in text.splitlines() if f"  {HTTPS_RULE}" in line]
    assert removed
    assert kept
    assert f"sgc rollback {BACKUP}" in text.splitlines()[-1]


def test_a_dry_run_table_says_nothing_was_changed_and_lists_the_rules_to_remove() -> None:
    # GIVEN the plan of a dry run
    result = scan()
    settings = RemediationSettings(Mode.REMOVE, dry_run=True)
    report = planned_report([plan(result)], "", settings)
    # WHEN rendered as a table
    text = render(result, "table", WIDE, report)
    # THEN it says so, counts the rules to remove and offers no rollback (nothing was backed up)
    assert "(dry run: nothing was changed)" in text
    assert "Rules to remove: 1" in text
    assert "sgc rollback" not in text


def test_hostile_names_and_descriptions_stay_inert_in_the_remediation_table() -> None:
    # GIVEN a group whose name and rule description hold markup, a newline and an escape
    result = scan(name="[red]web[/red]", description=HOSTILE)
    # WHEN the remediation is rendered as a table
    text = render(result, "table", WIDE, applied(result))
    # THEN they appear literally: no raw newline or escape character, markup kept as text
    section = text[text.index("Remediated groups") :]
    assert "\x1b" not in section
    assert "[red]web[/red]" in section
    assert 'ops "team"\\n<script>alert(1)</script> [bold]x[/bold] \\x1b[31mred' in section


def test_an_applied_run_becomes_one_entry_per_group_outcome() -> None:
    # GIVEN what the remediator returned: one group changed, backed up first
    result = scan()
    outcome = GroupOutcome(plan(result), Outcome.APPLIED, BACKUP, [SSH_RULE], verified=True)
    run = RemediationRun([outcome.plan], [outcome], blast_radius_note="")
    # WHEN turned into the report writers receive
    report = run_report(run, RemediationSettings(Mode.REMOVE))
    # THEN the entry carries the outcome, the backup and exactly the revoked rules
    [entry] = report.entries
    assert (entry.outcome, entry.backup_id, entry.revoked) == ("applied", BACKUP, (SSH_RULE,))
    assert [r.rule_id for r in entry.removed_rules] == [SSH_RULE]
    assert report.dry_run is False


def test_a_failed_group_keeps_its_error_in_the_report() -> None:
    result = scan()
    outcome = GroupOutcome(plan(result), Outcome.FAILED, error="AccessDenied: ec2:Revoke")
    run = RemediationRun([outcome.plan], [outcome])
    report = run_report(run, RemediationSettings(Mode.REMOVE))
    record = json.loads(render(result, "json", remediation=report))["remediation"]
    assert record["entries"][0]["error"] == "AccessDenied: ec2:Revoke"
    assert record["by_outcome"] == {"failed": 1}
