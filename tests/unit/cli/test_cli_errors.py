"""Usage and input errors: exit code 2, one clear line naming file and JSON path, a hint,
and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from cli_estates import small_estate, ssh_policy, write
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli import app as cli
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.errors import InputError

runner = CliRunner()


def scan(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["scan", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def test_a_malformed_snapshot_names_the_file_and_the_json_path(tmp_path: Path) -> None:
    # GIVEN the second rule of the first snapshot has an invalid CIDR
    estate = small_estate()
    estate[0]["SecurityGroupRules"][1]["CidrIpv4"] = "300.0.0.0/8"
    path = write(tmp_path / "estate.json", estate)
    # WHEN scanned THEN exit 2 and the message names the file and the exact path
    code, err = scan("-i", str(path))
    assert code == 2
    assert f"error: {path}: $[0].SecurityGroupRules[1].CidrIpv4: '300.0.0.0/8'" in err
    assert "hint: " in err


def test_invalid_json_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"account_id": "1",\n  oops}', encoding="utf-8")
    code, err = scan("-i", str(path))
    assert code == 2
    assert str(path) in err
    assert "line 2" in err


def test_a_missing_input_file_is_a_usage_error(tmp_path: Path) -> None:
    code, err = scan("-i", str(tmp_path / "absent.json"))
    assert code == 2
    assert "file not found" in err


def test_an_empty_list_of_snapshots_is_an_input_error(tmp_path: Path) -> None:
    code, err = scan("-i", str(write(tmp_path / "estate.json", [])))
    assert code == 2
    assert "no snapshots" in err


def test_a_bad_policy_lists_every_problem_with_its_path(tmp_path: Path) -> None:
    # GIVEN a policy with two independent mistakes
    document = ssh_policy()
    document["checks"][0]["severity"] = "urgent"
    document["exemptions"] = [{"id": "EX", "owner": "ops", "reason": "r", "match": {}}]
    policy = write(tmp_path / "policy.json", document)
    estate = write(tmp_path / "estate.json", small_estate())
    # WHEN scanned THEN exit 2 and both problems are listed by JSON path
    code, err = scan("-i", str(estate), "-p", str(policy))
    assert code == 2
    assert f"error: {policy}: the policy has 2 problems:" in err
    assert "  $.checks[0].severity: " in err
    assert "  $.exemptions[0].match: " in err


def test_an_unknown_builtin_pack_is_a_policy_error(tmp_path: Path) -> None:
    estate = write(tmp_path / "estate.json", small_estate())
    code, err = scan("-i", str(estate), "-p", "builtin:nope")
    assert code == 2
    assert "unknown built-in pack 'builtin:nope'" in err


def test_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    estate = write(tmp_path / "estate.json", small_estate())
    code, err = scan("-i", str(estate), "-f", "xml")
    assert code == 2
    assert "sgc scan: --format: 'xml' is not one of the choices" in err
    assert "hint: use one of: table, json" in err


def test_a_malformed_date_is_a_usage_error(tmp_path: Path) -> None:
    estate = write(tmp_path / "estate.json", small_estate())
    code, err = scan("-i", str(estate), "--today", "27/11/2026")
    assert code == 2
    assert "--today" in err


def test_an_unwritable_output_is_an_error_with_a_hint(tmp_path: Path) -> None:
    estate = write(tmp_path / "estate.json", small_estate())
    code, err = scan("-i", str(estate), "-o", str(tmp_path / "missing-dir" / "report.json"))
    assert code == 2
    assert "cannot write the report" in err
    assert "hint: check that the directory exists" in err


def test_main_turns_an_escaping_sgc_error_into_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a command that lets an expected error escape (as a sub-command might)
    failing = typer.Typer()

    @failing.command()
    def boom() -> None:
        raise InputError("bad value", path="$.x", source="in.json")

    monkeypatch.setattr(cli, "app", failing)
    monkeypatch.setattr("sys.argv", ["sgc"])
    # WHEN run through the console script THEN exit 2 with the message and no traceback
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "error: in.json: $.x: bad value" in err
    assert "Traceback" not in err


def test_an_input_error_leaves_stdout_empty_for_pipelines(tmp_path: Path) -> None:
    # GIVEN a snapshot without its account id WHEN scanned as JSON
    path = write(tmp_path / "estate.json", {"region": "eu-west-1"})
    result = runner.invoke(app, ["scan", "-i", str(path), "-f", "json"])
    # THEN nothing half-written reaches stdout; the error goes to stderr
    assert result.stdout == ""
    assert "$.account_id" in result.stderr
