"""`sgc remediate` and live `sgc scan` reports: --format, --output, the remediation report and
--quiet, against the demo organization in the moto server, run in-process as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from sgcompliance.entrypoints.cli.app import app
from sgcompliance.local.seed.organization import DemoOrg
from support.live_estate import ORG_REGION, estate_of, read_state

pytestmark = pytest.mark.integration

runner = CliRunner()
REGION = ORG_REGION


def sgc(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "400"})


def target(org: DemoOrg) -> list[str]:
    return [
        "--endpoint-url", org.endpoint,
        "--accounts", ",".join(org.account_ids),
        "--regions", ",".join(org.regions),
        "--external-id", str(org.role.external_id),
    ]  # fmt: skip


def remediation(report: Path) -> dict[str, Any]:
    section: dict[str, Any] = json.loads(report.read_text())["remediation"]
    return section


def test_a_dry_run_json_report_to_a_file_holds_the_planned_diff_and_changes_nothing(
    org: DemoOrg, tmp_path: Path
) -> None:
    # GIVEN the demo organization
    before = read_state(estate_of(org))
    report = tmp_path / "plan.json"
    # WHEN a dry run writes its JSON report to a file
    result = sgc(
        "remediate", "--mode", "remove_non_compliant_rules", "--dry-run",
        "-f", "json", "-o", str(report), *target(org),
    )  # fmt: skip
    # THEN it exits 0, stdout holds nothing, stderr one summary line, and nothing changed
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote json report to {report}" in result.stderr
    assert read_state(estate_of(org)) == before
    # AND every entry is a dry run with the rules it would remove and no backup
    section = remediation(report)
    assert section["dry_run"] is True
    assert section["entries"]
    assert {e["outcome"] for e in section["entries"]} == {"dry_run"}
    assert all(e["backup_id"] is None for e in section["entries"])
    assert section["rules_removed"] == sum(len(e["removed_rules"]) for e in section["entries"])
    assert section["rules_removed"] > 0


def test_an_applied_remediation_reports_backup_ids_and_rollback_commands_as_json(
    org: DemoOrg, tmp_path: Path
) -> None:
    # GIVEN backups kept in a local directory
    backups = tmp_path / "backups"
    args = ["--mode", "remove_non_compliant_rules", "--yes", "--backup-dir", str(backups)]
    # WHEN remediating with the JSON report on stdout
    result = sgc("remediate", *args, "-f", "json", *target(org))
    # THEN stdout is one JSON document
    assert result.exit_code == 0, result.output
    section = json.loads(result.stdout)["remediation"]
    revoking = [e for e in section["entries"] if e["removed_rules"]]
    assert revoking
    # AND each group that lost rules names a stored backup and the command that undoes it
    stored = {p.stem for p in backups.glob("*/*.json")}
    assert {e["backup_id"] for e in revoking} <= stored
    assert all(
        e["rollback_command"] == f"sgc rollback {e['backup_id']} --backup-dir {backups}"
        for e in revoking
    )
    assert all(e["outcome"] == "applied" for e in revoking)


def test_an_applied_remediation_table_shows_each_backup_and_its_rollback_command(
    org: DemoOrg, tmp_path: Path
) -> None:
    # GIVEN backups kept in a local directory
    backups = tmp_path / "backups"
    args = ["--mode", "remove_non_compliant_rules", "--yes", "--backup-dir", str(backups)]
    # WHEN remediating with the default table report on stdout
    result = sgc("remediate", *args, *target(org))
    # THEN every stored backup is shown with the command that rolls it back
    assert result.exit_code == 0, result.output
    stored = sorted(p.stem for p in backups.glob("sg-*/*.json"))
    assert stored
    assert all(f"sgc rollback {backup_id}" in result.stdout for backup_id in stored)
    # AND the notes say how to undo a group by its id
    assert "Undo a group with: sgc rollback --group GROUP_ID --latest" in result.stdout


def test_a_dry_run_table_marks_each_rule_to_remove_and_says_nothing_changed(
    org: DemoOrg,
) -> None:
    # WHEN a dry run prints its table report
    result = sgc("remediate", "--mode", "remove_non_compliant_rules", "--dry-run", *target(org))
    # THEN the diff marks removed rules with "-" and the notes say nothing was changed
    assert result.exit_code == 0, result.output
    assert "Remediated groups (" in result.stdout
    # (a removed rule's line may follow the text of other columns on the same table row)
    assert re.search(r"(^|\s)- sgr-[0-9a-f]+ ", result.stdout, re.MULTILINE)
    assert "Dry run: nothing was changed." in result.stdout


def test_a_quiet_live_scan_to_a_file_prints_nothing_and_keeps_the_exit_code(
    demo_org: DemoOrg, tmp_path: Path
) -> None:
    # WHEN the shared demo organization is scanned quietly into a SARIF file
    report = tmp_path / "scan.sarif"
    result = sgc("scan", "--quiet", "-f", "sarif", "-o", str(report), *target(demo_org))
    # THEN it exits 1 (violations), prints nothing at all, and the file holds the report
    assert result.exit_code == 1, result.output
    assert result.output == ""
    assert json.loads(report.read_text())["runs"]


def test_a_live_scan_table_of_account_regions_has_no_timings_unless_stats_are_asked(
    demo_org: DemoOrg, tmp_path: Path
) -> None:
    # WHEN the organization is scanned twice, once with --stats
    plain = sgc("scan", "-o", str(tmp_path / "a.json"), "-f", "json", *target(demo_org))
    timed = sgc("scan", "--stats", "-o", str(tmp_path / "b.json"), *target(demo_org))
    # THEN only the --stats run shows seconds per account-region
    assert "Account-regions" in plain.stderr
    assert "Seconds" not in plain.stderr
    assert "Seconds" in timed.stderr


def test_declining_the_prompt_with_json_on_stdout_exits_5_and_writes_no_report(
    org: DemoOrg, tmp_path: Path
) -> None:
    # GIVEN the JSON report going to stdout, so the plan and the question go to stderr
    before = read_state(estate_of(org))
    args = ["--mode", "remove_non_compliant_rules", "--backup-dir", str(tmp_path / "b")]
    # WHEN the person answers no
    result = runner.invoke(
        app, ["remediate", *args, "-f", "json", *target(org)], input="n\n", env={"COLUMNS": "400"}
    )
    # THEN nothing changed, no report was written and stderr holds the plan, question and abort
    assert result.exit_code == 5, result.output
    # (the test runner echoes the typed answer to stdout, as a terminal would show it)
    assert result.stdout.strip() in ("", "n"), result.stdout
    for part in ("Remediation plan", "Apply", "sgc remediate: not confirmed: nothing was changed"):
        assert part in result.stderr
    assert read_state(estate_of(org)) == before
