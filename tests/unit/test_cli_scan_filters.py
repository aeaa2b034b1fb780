"""`sgc scan` with the filters, the AWS CLI's conventions and a person's terminal, driven
through files as a user drives it (offline, `--input`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli import aws_options, console
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.entrypoints.cli.aws_options import AwsTarget
from sgcompliance.errors import ConfigError
from unit.cli.cli_estates import small_estate, ssh_policy, write

runner = CliRunner()


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    return write(tmp_path / "estate.json", small_estate())


def scan(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["scan", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def check_ids(stdout: str) -> set[str]:
    return {f["check_id"] for f in json.loads(stdout)["findings"]}


def test_checks_and_severity_narrow_the_report_and_say_so(estate: Path) -> None:
    _, everything, _ = scan("--input", str(estate), "-f", "json")
    found = check_ids(everything)
    one = sorted(found)[0]
    code, narrowed, stderr = scan("--input", str(estate), "-f", "json", "--checks", one)
    assert code == 1
    assert check_ids(narrowed) == {one}
    assert f"Filters: checks {one}" in stderr
    _, rest, _ = scan("--input", str(estate), "-f", "json", "--excluded-checks", one)
    assert check_ids(rest) == found - {one}
    _, critical, _ = scan("--input", str(estate), "-f", "json", "--severity", "critical")
    assert {f["severity"] for f in json.loads(critical)["findings"]} == {"critical"}


def test_an_unknown_check_id_is_a_usage_error(estate: Path) -> None:
    code, stdout, stderr = scan("--input", str(estate), "--checks", "SGC-NO-SUCH-CHECK")
    assert code == 2
    assert stdout == ""
    assert "'SGC-NO-SUCH-CHECK' is not a check of policy" in stderr
    assert "hint: list the checks with `sgc checks list`" in stderr


def test_output_given_a_format_name_is_refused_with_the_option_to_use(
    estate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = scan("--input", str(estate), "--output", "json")
    assert code == 2
    assert "--output: 'json' is a report format, not a file" in stderr
    assert "hint: use --format json" in stderr
    assert not (tmp_path / "json").exists()


def test_a_filtered_policy_file_scan_still_reads_like_before_when_piped(
    estate: Path, tmp_path: Path
) -> None:
    policy = write(tmp_path / "policy.json", ssh_policy())
    code, stdout, _ = scan("--input", str(estate), "--policy", str(policy), "--attached-only")
    assert code == 1
    # piped: the whole table report, findings included
    assert "SSH-WORLD" in stdout


def test_on_a_terminal_the_report_is_its_summary_last_and_verbose_adds_every_finding(
    estate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = write(tmp_path / "policy.json", ssh_policy())
    monkeypatch.setattr(console, "stdout_is_terminal", lambda: True)
    args = ("--input", str(estate), "--policy", str(policy), "--no-color")
    result = runner.invoke(app, ["scan", *args], env={"COLUMNS": "100"})
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) <= 8, result.stdout
    assert "SSH-WORLD" not in result.stdout
    assert any(line.startswith("Violations: 1") for line in lines)
    assert "--verbose" in lines[-1]
    verbose = runner.invoke(app, ["scan", *args, "--verbose"], env={"COLUMNS": "100"})
    assert "SSH-WORLD" in verbose.stdout
    # the summary again after the findings, where it stays on the screen
    tail = verbose.stdout.strip().splitlines()
    last_finding = max(i for i, line in enumerate(tail) if "SSH-WORLD" in line)
    assert any(line.startswith("Violations: 1") for line in tail[last_finding:])


def test_region_defaults_follow_the_aws_cli() -> None:
    target = AwsTarget()
    assert target.target("scan", {"AWS_REGION": "eu-west-3"}).regions == ("eu-west-3",)
    assert target.target("scan", {"AWS_DEFAULT_REGION": "us-east-2"}).regions == ("us-east-2",)
    assert target.target("scan", {}).regions == ()
    assert AwsTarget(all_regions=True).target("scan", {"AWS_REGION": "eu-west-3"}).regions == ()
    given = AwsTarget(region=["eu-west-1"], regions=["us-east-1"])
    assert given.target("scan", {"AWS_REGION": "eu-west-3"}).regions == ("eu-west-1", "us-east-1")
    with pytest.raises(ConfigError, match="--all-regions"):
        AwsTarget(region=["eu-west-1"], all_regions=True).target("scan", {})
    with pytest.raises(ConfigError, match="--organization"):
        AwsTarget(ous=["ou-ab12-cd34ef56"]).target("scan", {})
    scoped = AwsTarget(organization=True, ous=["ou-ab12-cd34ef56"], account_tags=["env=prod"])
    target_ = scoped.target("scan", {})
    assert (target_.ous, target_.account_tags) == (("ou-ab12-cd34ef56",), (("env", "prod"),))


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--ou", "engineering", "is not an organizational unit id"),
        ("--account-tag", "env", "is not KEY=VALUE"),
        ("--region", "Ireland", "is not an AWS region name"),
    ],
)
def test_bad_scope_values_are_usage_errors(option: str, value: str, message: str) -> None:
    result = runner.invoke(app, ["scan", "--organization", option, value])
    assert result.exit_code == 2
    assert message in result.stderr
    assert aws_options.default_regions({"AWS_REGION": " "}) == ()
