"""Every help screen at 80 columns: values named in words (never `<bool>`, `<list[str]>`,
`<int range> [x>=1]`), and the choices of `--mode` whole, never cut inside a word."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app
from sgcompliance.remediation.plan import Mode

runner = CliRunner()
PYTHON_TYPES = re.compile(r"<(bool|str|int|float|list|dir|file|path|datetime)|list\[|x[<>]=")


def command_paths() -> list[tuple[str, ...]]:
    """Every command and group of `sgc`, as the words that reach it."""
    root = typer.main.get_command(app)
    found: list[tuple[str, ...]] = [()]

    def walk(command: object, words: tuple[str, ...]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            found.append((*words, name))
            walk(sub, (*words, name))

    walk(root, ())
    return found


@pytest.mark.parametrize("words", command_paths(), ids=lambda w: " ".join(w) or "sgc")
def test_no_help_screen_shows_python_types(words: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    shown = PYTHON_TYPES.findall(result.stdout)
    assert not shown, result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_the_mode_choices_are_whole_words_at_80_columns() -> None:
    result = runner.invoke(app, ["remediate", "--help"], env={"COLUMNS": "80"})
    words = set(re.findall(r"[a-z_]+", result.stdout))
    assert {mode.value for mode in Mode} <= words


def test_ranges_are_said_in_words() -> None:
    result = runner.invoke(app, ["scan", "--help"], env={"COLUMNS": "80"})
    assert "At least 1." in " ".join(result.stdout.split())
