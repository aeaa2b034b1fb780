"""The console script's last backstop: an exception nobody expected (a bug) is one bounded line
and a hint on stderr with exit code 70, and Ctrl-C is exit code 130; never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import pytest

from sgcompliance.entrypoints.cli import app as cli

ESTATE = str(Path(__file__).parents[3] / "examples" / "estate.json")


def run_scan(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], raised: BaseException
) -> tuple[int | str | None, list[str]]:
    """`sgc scan --input ESTATE` through the console script, its judging raising `raised`."""

    def judge(*_: object) -> NoReturn:
        raise raised

    monkeypatch.setattr(cli, "judge", judge)
    monkeypatch.setattr("sys.argv", ["sgc", "scan", "--input", ESTATE])
    with pytest.raises(SystemExit) as caught:
        cli.main()
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return caught.value.code, captured.err.splitlines()


def test_an_unexpected_exception_is_one_line_a_hint_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run_scan(monkeypatch, capsys, RuntimeError("the cache\nwent\tmissing"))
    assert code == 70
    assert lines == [
        "sgc: internal error: RuntimeError: the cache went missing",
        f"hint: {cli.INTERNAL_ERROR_HINT}",
    ]


def test_a_long_exception_text_is_shortened_to_one_bounded_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = "<html>\n" + "x" * 5000 + "\n</html>"
    code, lines = run_scan(monkeypatch, capsys, ValueError(page))
    assert code == 70
    first, hint = lines
    assert first.startswith("sgc: internal error: ValueError: <html> xxx")
    assert first.endswith("...")
    assert len(first) <= len("sgc: internal error: ValueError: ") + cli.INTERNAL_DETAIL_LIMIT
    assert hint.startswith("hint: ")


def test_an_exception_without_text_is_named_by_its_type(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run_scan(monkeypatch, capsys, AssertionError())
    assert code == 70
    assert lines[0] == "sgc: internal error: AssertionError"


def test_ctrl_c_during_a_command_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run_scan(monkeypatch, capsys, KeyboardInterrupt())
    assert code == 130


def test_ctrl_c_outside_any_command_is_one_line_and_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN Ctrl-C while the command line is still being built (before any command runs)
    def interrupted() -> NoReturn:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "app", interrupted)
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == 130
    assert capsys.readouterr().err == "sgc: interrupted\n"
