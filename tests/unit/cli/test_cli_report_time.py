"""The reports' time: SOURCE_DATE_EPOCH pins it, else `--today` (its midnight, UTC), so two
scans of one estate write the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app
from support.estate import document, group, rule, snapshot

runner = CliRunner()


def scanned_at(tmp_path: Path, *extra: str) -> str:
    estate = tmp_path / "estate.json"
    estate.write_text(json.dumps([document(snapshot(group(rule("sgr-1", "10.0.0.0/8"))))]))
    result = runner.invoke(app, ["scan", "-i", str(estate), "-f", "json", *extra])
    assert result.exit_code == 0, result.output
    generated: str = json.loads(result.stdout)["summary"]["generated_at"]
    return generated


def test_today_pins_the_time_to_its_midnight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert scanned_at(tmp_path, "--today", "2026-11-27") == "2026-11-27T00:00:00Z"


def test_source_date_epoch_wins_over_today(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert scanned_at(tmp_path, "--today", "2026-11-27") == "2027-01-15T08:00:00Z"
