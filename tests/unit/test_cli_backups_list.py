"""`sgc backups list --backup-dir DIR`: a local folder read without any AWS call, every backup id
whole at any width when piped, and the same rows as JSON with `--format json`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule
from sgcompliance.entrypoints.cli import live
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.remediation.backup import BackupRecord, backup_id_for
from sgcompliance.remediation.plan import Action, Mode, RemediationPlan

runner = CliRunner()


def stored_backup(directory: Path, group_id: str = "sg-0123456789abcdef0") -> str:
    rule = Rule(
        "sgr-1", group_id, Direction.INGRESS, "tcp", 22, 22, Peer(PeerKind.IPV4, "0.0.0.0/0")
    )
    plan = RemediationPlan(
        "plan-0123456789abcdef", Mode.REMOVE, Action.REVOKE, "111111111111", "eu-west-1",
        group_id, "web-tier-with-a-long-name", (rule,), (), revoke_ingress=("sgr-1",),
    )  # fmt: skip
    created = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
    record = BackupRecord(backup_id_for(plan, created), created.isoformat(), plan, "p", "d", "r-1")
    LocalBackupStore(directory).put(record)
    return record.backup_id


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any AWS runtime built by the command fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("sgc backups list --backup-dir reached for AWS")

    monkeypatch.setattr(live, "build_runtime", refuse)


@pytest.mark.parametrize("columns", ["40", "80", "120"])
def test_piped_the_backup_id_is_whole_at_any_width(tmp_path: Path, columns: str) -> None:
    backup_id = stored_backup(tmp_path)
    result = runner.invoke(
        app, ["backups", "list", "--backup-dir", str(tmp_path)], env={"COLUMNS": columns}
    )
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "111111111111" in line)
    assert backup_id in row
    assert "web-tier-with-a-long-name" in row


def test_json_lists_each_backup_with_what_rollback_needs(tmp_path: Path) -> None:
    backup_id = stored_backup(tmp_path)
    result = runner.invoke(
        app, ["backups", "list", "--backup-dir", str(tmp_path), "--format", "json", "--no-color"]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["backup_id"] == backup_id
    assert (row["account_id"], row["region"], row["group_id"]) == (
        "111111111111",
        "eu-west-1",
        "sg-0123456789abcdef0",
    )
    assert (row["mode"], row["revoke_count"], row["run_id"]) == (Mode.REMOVE.value, 1, "r-1")
    # no receipt was written: rollback refuses it without --force-unverified
    assert row["receipt"] is None


def test_without_any_store_the_error_names_the_options(tmp_path: Path) -> None:
    result = runner.invoke(app, ["backups", "list"])
    assert result.exit_code == 2
    assert "--backup-dir" in result.stderr
