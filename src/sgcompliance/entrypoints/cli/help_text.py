"""Help screens as a person reads them: words for values, not Python types; prose that wraps.

Typer shows each option's Python type (`<bool>`, `<list[str]>`, `<int range> [x>=1]`) and
its choices as one unbreakable word (`<flag_only|remove_non_compliant_rules|...>`, cut
mid-word at 80 columns), and keeps a docstring's line breaks, which the terminal's wrapping
then breaks again. Here, once per command tree: a flag shows no value, a value shows a name
(`N`, `FILE`, `REGION`), a range and the choices are said in the option's help, and each
paragraph of a command's help is one line for the terminal to wrap.
"""

from __future__ import annotations

import inspect
from typing import Any

from typer._click.core import Command, Context
from typer.core import TyperGroup, _TyperParameter

# Marks a command tree already tidied: help may be asked of one several times in a process.
_TIDIED = "_sgc_help_tidied"


def tidy_help(command: Command) -> None:
    """Tidy `command` and every sub-command, in place; a second call changes nothing."""
    if getattr(command, _TIDIED, False):
        return
    setattr(command, _TIDIED, True)
    if command.help:
        command.help = reflow(command.help)
    # The help option is made on first use and kept: made here, it is tidied with the rest.
    made = command.get_help_option(Context(command))
    for param in (*command.params, *(() if made is None else (made,))):
        if isinstance(param, _TyperParameter) and param.param_type_name == "option":
            _tidy_option(param)
        elif isinstance(param, _TyperParameter):
            # An argument's name says what it is; its Python type says nothing more.
            param.display_type_rich = _no_type  # type: ignore[method-assign]
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            tidy_help(sub)


def reflow(text: str) -> str:
    """Each paragraph on one line, except one whose lines are a list or indented."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(_paragraph(p) for p in paragraphs)


def _paragraph(paragraph: str) -> str:
    lines = paragraph.splitlines()
    if "\b" in paragraph or any(line.startswith(("  ", "- ", "* ")) for line in lines[1:]):
        return paragraph
    return " ".join(line.strip() for line in lines)


def _tidy_option(param: Any) -> None:
    descriptor = param.type_descriptor
    notes: list[str] = []
    if descriptor.is_choice and descriptor.choices:
        # Words a terminal may wrap between, where `<a|b|c>` was one word cut anywhere.
        values = [str(getattr(c, "value", c)) for c in descriptor.choices]
        notes.append("One of: " + ", ".join(values) + ".")
    if param.metavar is None:
        if param.is_flag:
            param.metavar = ""
        elif descriptor.is_choice and descriptor.choices:
            param.metavar = _value_name(param)
        elif descriptor.is_path:
            param.metavar = "DIR" if descriptor.path_type == "dir" else "FILE"
        elif descriptor.is_ranged or _number(descriptor.annotation):
            param.metavar = "N"
        else:
            param.metavar = _value_name(param)
    bounds = _bounds(param.min, param.max) if hasattr(param, "min") else ""
    if bounds:
        notes.append(bounds)
        # Said in the help instead (typer would add `[x>=1]` after the value's name).
        param._get_number_range_help_str = lambda: None
    if notes:
        param.help = " ".join(filter(None, [(param.help or "").strip(), *notes]))


def _no_type(ctx: object) -> None:  # noqa: ARG001 - typer's signature
    return None


def _value_name(param: Any) -> str:
    long: str = next((o for o in param.opts if o.startswith("--")), param.opts[0])
    return long.lstrip("-").replace("-", "_").upper()


def _number(annotation: object) -> bool:
    return annotation in (int, float)


def _bounds(low: object, high: object) -> str:
    if low is not None and high is not None:
        return f"From {low} to {high}."
    if low is not None:
        return f"At least {low}."
    if high is not None:
        return f"At most {high}."
    return ""
