"""Where reports and progress go: --format/--output (atomic), --quiet, --no-color/NO_COLOR, CI,
and the per-account-region progress and table."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_estates import small_estate, write
from rich.console import Console
from typer.testing import CliRunner

from sgcompliance.engine.fleet import Scope, ScopeResult
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.entrypoints.cli.console import Terminal, presentation_for
from sgcompliance.entrypoints.cli.fleet_view import ScopeProgress, scope_table, show_scopes
from sgcompliance.entrypoints.cli.report_output import (
    write_atomically,
    write_pieces_atomically,
)
from sgcompliance.errors import SgcError
from sgcompliance.report.formats import format_names

runner = CliRunner()
OK = ScopeResult(Scope("111111111111", "eu-west-1"), object(), seconds=1.25)
FAILED = ScopeResult(Scope("222222222222", "us-east-1"), None, "AccessDenied: assume role")


class TerminalStream(io.StringIO):
    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


def terminal_console() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=100)


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    return write(tmp_path / "estate.json", small_estate())


@pytest.mark.parametrize("command", ["scan", "remediate"])
def test_help_offers_every_registered_format_and_an_output_file(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    assert ", ".join(format_names()) in " ".join(result.stdout.split())
    assert "--output" in result.stdout


@pytest.mark.parametrize("report_format", format_names())
def test_a_report_written_to_a_file_equals_the_one_on_stdout(
    report_format: str, estate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the same scan sent to stdout and to a file, the time some formats carry and the
    # width a piped table takes (COLUMNS, which pytest-xdist workers set to 80) pinned
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795737600")
    monkeypatch.setenv("COLUMNS", "120")
    target = tmp_path / f"report.{report_format}"
    args = ["scan", "-i", str(estate), "-f", report_format, "--today", "2026-11-27"]
    on_stdout = runner.invoke(app, args)
    to_file = runner.invoke(app, [*args, "-o", str(target)])
    # THEN the exit code is the same, the bytes are the same and stdout stays empty
    assert (on_stdout.exit_code, to_file.exit_code) == (1, 1)
    assert target.read_text("utf-8") == on_stdout.stdout
    assert to_file.stdout == ""
    # AND the terminal gets one summary line
    [line] = to_file.stderr.splitlines()
    assert re.fullmatch(rf"wrote {report_format} report to \S+: \d+ violations, 0 exempted", line)


def test_writing_a_report_leaves_no_temporary_file_behind(estate: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    runner.invoke(app, ["scan", "-i", str(estate), "-f", "json", "-o", str(out / "r.json")])
    assert [p.name for p in out.iterdir()] == ["r.json"]


def test_a_failed_write_keeps_the_old_report_and_removes_the_temporary_file(
    tmp_path: Path,
) -> None:
    # GIVEN a path that cannot be replaced by a file (a non-empty directory)
    target = tmp_path / "report.json"
    target.mkdir()
    (target / "keep").write_text("old")
    # WHEN a report is written there THEN a clear error, the old content, no leftover
    with pytest.raises(SgcError, match="cannot write the report"):
        write_atomically(target, "{}\n")
    assert (target / "keep").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_report_that_fails_while_written_leaves_the_old_one_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    # GIVEN an old report, and a new one whose making fails after its first piece
    target = tmp_path / "report.json"
    target.write_text("old")

    def pieces() -> Iterator[bytes]:
        yield b"{"
        raise RuntimeError("a bug while making the report")

    # WHEN it is written THEN the failure, the old report, no leftover
    with pytest.raises(RuntimeError, match="a bug"):
        write_pieces_atomically(target, pieces())
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_quiet_with_an_output_file_prints_nothing(estate: Path, tmp_path: Path) -> None:
    args = ["scan", "-i", str(estate), "-q", "-f", "json", "-o", str(tmp_path / "r.json")]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.output == ""
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["violations"] > 0


def test_an_unknown_format_exits_2_and_names_the_known_ones(estate: Path) -> None:
    result = runner.invoke(app, ["scan", "-i", str(estate), "-f", "xml"])
    assert result.exit_code == 2
    assert "xml" in result.stderr


def test_no_color_turns_colour_off_even_on_a_terminal() -> None:
    terminal = Terminal.from_options(no_color=True)
    assert not presentation_for(TerminalStream(), terminal).color


def test_the_no_color_environment_variable_turns_colour_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert not Terminal.from_options().color


def test_progress_shows_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert Terminal().shows_progress(terminal_console())


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_progress_is_suppressed_in_ci(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    assert not Terminal().shows_progress(terminal_console())


def test_progress_is_suppressed_by_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert not Terminal(quiet=True).shows_progress(terminal_console())


def test_progress_is_suppressed_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert not Terminal().shows_progress(Console(file=io.StringIO()))


def test_the_progress_bar_counts_account_regions_and_failures() -> None:
    # GIVEN a bar over two account-regions
    console = terminal_console()
    # WHEN one is read and one fails
    with ScopeProgress(console, [OK.scope, FAILED.scope]) as progress:
        progress.done(OK)
        progress.done(FAILED)
    # THEN its last frame shows both counted and the failure
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "2/2" in shown
    assert "1 failed" in shown


def test_the_account_region_table_has_no_timings_unless_asked() -> None:
    plain = Console(file=io.StringIO(), width=200)
    plain.print(scope_table([OK], None))
    timed = Console(file=io.StringIO(), width=200)
    timed.print(scope_table([OK], None, timed=True))
    assert "Seconds" not in plain.file.getvalue()  # type: ignore[attr-defined]
    assert "1.25" in timed.file.getvalue()  # type: ignore[attr-defined]


def test_quiet_shows_only_the_account_regions_that_failed_and_how_many(
    capsys: pytest.CaptureFixture[str],
) -> None:
    show_scopes(Terminal(quiet=True), [OK, FAILED], None, timed=False)
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "error: 222222222222/us-east-1: AccessDenied: assume role",
        "error: 1 of 2 account-regions could not be read",
    ]


def test_quiet_says_nothing_when_every_account_region_was_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    show_scopes(Terminal(quiet=True), [OK], None, timed=False)
    assert capsys.readouterr().err == ""


def test_source_date_epoch_pins_the_time_formats_carry(
    estate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the reproducible-builds time pin (2026-11-27T00:00:00Z)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795737600")
    args = ["scan", "-i", str(estate), "-f", "asff", "--today", "2026-11-27"]
    # WHEN an ASFF report, which must carry a time, is made twice
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    # THEN both are byte for byte the same and carry the pinned time
    assert first.stdout == second.stdout
    assert '"CreatedAt": "2026-11-27T00:00:00.000Z"' in first.stdout


def test_without_a_pin_formats_carry_the_time_the_command_ran(
    estate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    result = runner.invoke(app, ["scan", "-i", str(estate), "-f", "asff"])
    assert '"CreatedAt": "1970-01-01' not in result.stdout
    assert '"CreatedAt": "20' in result.stdout
