"""`sgc rollback` takes BACKUP_ID (optionally with the --group it must be) or --group --latest;
any other mix is a usage error before any AWS call, and the help documents every exit code."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app

runner = CliRunner()
BACKUP_ID = "sg-0aaa0000000000001.20261127T120000000000Z.00000001"


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--latest"],
        ["--group", "sg-0aaa0000000000001"],
        [BACKUP_ID, "--latest"],
        [BACKUP_ID, "--group", "sg-0aaa0000000000001", "--latest"],
        [BACKUP_ID, BACKUP_ID.replace("1.", "2."), "--latest"],
        [BACKUP_ID, "--run", "cli-0123456789abcdef"],
        ["--run", "cli-0123456789abcdef", "--latest", "--group", "sg-0aaa0000000000001"],
    ],
)
def test_an_ambiguous_request_is_a_usage_error(args: list[str]) -> None:
    result = runner.invoke(app, ["rollback", *args, "--backup-dir", "/nonexistent"])
    assert result.exit_code == 2
    assert "give BACKUP_ID" in result.stderr


def test_the_help_names_the_partial_restore_exit_code() -> None:
    result = runner.invoke(app, ["rollback", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "4 partially restored" in " ".join(result.stdout.split())
    assert "--force-unverified" in result.stdout
    assert "the first that applies of 2, 3, 4" in " ".join(result.stdout.split())


@pytest.mark.parametrize("run_id", ["", "x" * 257, "cli-\x00-\n"])
def test_a_run_id_that_cannot_be_one_is_a_usage_error(run_id: str) -> None:
    result = runner.invoke(app, ["rollback", "--run", run_id, "--backup-dir", "/nonexistent"])
    assert result.exit_code == 2
    assert "is not a run id" in result.stderr
