"""`sgc scan`: exit codes, formats, output file, stdin, and the clock for exemption expiry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_estates import compliant_estate, small_estate, ssh_policy, write
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
REQUIRED_FINDING_KEYS = {
    "finding_id", "check_id", "severity", "account_id", "region", "group_id", "rule_id",
    "reason", "message", "exempted_by",
}  # fmt: skip

runner = CliRunner()


def test_scanning_the_example_estate_as_json_reports_violations_and_exits_1() -> None:
    # GIVEN the bundled example estate WHEN scanned with the default policy as JSON
    result = runner.invoke(app, ["scan", "--input", str(EXAMPLES / "estate.json"), "-f", "json"])
    # THEN it exits 1 and every finding has the required fields
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["policy_id"] == "strict"
    assert report["summary"]["violations"] > 0
    assert all(f.keys() >= REQUIRED_FINDING_KEYS for f in report["findings"])


def test_the_example_policy_exempts_the_tagged_group() -> None:
    args = ["scan", "-i", str(EXAMPLES / "estate.json"), "-p", str(EXAMPLES / "policy.json")]
    result = runner.invoke(app, [*args, "-f", "json", "--today", "2026-11-27"])
    findings = json.loads(result.stdout)["findings"]
    exempted = {f["exempted_by"]["id"] for f in findings if f["exempted_by"]}
    assert exempted == {"EX-2026-014"}


def test_a_compliant_estate_exits_0(tmp_path: Path) -> None:
    estate = write(tmp_path / "estate.json", compliant_estate())
    result = runner.invoke(app, ["scan", "--input", str(estate)])
    assert result.exit_code == 0, result.output
    assert "No violations." in result.stdout


def test_exempted_findings_alone_do_not_fail_the_scan(tmp_path: Path) -> None:
    # GIVEN an estate whose only violation is exempted until the end of 2026
    exemption = {
        "id": "EX-SSH", "owner": "ops", "reason": "on-call", "expires": "2026-12-31",
        "match": {"checks": ["SSH-WORLD"]},
    }  # fmt: skip
    policy = write(tmp_path / "policy.json", ssh_policy(exemptions=[exemption]))
    estate = write(tmp_path / "estate.json", small_estate())
    args = ["scan", "-i", str(estate), "-p", str(policy), "--today", "2026-11-27"]
    # WHEN scanned THEN it exits 0 and the table lists the exemption
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "EX-SSH" in result.stdout


def test_an_expired_exemption_stops_applying_on_the_given_day(tmp_path: Path) -> None:
    exemption = {
        "id": "EX-SSH", "owner": "ops", "reason": "on-call", "expires": "2026-12-31",
        "match": {"checks": ["SSH-WORLD"]},
    }  # fmt: skip
    policy = write(tmp_path / "policy.json", ssh_policy(exemptions=[exemption]))
    estate = write(tmp_path / "estate.json", small_estate())
    args = ["scan", "-i", str(estate), "-p", str(policy), "-f", "json", "--today", "2027-01-01"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["expired_exemption"]["id"] == "EX-SSH"


def test_output_option_writes_the_report_to_the_file(tmp_path: Path) -> None:
    estate = write(tmp_path / "estate.json", small_estate())
    target = tmp_path / "report.json"
    result = runner.invoke(app, ["scan", "-i", str(estate), "-f", "json", "-o", str(target)])
    assert result.exit_code == 1
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["violations"] >= 1
    assert result.stdout == ""
    assert f"wrote json report to {target}" in result.stderr


def test_input_dash_reads_the_snapshot_from_stdin() -> None:
    result = runner.invoke(
        app, ["scan", "--input", "-", "-f", "json"], input=json.dumps(compliant_estate())
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["groups_scanned"] == 1


def test_yaml_snapshots_are_read_too(tmp_path: Path) -> None:
    estate = tmp_path / "estate.yaml"
    # JSON is valid YAML: the reader chooses by suffix
    estate.write_text(json.dumps(compliant_estate()), encoding="utf-8")
    assert runner.invoke(app, ["scan", "-i", str(estate)]).exit_code == 0


def test_the_table_has_summary_and_severities_and_no_ansi_when_not_a_tty(tmp_path: Path) -> None:
    estate = write(tmp_path / "estate.json", small_estate())
    result = runner.invoke(app, ["scan", "-i", str(estate)])
    assert "policy strict" in result.stdout
    assert "Violations:" in result.stdout
    assert "CRITICAL" in result.stdout
    assert "\x1b[" not in result.stdout


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_repeated_scans_print_identical_reports(tmp_path: Path, fmt: str) -> None:
    estate = write(tmp_path / "estate.json", small_estate())
    args = ["scan", "-i", str(estate), "-f", fmt, "--today", "2026-11-27"]
    assert runner.invoke(app, args).stdout == runner.invoke(app, args).stdout


def test_the_piped_table_width_follows_columns(tmp_path: Path) -> None:
    estate = write(tmp_path / "estate.json", small_estate())
    result = runner.invoke(app, ["scan", "-i", str(estate)], env={"COLUMNS": "70"})
    assert max(len(line) for line in result.stdout.splitlines()) <= 70
    assert "Where" in result.stdout
