"""`sgc remediate --dry-run` on a person's terminal (with a fake runtime): the plan first, the
summary last, no findings table; the filters narrow what is planned."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.adapters.aws.estate import BackupTarget
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.entrypoints.cli import console
from sgcompliance.entrypoints.cli import remediate as remediate_cli
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.remediation.ports import BackupStore
from support.estate import group, rule, snapshot
from support.fake_runtime import ReadsAlike

runner = CliRunner()
ACCOUNT = "111111111111"
SCOPE = Scope(ACCOUNT, "eu-west-1")


@dataclass
class FakeRuntime(ReadsAlike):
    scopes: list[Scope] = field(default_factory=lambda: [SCOPE])
    caller_account: str = ACCOUNT
    accounts: tuple[str, ...] = (ACCOUNT,)
    requested_regions: tuple[str, ...] = ("eu-west-1",)

    def read(self, scope: Scope) -> RegionSnapshot:
        ssh = rule("sgr-0000000000000aaa1", "0.0.0.0/0", ports=22, description="ssh")
        rdp = rule("sgr-0000000000000aaa2", "0.0.0.0/0", ports=3389, description="rdp")
        web = group(ssh, rdp, group_id="sg-0a1b2c3d4e5f60718", name="web", account=ACCOUNT,
                    region=scope.region, description="web", vpc_id="vpc-1")  # fmt: skip
        return snapshot(web, account=ACCOUNT, region=scope.region)

    def backups(self, target: BackupTarget, *, required: bool = True) -> BackupStore:
        del required
        assert target.directory is not None
        return LocalBackupStore(target.directory)


@pytest.fixture(autouse=True)
def fake_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remediate_cli, "build_runtime", lambda target: FakeRuntime())
    monkeypatch.setattr(console, "stdout_is_terminal", lambda: True)


def dry_run(tmp_path: Path, *args: str) -> str:
    result = runner.invoke(
        app,
        ["remediate", "--mode", "remove_non_compliant_rules", "--dry-run", "--no-color",
         "--backup-dir", str(tmp_path / "backups"), *args],
        env={"COLUMNS": "120"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_dry_run_shows_the_plan_first_and_the_summary_last(tmp_path: Path) -> None:
    out = dry_run(tmp_path)
    lines = [line for line in out.splitlines() if line.strip()]
    plan = next(i for i, line in enumerate(lines) if line.startswith("Remediation plan"))
    summary = next(i for i, line in enumerate(lines) if line.startswith("Violations: "))
    assert plan < summary
    assert "Violations (" not in out  # the findings table is for --verbose and report files
    assert lines[-1] == "Dry run: nothing was changed."
    assert any(line.startswith("Plan: 1 group(s) to change") for line in lines[summary:])


def test_the_filters_narrow_what_is_planned(tmp_path: Path) -> None:
    everything = dry_run(tmp_path)
    assert "sgr-0000000000000aaa1" in everything
    assert "sgr-0000000000000aaa2" in everything
    # EC2.13: SSH from the world (EC2.14 is RDP's)
    ssh_only = dry_run(tmp_path, "--checks", "EC2.13")
    assert "Filters: checks EC2.13" not in ssh_only  # said on stderr, not in the report
    assert "sgr-0000000000000aaa1" in ssh_only
    assert "sgr-0000000000000aaa2" not in ssh_only
