"""`sgc diff OLD.json NEW.json`: its three formats, its exit codes (0 nothing new, 1 new
violations, 2 not a report), and `sgc scan --previous` marking the HTML report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app
from support.estate import document, group, rule, snapshot

runner = CliRunner()


def estate(tmp_path: Path, name: str, *rules: Any) -> Path:
    path = tmp_path / f"{name}.estate.json"
    path.write_text(json.dumps([document(snapshot(group(*rules, name="web|<b>")))]), "utf-8")
    return path


def report(tmp_path: Path, name: str, *rules: Any) -> Path:
    out = tmp_path / f"{name}.json"
    args = ["scan", "-i", str(estate(tmp_path, name, *rules)), "-p", "builtin:aws-fsbp",
            "-f", "json", "-o", str(out), "--today", "2026-11-27", "-q"]  # fmt: skip
    assert runner.invoke(app, args).exit_code in (0, 1)
    return out


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    # ssh fixed, rdp new, postgres kept under a new rule id
    old = report(tmp_path, "old", rule("sgr-1", "0.0.0.0/0", ports=22),
                 rule("sgr-2", "0.0.0.0/0", ports=5432))  # fmt: skip
    new = report(tmp_path, "new", rule("sgr-3", "0.0.0.0/0", ports=3389),
                 rule("sgr-4", "0.0.0.0/0", ports=5432))  # fmt: skip
    return old, new


def test_json_lists_new_fixed_and_still_open_and_exits_1(pair: tuple[Path, Path]) -> None:
    result = runner.invoke(app, ["diff", str(pair[0]), str(pair[1]), "-f", "json"])
    assert result.exit_code == 1
    loaded = json.loads(result.stdout)
    ports = {kind: {v["rule"]["from_port"] for v in loaded[kind]} for kind in ("new", "fixed")}
    assert ports == {"new": {3389}, "fixed": {22}}
    assert {v["rule"]["from_port"] for v in loaded["still_open"]} == {5432}
    assert loaded["counts"]["new"] == len(loaded["new"])


def test_the_table_ends_with_the_summary_line(pair: tuple[Path, Path]) -> None:
    result = runner.invoke(app, ["diff", str(pair[0]), str(pair[1])])
    assert result.exit_code == 1
    assert "Fixed since the last scan" in result.stdout
    as_json = runner.invoke(app, ["diff", str(pair[0]), str(pair[1]), "-f", "json"]).stdout
    n = json.loads(as_json)["counts"]
    assert all((n["new"], n["fixed"], n["still_open"]))
    assert result.stdout.splitlines()[-1] == (
        f"{n['new']} new since the last scan, {n['fixed']} fixed, {n['still_open']} still open"
    )


def test_markdown_escapes_what_a_file_could_make_markup(pair: tuple[Path, Path]) -> None:
    result = runner.invoke(app, ["diff", str(pair[0]), str(pair[1]), "-f", "markdown"])
    assert result.exit_code == 1
    # The group name `web|<b>` neither ends a table cell nor becomes a tag.
    assert "web\\|&lt;b&gt;" in result.stdout
    assert "<b>" not in result.stdout


def test_nothing_new_exits_0(pair: tuple[Path, Path]) -> None:
    result = runner.invoke(app, ["diff", str(pair[1]), str(pair[1])])
    assert result.exit_code == 0
    assert "0 new since the last scan, 0 fixed" in result.stdout


@pytest.mark.parametrize(
    "content",
    ['{"findings": [{"account_id": 1}]}', "[1", "null", '{"findings": "all"}', "\xff"],
)
def test_a_file_that_is_not_a_report_exits_2(tmp_path: Path, content: str, pair: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content.encode("latin-1"))
    result = runner.invoke(app, ["diff", str(bad), str(pair[1])])
    assert result.exit_code == 2
    assert "bad.json" in result.output
    assert "Traceback" not in result.output


def test_scan_previous_marks_the_html_report(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    out = tmp_path / "report.html"
    new_estate = tmp_path / "new.estate.json"
    args = ["scan", "-i", str(new_estate), "-p", "builtin:aws-fsbp", "-f", "html", "-o",
            str(out), "--previous", str(pair[0]), "-q"]  # fmt: skip
    assert runner.invoke(app, args).exit_code == 1
    page = out.read_text("utf-8")
    assert 'id="history-section"' in page
    assert 'class="since new"' in page


def test_scan_previous_refuses_a_file_that_is_not_a_report(tmp_path: Path, pair: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]", "utf-8")
    args = ["scan", "-i", str(tmp_path / "new.estate.json"), "-f", "html", "--previous", str(bad)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "bad.json: $: expected an object" in result.output
