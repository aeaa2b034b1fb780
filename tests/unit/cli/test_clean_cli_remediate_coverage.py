"""A live `sgc remediate` that could not read every account-region (with a fake runtime): its
report, like `sgc scan`'s, says which account-regions were not read and why, in the dry run's
plan and in the report of an applied run, and the exit code is 3."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sgcompliance.adapters.aws.estate import BackupTarget
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.entrypoints.cli import remediate as remediate_cli
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.errors import AwsUnavailableError
from sgcompliance.remediation.ports import BackupStore
from support.fake_runtime import ReadsAlike

runner = CliRunner()
ACCOUNT = "111111111111"
READ = Scope(ACCOUNT, "eu-west-1")
HTML_PAGE = Scope(ACCOUNT, "xx-west-9")
UNAVAILABLE = (
    f"DescribeSecurityGroups in {ACCOUNT}/xx-west-9: the endpoint's answer is not an AWS "
    "response (an HTML page)"
)


@dataclass
class FakeRuntime(ReadsAlike):
    """What `sgc remediate` uses of a runtime when there is nothing to change."""

    scopes: list[Scope] = field(default_factory=lambda: [READ, HTML_PAGE])
    caller_account: str = ACCOUNT
    accounts: tuple[str, ...] = (ACCOUNT,)
    requested_regions: tuple[str, ...] = ("eu-west-1", "xx-west-9")

    def read(self, scope: Scope) -> RegionSnapshot:
        if scope == HTML_PAGE:
            raise AwsUnavailableError(UNAVAILABLE)
        return RegionSnapshot(scope.account_id, scope.region, ())

    def backups(self, target: BackupTarget, *, required: bool = True) -> BackupStore:
        del required  # the test always gives --backup-dir
        assert target.directory is not None
        return LocalBackupStore(target.directory)


@pytest.fixture(autouse=True)
def fake_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remediate_cli, "build_runtime", lambda target: FakeRuntime())


def remediate(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "report.json"
    result = runner.invoke(
        app,
        ["remediate", "--mode", "remove_non_compliant_rules", "--yes", "--quiet",
         "--backup-dir", str(tmp_path / "backups"), "-f", "json", "-o", str(report), *args],
    )  # fmt: skip
    assert "Traceback" not in result.output
    document: dict[str, Any] = json.loads(report.read_text("utf-8"))
    return result.exit_code, document


@pytest.mark.parametrize("dry_run", [False, True], ids=["applied", "dry-run"])
def test_the_json_report_of_a_remediation_names_the_account_region_not_read(
    tmp_path: Path, dry_run: bool
) -> None:
    code, document = remediate(tmp_path, *(["--dry-run"] if dry_run else []))
    assert code == 3
    coverage = document["coverage"]
    assert coverage["complete"] is False
    assert coverage["summary"] == "1 of 2 account-regions could not be read"
    assert coverage["requested"] == [
        {"account_id": ACCOUNT, "region": "eu-west-1"},
        {"account_id": ACCOUNT, "region": "xx-west-9"},
    ]
    assert coverage["scanned"] == [{"account_id": ACCOUNT, "region": "eu-west-1"}]
    assert coverage["failed"] == [
        {"account_id": ACCOUNT, "region": "xx-west-9", "error_code": "SGC504",
         "reason": UNAVAILABLE},
    ]  # fmt: skip
