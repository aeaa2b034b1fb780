"""A malformed endpoint URL, given to any command that takes --endpoint-url or through
AWS_ENDPOINT_URL, is one line naming the URL and a hint, exit code 2, and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app

runner = CliRunner()
BAD = "http://[::1"


# Every command that takes --endpoint-url, with what it needs besides ({tmp}: a directory).
COMMANDS = {
    "scan": ["scan"],
    "snapshot": ["snapshot", "--output", "{tmp}/snapshot.json"],
    "remediate": ["remediate", "--mode", "flag_only", "--yes", "--backup-dir", "{tmp}"],
    "rollback": [
        "rollback",
        "--group",
        "sg-0123456789abcdef0",
        "--latest",
        "--backup-dir",
        "{tmp}",
    ],
    "backups list": ["backups", "list", "--backup-bucket", "sgc-backups"],
    "export securityhub": ["export", "securityhub"],
    "local seed": ["local", "seed"],
    "local seed --reset": ["local", "seed", "--reset"],
    "local demo": ["local", "demo", "--work-dir", "{tmp}/demo"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_a_malformed_endpoint_in_one_line(
    tmp_path: Path, command: str
) -> None:
    args = [arg.format(tmp=tmp_path) for arg in COMMANDS[command]]
    result = runner.invoke(app, [*args, "--endpoint-url", BAD])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"error: endpoint URL {BAD!r} is not usable: Invalid IPv6 URL\n" in result.stderr
    hint = "hint: give --endpoint-url (or AWS_ENDPOINT_URL) as http(s)://host[:port]"
    assert hint in result.stderr


def test_a_malformed_endpoint_from_the_environment_is_refused_the_same_way() -> None:
    result = runner.invoke(app, ["scan"], env={"AWS_ENDPOINT_URL": "http://127.0.0.1:port"})
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (
        "error: endpoint URL 'http://127.0.0.1:port' is not usable: "
        "the port must be a number from 1 to 65535"
    ) in result.stderr


def test_the_demo_refuses_a_malformed_endpoint_before_making_its_run_directory(
    tmp_path: Path,
) -> None:
    result = runner.invoke(
        app, ["local", "demo", "--work-dir", str(tmp_path / "demo"), "--endpoint-url", BAD]
    )
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "demo").exists()
