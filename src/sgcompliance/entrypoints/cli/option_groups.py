"""Option groups: options several commands share, declared once as the fields of a dataclass.

Typer reads a command's options from its signature, one parameter each. A command decorated
with `takes_option_groups` names one parameter per group instead (`aws: AwsTarget`); typer is
shown the group's fields in its place, each with the typer declaration written on the group,
and the command receives the group built from what was given on the command line.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, ClassVar


class OptionGroup:
    """Base of the option groups: frozen dataclasses whose fields are typer options."""

    __slots__ = ()
    # Set by @dataclass on each group; declared here so that the type checker knows a group
    # is a dataclass.
    __dataclass_fields__: ClassVar[dict[str, Any]]


def takes_option_groups(command: Callable[..., None]) -> Callable[..., None]:
    """The command as typer should see it: every group parameter spread into its options."""
    hints = typing.get_type_hints(command, include_extras=True)
    parameters: list[inspect.Parameter] = []
    groups: dict[str, tuple[type[OptionGroup], tuple[str, ...]]] = {}
    for parameter in inspect.signature(command).parameters.values():
        hint = hints[parameter.name]
        if _is_group(hint):
            options = _group_options(hint)
            groups[parameter.name] = (hint, tuple(option.name for option in options))
            parameters.extend(options)
        else:
            parameters.append(_keyword(parameter.name, hint, parameter.default))

    @functools.wraps(command)
    def run(**given: Any) -> None:
        for name, (group, names) in groups.items():
            given[name] = group(**{option: given.pop(option) for option in names})
        command(**given)

    # Typer reads both the signature and the evaluated annotations of what it is given.
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return run


def _is_group(hint: object) -> typing.TypeGuard[type[OptionGroup]]:
    return isinstance(hint, type) and issubclass(hint, OptionGroup) and is_dataclass(hint)


def _group_options(group: type[OptionGroup]) -> list[inspect.Parameter]:
    hints = typing.get_type_hints(group, include_extras=True)
    return [
        _keyword(field.name, hints[field.name], _default(field.default)) for field in fields(group)
    ]


def _default(value: object) -> object:
    return inspect.Parameter.empty if value is MISSING else value


def _keyword(name: str, hint: object, default: object) -> inspect.Parameter:
    # Keyword-only: typer passes every option by name, and a required option may then follow
    # ones with defaults, as a group's fields may stand between them.
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hint)
