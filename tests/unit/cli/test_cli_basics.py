"""The root command: version, help, mounted sub-apps, and the colour/width decision."""

from __future__ import annotations

import io

import pytest
from typer.testing import CliRunner

from sgcompliance import __version__
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.entrypoints.cli.console import PIPED_WIDTH, presentation_for

runner = CliRunner()


class TerminalStream(io.StringIO):
    """A stream that says it is a terminal."""

    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("args", [["version"], ["--version"]])
def test_version_prints_the_package_version(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"sgc {__version__}"


def test_help_lists_scan_and_the_mounted_sub_apps() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("scan", "version", "policy", "local"):
        assert command in result.stdout


def test_a_terminal_gets_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert presentation_for(TerminalStream()).color


def test_no_color_turns_colour_off_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert not presentation_for(TerminalStream()).color


def test_a_pipe_gets_no_colour_and_a_fixed_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    presentation = presentation_for(io.StringIO())
    assert (presentation.color, presentation.width) == (False, PIPED_WIDTH)


def test_an_ascii_stream_gets_no_box_drawing_characters() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert not presentation_for(stream).unicode
