"""`sgc local` commands, and the local AWS on a machine with no AWS configuration at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.local import local_app
from sgcompliance.local.server.state import StateFile, down

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture
def state_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / ".sgc" / "local.json"
    yield path
    down(StateFile(path))


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(local_app, list(args))
    return result.exit_code, result.output


def test_up_prints_the_endpoint_and_the_export_line(state_path: Path) -> None:
    code, output = invoke("up", "--state", str(state_path))
    endpoint = json.loads(state_path.read_text())["endpoint"]
    assert code == 0
    assert f"export AWS_ENDPOINT_URL={endpoint}" in output.splitlines()


def test_status_is_non_zero_when_nothing_runs(state_path: Path) -> None:
    code, output = invoke("status", "--state", str(state_path))
    assert code == 1
    assert "not running" in output


def test_seed_then_down_through_the_commands(state_path: Path) -> None:
    # GIVEN a running local AWS
    invoke("up", "--state", str(state_path))
    # WHEN seeding with JSON output
    code, output = invoke("seed", "--state", str(state_path), "--json")
    # THEN the demo description lists 3 accounts x 2 regions, and down stops the server
    assert code == 0
    seeded = json.loads(output)
    assert len(seeded["scopes"]) == 6
    assert invoke("down", "--state", str(state_path))[0] == 0
    assert invoke("status", "--state", str(state_path))[0] == 1


def test_seed_without_a_server_explains_how_to_start_one(
    state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    code, output = invoke("seed", "--state", str(state_path))
    assert code == 2
    assert "sgc local up" in output


READ_SCRIPT = """
import sys
from sgcompliance.adapters.aws.ec2 import read_region
from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
factory = ClientFactory(AwsSettings.from_options(endpoint_url=sys.argv[1]))
doc = read_region(factory.ec2("eu-west-1"), "123456789012", "eu-west-1")
print(len(doc["SecurityGroups"]))
"""


def test_the_local_aws_works_with_no_credentials_configured(endpoint: str, tmp_path: Path) -> None:
    # GIVEN a process with no AWS variables, no AWS files and an empty home directory
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(tmp_path), AWS_CONFIG_FILE=os.devnull)
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    # WHEN it reads a region of the local AWS
    done = subprocess.run(
        [sys.executable, "-c", READ_SCRIPT, endpoint],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN it succeeds (the default group is there)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
