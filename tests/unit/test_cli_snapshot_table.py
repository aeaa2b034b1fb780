"""`sgc snapshot`'s account-region table counts the groups of the documents it writes (it read
`.groups` of a describe document, which has none, and showed 0 in every row), and has no
Violations column: a snapshot judges nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.engine.fleet import Scope, ScopeResult
from sgcompliance.entrypoints.cli import live
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.entrypoints.cli.fleet_view import groups_in, scope_table
from support.estate import document, group, snapshot

runner = CliRunner()
SCOPES = [Scope("111111111111", "eu-west-1"), Scope("222222222222", "eu-west-1")]


@dataclass
class FakeRuntime:
    scopes: list[Scope] = field(default_factory=lambda: list(SCOPES))
    counter: ApiCallCounter = field(default_factory=ApiCallCounter)

    def read_document(self, scope: Scope) -> dict[str, object]:
        groups = [group(group_id=f"sg-{i}", account=scope.account_id) for i in range(40)]
        return document(snapshot(*groups, account=scope.account_id, region=scope.region))


def test_groups_are_counted_in_documents_and_snapshots_alike() -> None:
    doc = FakeRuntime().read_document(SCOPES[0])
    assert groups_in(doc) == 40
    assert groups_in(snapshot(group(group_id="sg-1"))) == 1
    assert groups_in({"SecurityGroups": "not a list"}) == 0


def test_the_snapshot_table_shows_the_groups_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "build_runtime", lambda target: FakeRuntime())
    out = tmp_path / "estate.json"
    result = runner.invoke(
        app, ["snapshot", "-o", str(out), "--regions", "eu-west-1"], env={"COLUMNS": "120"}
    )
    assert result.exit_code == 0, result.output
    assert sum(len(d["SecurityGroups"]) for d in json.loads(out.read_text())) == 80
    rows = [line for line in result.stderr.splitlines() if "eu-west-1" in line]
    assert len(rows) == 2
    assert all(" 40 " in row for row in rows), result.stderr
    assert "Violations" not in result.stderr


def test_beyond_twenty_account_regions_the_clean_ones_share_one_line() -> None:
    results = [ScopeResult(Scope(f"{n:012d}", "eu-west-1"), snapshot()) for n in range(30)]
    table = scope_table(results, None, every_row=False)
    assert table.row_count == 1
    assert scope_table(results, None, every_row=True).row_count == 30
