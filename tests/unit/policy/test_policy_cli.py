"""`sgc policy schema | validate | test` through typer's CliRunner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.policy import policy_app

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "policy-tests"
VALID = '{"version": "1", "id": "acme", "extends": "builtin:strict"}'
runner = CliRunner()


def test_schema_prints_a_valid_draft_2020_12_schema() -> None:
    result = runner.invoke(policy_app, ["schema"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    Draft202012Validator.check_schema(printed)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_validate_accepts_a_valid_file_with_a_valid_line(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(VALID)
    result = runner.invoke(policy_app, ["validate", str(path)])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{path}: valid (policy acme, 14 checks")


def test_validate_accepts_a_builtin_pack() -> None:
    result = runner.invoke(policy_app, ["validate", "builtin:cis-aws"])
    assert result.exit_code == 0
    assert "valid (policy cis-aws, 3 checks" in result.stdout


def test_validate_lists_every_problem_with_path_and_hint_and_exits_2(tmp_path: Path) -> None:
    # GIVEN a YAML policy with two problems
    path = tmp_path / "p.yaml"
    path.write_text(
        'version: "1"\nid: acme\nextends: builtin:strict\nsetings: {}\n'
        "overrides: {EC2.91: {enabled: false}}\n"
    )
    # WHEN validated
    result = runner.invoke(policy_app, ["validate", str(path)])
    # THEN both are on stderr, each with its JSON path and hint, and the exit code is 2
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{path}: invalid policy (2 problems)" in result.stderr
    assert "$.setings: unknown key 'setings' (hint: did you mean 'settings'?)" in result.stderr
    assert (
        "$.overrides[\"EC2.91\"]: no check 'EC2.91' in the base packs to override "
        "(hint: did you mean 'EC2.19'?)"
    ) in result.stderr


def test_validate_reports_a_syntax_error_with_line_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"version": "1",\n "id": }')
    result = runner.invoke(policy_app, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}: $: invalid JSON at line 2, column 8" in result.stderr


def test_validate_reports_a_missing_file_and_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(policy_app, ["validate", str(tmp_path / "none.json")])
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_the_shipped_example_cases_pass() -> None:
    result = runner.invoke(policy_app, ["test", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "PASS acme baseline on production (acme-baseline.yaml)" in result.stdout
    assert result.stdout.rstrip().endswith("3 passed, 0 failed")


def test_a_failing_case_prints_the_diff_and_exits_1(tmp_path: Path) -> None:
    # GIVEN the example cases, one expecting a finding on the wrong rule
    shutil.copytree(EXAMPLES, tmp_path, dirs_exist_ok=True)
    case = tmp_path / "acme-baseline.yaml"
    case.write_text(case.read_text().replace("rule_id: sgr-0db23}", "rule_id: sgr-0db99}"))
    # WHEN run
    result = runner.invoke(policy_app, ["test", str(tmp_path)])
    # THEN the case fails with what is missing and what was unexpected
    assert result.exit_code == 1
    assert "FAIL acme baseline on production" in result.stdout
    assert "- missing:    ACME-NO-TELNET-INTERNAL sg-0000000000000d001 sgr-0db99" in result.stdout
    assert "+ unexpected: ACME-NO-TELNET-INTERNAL sg-0000000000000d001 sgr-0db23" in result.stdout
    assert "2 passed, 1 failed" in result.stdout


def test_a_malformed_case_is_an_error_naming_file_and_path_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(
        '{"name": "n", "policy": "builtin:strict", "today": "2026-01-01", "snapshots": [],'
        ' "expect": [{"check": "EC2.2", "group_id": "sg-01"}]}'
    )
    result = runner.invoke(policy_app, ["test", str(tmp_path)])
    assert result.exit_code == 2
    assert "ERROR bad.json" in result.stdout
    assert f"{tmp_path / 'bad.json'}: invalid test case" in result.stderr
    assert "$.expect[0].check: unknown key 'check'" in result.stderr


def test_an_inline_policy_problem_is_reported_under_the_policy_key(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "name: n\ntoday: '2026-01-01'\nsnapshots: []\nexpect: []\n"
        "policy: {version: '1', id: p, extends: 'builtin:strict', overides: {}}\n"
    )
    result = runner.invoke(policy_app, ["test", str(tmp_path)])
    assert result.exit_code == 2
    assert "$.policy.overides: unknown key 'overides'" in result.stderr


def test_a_directory_without_cases_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(policy_app, ["test", str(tmp_path)])
    assert result.exit_code == 2
    assert "no test cases" in result.stderr


def test_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(policy_app, ["test", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not a directory" in result.stderr
