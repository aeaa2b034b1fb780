"""No credential reaches any output: the demo (scan, remediate, rollback, and the event
pipeline that runs the Lambda handler in-process) runs with a known secret key and session
token in the environment, and neither they nor any credential STS issued on the way appear in
what it printed, logged, wrote to disk, or stored in the local AWS (alerts, audit records,
backups, queue messages, parameters).

The demo runs as `sgc local demo --endpoint-url` on a server started here, as a user would
start one: the same run shows that such a server is used and left running."""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app
from sgcompliance.local.server.moto_server import LocalServer, answers, start
from support.credential_patterns import leaks

# The checks share one demo run with the sentinels (`sentinel_demo`): one worker runs it, once.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sentinel-demo")]

# Shaped like real credentials, made up for this test: found anywhere, they leaked.
SENTINEL_KEY_ID = "AKIA" + "SGCSENTINEL0KEY1"
SENTINEL_SECRET = "sgcSENTINEL" + "secret0/Key+9aZbYcXdWeVfUgThSiRj"
SENTINEL_TOKEN = "IQoJb3JpZ2luX2Vj" + "sgcSENTINELsessionToken0123456789/+AbCdEfGhIjKlMnOp"
SECRETS = (SENTINEL_SECRET, SENTINEL_TOKEN)


@pytest.fixture(scope="module")
def sentinel_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A local AWS, and an environment whose credentials are the sentinels."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", SENTINEL_KEY_ID)
        env.setenv("AWS_SECRET_ACCESS_KEY", SENTINEL_SECRET)
        env.setenv("AWS_SESSION_TOKEN", SENTINEL_TOKEN)
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("AWS_CONFIG_FILE", os.devnull)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for name in ("AWS_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_SECURITY_TOKEN"):
            env.delenv(name, raising=False)
        no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
        env.setenv("NO_PROXY", no_proxy)
        server = start(tmp_path_factory.mktemp("sentinel-moto") / "moto.log", timeout=60.0)
        try:
            yield server
        finally:
            server.stop()


@dataclass(frozen=True)
class SentinelDemo:
    exit_code: int
    outputs: dict[str, str]  # every output of the run, by where it was found


@pytest.fixture(scope="module")
def sentinel_demo(
    sentinel_server: LocalServer, tmp_path_factory: pytest.TempPathFactory
) -> SentinelDemo:
    """One `sgc local demo --endpoint-url` on the server started above, as a user would run it
    on a server of their own, and everything it printed, logged, wrote and stored."""
    work_dir = tmp_path_factory.mktemp("sentinel-demo")
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    library = logging.getLogger("sgcompliance")
    library.addHandler(handler)
    previous = library.level
    library.setLevel(logging.DEBUG)
    try:
        result = CliRunner().invoke(
            app,
            [
                "local",
                "demo",
                "--endpoint-url",
                sentinel_server.endpoint,
                "--work-dir",
                str(work_dir),
            ],
        )
    finally:
        library.removeHandler(handler)
        library.setLevel(previous)
    outputs = {"printed": result.output}
    outputs["logged"] = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in records)
    outputs |= {str(p): p.read_text("utf-8", "replace") for p in work_dir.rglob("*") if p.is_file()}
    with urllib.request.urlopen(f"{sentinel_server.endpoint}/moto-api/data.json") as state:
        outputs["local AWS state"] = state.read().decode("utf-8", "replace")
    return SentinelDemo(result.exit_code, outputs)


@pytest.fixture(scope="module")
def demo_outputs(sentinel_demo: SentinelDemo) -> dict[str, str]:
    # Every check passed, or the scan below would look at a run that stopped early.
    assert sentinel_demo.exit_code == 0, sentinel_demo.outputs["printed"]
    return sentinel_demo.outputs


def test_a_server_the_user_started_is_used_and_left_running(
    sentinel_demo: SentinelDemo, sentinel_server: LocalServer
) -> None:
    # GIVEN an empty local AWS the user started  WHEN `sgc local demo --endpoint-url` ran on it
    # THEN every check passed and the server still answers
    assert sentinel_demo.exit_code == 0, sentinel_demo.outputs["printed"]
    assert "All checks passed." in sentinel_demo.outputs["printed"]
    assert answers(sentinel_server.endpoint)


def test_the_demo_ran_with_the_sentinels_and_stored_what_is_scanned(
    demo_outputs: dict[str, str],
) -> None:
    # GIVEN the demo ran with the environment as the only source of credentials
    # THEN every client resolved the sentinels, and the stored state holds an alert, audit
    # records and backups: the scan below looks at real outputs
    credentials = boto3.Session().get_credentials()
    assert credentials is not None
    assert (credentials.secret_key, credentials.token) == SECRETS
    state = demo_outputs["local AWS state"]
    assert "sgcompliance CRITICAL" in state
    assert "audit/" in state
    assert "backups/" in state


def test_the_sentinel_secret_key_and_session_token_appear_in_no_output(
    demo_outputs: dict[str, str], capfd: pytest.CaptureFixture[str]
) -> None:
    captured = capfd.readouterr()
    outputs = demo_outputs | {"stdout": captured.out, "stderr": captured.err}
    found = {where for where, text in outputs.items() for secret in SECRETS if secret in text}
    assert found == set()


def test_no_credential_sts_issued_appears_in_any_output(demo_outputs: dict[str, str]) -> None:
    # The member-role sessions' keys and tokens (moto's STS) must not be printed or stored.
    found = {
        where: leaks(text) for where, text in demo_outputs.items() if where != "local AWS state"
    }
    assert {where: found for where, found in found.items() if found} == {}
