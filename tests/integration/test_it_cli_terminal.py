"""A person's terminal, for real: `sgc scan --organization` in a pseudo-terminal of 100x40
(tmux) against the local AWS and the demo organization. What stays on the screen when it ends
is the account-region lines and the summary, not the first of a thousand findings."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sgcompliance.local.seed.organization import DemoOrg

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

WIDTH, HEIGHT = 100, 40
DONE = "SGC-EXIT-CODE="
PASSED_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
              "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED",
              "NO_PROXY", "PATH", "HOME")  # fmt: skip


@pytest.fixture
def tmux() -> Iterator[list[str]]:
    """A tmux server of this test's own (its own socket), killed at the end."""
    command = ["tmux", "-L", f"sgc-{uuid.uuid4().hex[:12]}", "-f", os.devnull]
    yield command
    subprocess.run([*command, "kill-server"], capture_output=True, check=False)


def screen(tmux: list[str]) -> str:
    shown = subprocess.run(
        [*tmux, "capture-pane", "-p", "-t", "sgc"], capture_output=True, text=True, check=True
    )
    return shown.stdout


def test_an_organization_scan_ends_with_its_summary_on_the_screen(
    demo_org: DemoOrg, tmux: list[str]
) -> None:
    sgc = Path(sys.executable).parent / "sgc"
    args = [
        str(sgc), "scan", "--organization", "--endpoint-url", demo_org.endpoint,
        "--regions", ",".join(demo_org.regions), "--external-id", str(demo_org.role.external_id),
    ]  # fmt: skip
    env = [f"{k}={os.environ[k]}" for k in PASSED_ENV if k in os.environ]
    line = shlex.join(["env", "-u", "CI", "-u", "COLUMNS", "-u", "LINES", *env, *args])
    # The shell stays after sgc ends, so that its last screen can be read.
    shell = f"{line}; echo {DONE}$?; sleep 120"
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "sgc", "-x", str(WIDTH), "-y", str(HEIGHT), shell],
        check=True,
    )
    deadline = time.monotonic() + 90
    shown = screen(tmux)
    while DONE not in shown and time.monotonic() < deadline:
        time.sleep(0.5)
        shown = screen(tmux)
    assert DONE in shown, shown
    lines = [row.rstrip() for row in shown.splitlines() if row.strip()]
    # exit code 1: the demo organization has violations
    assert lines[-1] == f"{DONE}1", shown
    summary = [row for row in lines if row.startswith("Violations: ")]
    assert summary, shown
    assert any(row.startswith("Scanned ") for row in lines), shown
    assert "--verbose" in lines[-2], shown
    # one line per account-region, all of them on the same screen as the summary
    for account_id in demo_org.account_ids:
        assert sum(account_id in row for row in lines) == len(demo_org.regions), shown
