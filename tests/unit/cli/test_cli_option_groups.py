"""Option groups: a command names one parameter per group; typer offers the group's fields as
options, and the command receives the group built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.option_groups import OptionGroup, takes_option_groups

runner = CliRunner()

Colour = Annotated[str, typer.Option(help="The colour.")]
Count = Annotated[int, typer.Option(min=1, help="How many.")]


@dataclass(frozen=True, slots=True)
class Paint(OptionGroup):
    colour: Colour = "red"
    count: Count = 1


def app_with(received: list[object]) -> typer.Typer:
    """An app whose one command records what it receives."""
    app = typer.Typer()

    @app.command()
    @takes_option_groups
    def paint(*, label: Annotated[str, typer.Option()], paint: Paint, loud: bool = False) -> None:
        received.extend([label, paint, loud])

    return app


def test_the_command_receives_the_group_built_from_its_options() -> None:
    # GIVEN a command taking the Paint group between two options of its own
    received: list[object] = []
    # WHEN it runs with the group's options and its own
    result = runner.invoke(app_with(received), ["--label", "a", "--colour", "blue", "--count", "3"])
    # THEN it gets its own options as given and the group as one value
    assert result.exit_code == 0, result.output
    assert received == ["a", Paint(colour="blue", count=3), False]


def test_the_group_fields_defaults_apply_when_their_options_are_absent() -> None:
    received: list[object] = []
    result = runner.invoke(app_with(received), ["--label", "a"])
    assert result.exit_code == 0, result.output
    assert received[1] == Paint()


def test_the_group_fields_keep_their_typer_declarations() -> None:
    # GIVEN the group's count option, declared with min=1
    received: list[object] = []
    # WHEN it is given 0 THEN typer refuses it as a usage error before the command runs
    result = runner.invoke(app_with(received), ["--label", "a", "--count", "0"])
    assert result.exit_code == 2
    assert received == []


def test_the_help_lists_the_group_fields_in_place_of_the_group() -> None:
    result = runner.invoke(app_with([]), ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--colour" in result.output
    assert "How many." in result.output
    assert "--paint" not in result.output
