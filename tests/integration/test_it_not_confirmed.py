"""`sgc remediate` without --yes and with standard input closed (CI, `< /dev/null`), run as the
`sgc` console script against the demo organization in the moto server: exit 5, one line, and
nothing changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sgcompliance.local.seed.organization import DemoOrg
from support.live_estate import estate_of, read_state

pytestmark = pytest.mark.integration

SGC = Path(sys.executable).with_name("sgc")
NOT_CONFIRMED = (
    "sgc remediate: not confirmed: nothing was changed (pass --yes to apply without a prompt)"
)


def target(org: DemoOrg) -> list[str]:
    return [
        "--endpoint-url", org.endpoint,
        "--accounts", ",".join(org.account_ids),
        "--regions", ",".join(org.regions),
        "--external-id", str(org.role.external_id),
    ]  # fmt: skip


def remediate_without_stdin(org: DemoOrg, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(SGC), "remediate", "--mode", "remove_non_compliant_rules", *args, *target(org)]
    return subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.mark.parametrize("report", [[], ["-f", "json"]], ids=["table", "json"])
def test_remediate_with_stdin_closed_exits_5_and_changes_nothing(
    org: DemoOrg, tmp_path: Path, report: list[str]
) -> None:
    # GIVEN the demo organization, which has violations to remove
    before = read_state(estate_of(org))
    backups = tmp_path / "backups"
    # WHEN `sgc remediate` without --yes runs with standard input closed
    done = remediate_without_stdin(org, "--backup-dir", str(backups), *report)
    # THEN exit 5 with one line saying nothing was changed, no "Aborted", no traceback
    assert done.returncode == 5, done.stderr
    assert NOT_CONFIRMED in done.stderr.splitlines()
    assert "Aborted" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    # AND no rule changed and no backup was written
    assert read_state(estate_of(org)) == before
    assert not backups.exists() or not any(p.is_file() for p in backups.rglob("*"))
    if report:  # the JSON report owns stdout: the plan and the question went to stderr
        assert done.stdout == ""
