"""`sgc remediate` at its confirmation prompt: a "no", no answer at all (standard input closed, as
in CI) and Ctrl-C all leave everything unchanged and exit 5, with one line that says so."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner, Result

from sgcompliance.entrypoints.cli import remediate as remediate_cli
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.entrypoints.cli.console import SgcGroup

runner = CliRunner()
NOT_CONFIRMED = (
    "sgc remediate: not confirmed: nothing was changed (pass --yes to apply without a prompt)"
)
ARGS = ["remediate", "--mode", "remove_non_compliant_rules", "--backup-dir", "backups"]


@pytest.fixture
def applied(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """`sgc remediate` with one planned change, up to its question (no AWS needed); the list
    records whether the run went on to apply it."""
    went_on: list[bool] = []

    def run(self: remediate_cli.Job, runtime: object, policy: object) -> bool:
        self._confirm([object()], "")  # type: ignore[list-item]
        went_on.append(True)
        return True

    monkeypatch.setattr(remediate_cli, "build_runtime", lambda target: None)
    monkeypatch.setattr(remediate_cli, "plan_view", lambda plans, note: "Remediation plan")
    monkeypatch.setattr(remediate_cli.Job, "run", run)
    return went_on


def remediate(*args: str, stdin: str | None) -> Result:
    return runner.invoke(app, [*ARGS, *args], input=stdin)


def test_no_answer_because_stdin_is_closed_exits_5_and_says_nothing_was_changed(
    applied: list[bool],
) -> None:
    # WHEN the plan asks for confirmation and standard input is closed (`< /dev/null`, CI)
    result = remediate(stdin="")
    # THEN exit 5 (not 1, "violations found"), one line that says why, nothing applied
    assert result.exit_code == 5, result.output
    assert NOT_CONFIRMED in result.stderr.splitlines()
    assert "Aborted" not in result.output
    assert applied == []


def test_answering_no_exits_5(applied: list[bool]) -> None:
    result = remediate(stdin="n\n")
    assert result.exit_code == 5, result.output
    assert NOT_CONFIRMED in result.stderr.splitlines()
    assert applied == []


def test_ctrl_c_at_the_prompt_exits_5(applied: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN Ctrl-C at the question (typer.confirm turns KeyboardInterrupt into Abort)
    def interrupted(*args: object, **kwargs: object) -> bool:
        raise typer.Abort()

    monkeypatch.setattr(remediate_cli.typer, "confirm", interrupted)
    result = remediate(stdin=None)
    assert result.exit_code == 5, result.output
    assert NOT_CONFIRMED in result.stderr.splitlines()
    assert applied == []


def test_the_json_report_on_stdout_stays_empty_when_not_confirmed(applied: list[bool]) -> None:
    # GIVEN JSON on stdout, so the plan and the question go to stderr
    result = remediate("-f", "json", stdin="")
    # THEN stdout holds nothing, not even the blank input() writes after a prompt; the line is
    # on stderr
    assert result.exit_code == 5, result.output
    assert result.stdout == ""
    assert NOT_CONFIRMED in result.stderr.splitlines()


def test_answering_yes_applies(applied: list[bool]) -> None:
    result = remediate(stdin="y\n")
    assert result.exit_code == 0, result.output
    assert applied == [True]


def test_any_prompt_left_without_an_answer_exits_5() -> None:
    # GIVEN a command of the root group that asks a question (none but remediate does today)
    asking = typer.Typer(cls=SgcGroup, name="sgc")

    @asking.command()
    def ask() -> None:
        typer.confirm("Go on?", abort=True)

    @asking.command()
    def other() -> None:
        """A second command, so that the root is a group."""

    # WHEN standard input is closed THEN exit 5 and one line, instead of "Aborted!" and 1
    result = runner.invoke(asking, ["ask"], input="")
    assert result.exit_code == 5, result.output
    assert "sgc ask: not confirmed: no answer" in result.stderr.splitlines()
    assert "Aborted" not in result.output
