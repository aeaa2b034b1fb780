"""Usage errors of every command: exactly one line `sgc COMMAND: what is wrong` and one line
`hint: what to do` on stderr, exit code 2, no box, no traceback, nothing on stdout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli import app as cli
from sgcompliance.entrypoints.cli.app import app, run_sgc

runner = CliRunner()
BOX = set("╭╮╰╯│─")
ROOT = typer.main.get_command(app)
FORMATS = "table, json, jsonl, csv, sarif, asff, ocsf, html"
MODES = "flag_only, remove_non_compliant_rules, emergency_remediation"


def command_paths(command: object = ROOT, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and group under the root, as the words that name it (the root is ())."""
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from command_paths(sub, (*path, name))


def usage_error(*args: str) -> list[str]:
    """Run `sgc ARGS`, check the shape every usage error has, and return its two lines."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert not BOX & set(result.stderr), result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[1].startswith("hint: ")
    return lines


def test_the_walk_finds_every_command() -> None:
    paths = {" ".join(p) for p in command_paths()}
    assert {"", "scan", "remediate", "rollback", "local up", "checks show", "policy validate"} <= (
        paths
    )


@pytest.mark.parametrize("path", list(command_paths()), ids=lambda p: " ".join(("sgc", *p)))
def test_an_unknown_option_is_one_line_and_a_hint_for_every_command(path: tuple[str, ...]) -> None:
    # WHEN any command (or group) is given an option it does not have
    lines = usage_error(*path, "--xyzzy")
    # THEN the first line names the command and the option, the second says where to look
    command = " ".join(("sgc", *path))
    assert lines == [
        f"{command}: no such option: --xyzzy",
        f"hint: run '{command} --help' for the {'commands' if _is_group(path) else 'options'}",
    ]


def _is_group(path: tuple[str, ...]) -> bool:
    command: object = ROOT
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return hasattr(command, "commands")


def test_an_unknown_format_lists_the_formats() -> None:
    assert usage_error("scan", "--format", "pdf") == [
        "sgc scan: --format: 'pdf' is not one of the choices",
        f"hint: use one of: {FORMATS}",
    ]


def test_an_unknown_mode_lists_the_modes() -> None:
    assert usage_error("remediate", "--mode", "nuke") == [
        "sgc remediate: --mode: 'nuke' is not one of the choices",
        f"hint: use one of: {MODES}",
    ]


def test_a_missing_mode_lists_the_modes() -> None:
    assert usage_error("remediate") == [
        "sgc remediate: missing option --mode",
        f"hint: give --mode one of: {MODES}",
    ]


def test_a_day_that_does_not_exist_is_a_usage_error() -> None:
    what, hint = usage_error("scan", "--today", "2026-02-30")
    assert what == "sgc scan: --today: '2026-02-30' is not a date as YYYY-MM-DD"
    assert hint.startswith("hint: write a day that exists as YYYY-MM-DD, e.g. --today 20")


def test_a_missing_argument_names_it() -> None:
    assert usage_error("checks", "show") == [
        "sgc checks show: missing argument CHECK_ID",
        "hint: run 'sgc checks show --help' for the arguments",
    ]
    assert usage_error("policy", "validate")[0] == "sgc policy validate: missing argument FILE"


def test_an_option_without_its_value_names_the_command() -> None:
    assert usage_error("local", "up", "--port") == [
        "sgc local up: option '--port' requires an argument",
        "hint: run 'sgc local up --help' for the options",
    ]


def test_a_value_out_of_range_says_what_is_allowed() -> None:
    assert usage_error("scan", "--max-workers", "0")[0] == (
        "sgc scan: --max-workers: '0': input should be greater than or equal to 1"
    )


def test_a_close_option_is_suggested() -> None:
    hint = usage_error("scan", "--qiet")[1]
    assert hint.startswith("hint: did you mean ")
    assert "--quiet" in hint
    assert hint.endswith("? (run 'sgc scan --help' for the options)")


def test_an_unknown_command_suggests_a_close_one() -> None:
    assert usage_error("nosuch") == [
        "sgc: no such command 'nosuch'",
        "hint: run 'sgc --help' for the commands",
    ]
    assert usage_error("scna") == [
        "sgc: no such command 'scna'",
        "hint: did you mean 'scan'? (run 'sgc --help' for the commands)",
    ]


def test_an_extra_argument_is_a_usage_error() -> None:
    assert usage_error("scan", "extra")[0] == "sgc scan: got unexpected extra argument(s) (extra)"


def test_the_console_script_prints_the_same_two_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN `sgc scan --format pdf` typed on the command line
    monkeypatch.setattr("sys.argv", ["/usr/local/bin/sgc", "scan", "--format", "pdf"])
    # WHEN run through the console script THEN exit 2 with the same two lines
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "sgc scan: --format: 'pdf' is not one of the choices",
        f"hint: use one of: {FORMATS}",
    ]


def test_in_process_runs_print_the_same_two_lines() -> None:
    # WHEN `sgc` runs in this process (as the demo runs its commands)
    run = run_sgc(["remediate", "--mode", "nuke"], quiet=True)
    # THEN the same exit code and lines
    assert run.exit_code == 2
    assert run.output.splitlines() == [
        "sgc remediate: --mode: 'nuke' is not one of the choices",
        f"hint: use one of: {MODES}",
    ]


def test_no_arguments_still_shows_the_help() -> None:
    # A group given no command shows its help (a request for it, not a mistake to explain)
    result = runner.invoke(app, ["local"])
    assert "Usage: sgc local" in result.output
