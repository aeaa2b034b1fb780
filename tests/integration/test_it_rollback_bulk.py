"""`sgc remediate` prints its run id and `sgc rollback --run RUN_ID` undoes the whole run, from
a versioned bucket, in the requests the design promises: one listing for the run, then per
backup what a rollback of it alone reads. Against the moto server, in-process."""

from __future__ import annotations

import re
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from sgcompliance.entrypoints.cli.app import app
from sgcompliance.local.seed.organization import DemoOrg
from support.live_estate import BUCKET, estate_of, read_state

pytestmark = pytest.mark.integration

runner = CliRunner()


def sgc(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "400", "NO_COLOR": "1"})


def calls(stats: str) -> dict[str, int]:
    """The `--stats` table's rows: operation -> calls."""
    return {op: int(n) for op, n in re.findall(r"(\w+:\w+)\W+(\d+)", stats)}


def test_one_command_undoes_a_whole_run_from_a_bucket(org: DemoOrg, bucket: Any) -> None:
    # GIVEN a remediation of the organization, backed up in a versioned bucket
    assert bucket is not None
    before = read_state(estate_of(org))
    reach = ["--endpoint-url", org.endpoint, "--external-id", str(org.role.external_id)]
    where = ["--accounts", ",".join(org.account_ids), "--regions", ",".join(org.regions)]
    store = ["--backup-bucket", BUCKET]
    done = sgc("remediate", "--mode", "remove_non_compliant_rules", "--yes", *store, *reach, *where)
    assert done.exit_code == 0, done.output
    # THEN it ends with its run id and the command that undoes all of it
    run_id = re.search(r"Run id: (\S+)", done.stdout)
    assert run_id is not None
    assert f"sgc rollback --run {run_id[1]} --backup-bucket {BUCKET}" in done.stdout
    assert read_state(estate_of(org)) != before
    # AND the backup list shows the run's backups with their run
    listed = sgc("backups", "list", "--run", run_id[1], *store, "--endpoint-url", org.endpoint)
    assert listed.exit_code == 0, listed.output
    # WHEN that command runs, with --stats
    undo = sgc("rollback", "--run", run_id[1], *store, *reach, "--stats")
    # THEN every backup of the run is restored and verified, one line each, and the estate's
    # rules and tags are as they were (new rule ids aside)
    assert undo.exit_code == 0, undo.output
    restored = re.findall(r"^restored\s+(\S+)", undo.stdout, re.MULTILINE)
    assert restored
    assert len({b.rsplit("r", 1)[1] for b in restored}) == 1  # one run tag
    assert listed.stdout.count(run_id[1]) == len(restored)
    estate = estate_of(org)
    after = read_state(estate)
    assert {k: g.lines for k, g in after.items()} == {k: g.lines for k, g in before.items()}
    # (flagged groups keep their flags: flagging backs up and revokes nothing)
    groups = {b.split(".", 1)[0] for b in restored}
    undone = [k for k, group_id in estate.group_ids.items() if group_id in groups]
    assert len(undone) == len(restored)
    assert {k: after[k].tags for k in undone} == {k: before[k].tags for k in undone}
    # AND the store was listed once for the run; each backup cost what a rollback of it alone
    # does (its receipt's versions, the receipt, the pinned backup, the audit record); each
    # member account's role was assumed once
    n, made = len(restored), calls(undo.stderr)
    assert made["s3:ListObjectsV2"] == 1
    assert (made["s3:ListObjectVersions"], made["s3:GetObject"], made["s3:PutObject"]) == (
        n,
        2 * n,
        n,
    )
    assert made.get("sts:AssumeRole", 0) <= len(org.account_ids)


def test_a_run_with_no_backup_in_the_store_is_refused(endpoint: str, tmp_path: Any) -> None:
    store = ["--backup-dir", str(tmp_path)]
    result = sgc("rollback", "--run", "cli-0123456789abcdef", *store, "--endpoint-url", endpoint)
    assert result.exit_code == 2
    assert "no backup of run 'cli-0123456789abcdef'" in result.stderr
    assert "sgc backups list" in result.stderr
