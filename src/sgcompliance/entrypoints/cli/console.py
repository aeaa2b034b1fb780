"""Terminal conventions shared by every `sgc` command: exit codes, errors, presentation."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, NoReturn, TextIO

import typer
from rich.console import Console
from typer._click import exceptions as click_errors  # typer's own (vendored) click
from typer._click.core import Command
from typer.core import TyperGroup, _TyperParameter

from sgcompliance.clock import utc_today
from sgcompliance.entrypoints.cli.help_text import tidy_help
from sgcompliance.errors import PolicyError, SgcError
from sgcompliance.report.formats import Presentation

# Piped or redirected tables are laid out for this many columns unless COLUMNS says otherwise.
PIPED_WIDTH = 120


class ListingFormat(StrEnum):
    """How a listing command writes: a table for people, JSON for tools."""

    TABLE = "table"
    JSON = "json"


class ExitCode(IntEnum):
    COMPLIANT = 0
    VIOLATIONS = 1
    USAGE = 2
    # Some accounts or regions could not be read or changed; the others were.
    PARTIAL = 3
    # `sgc rollback`: some revoked rules could not be authorized again (each is reported with
    # its reason); the others were restored.
    PARTIALLY_RESTORED = 4
    # A confirmation prompt was declined or got no answer (standard input closed, Ctrl-C):
    # nothing was changed.
    NOT_CONFIRMED = 5
    # A bug in sgc (an exception nothing expected): one line and a hint, never a traceback.
    # 70 is EX_SOFTWARE of sysexits.h: distinct from every outcome and from a usage error.
    INTERNAL_ERROR = 70


@dataclass(frozen=True, slots=True)
class Terminal:
    """What the user asked of the terminal: `--quiet`, `--no-color` (or NO_COLOR, or CI) and
    `--verbose` (every detail on the terminal, not only the summary)."""

    quiet: bool = False
    color: bool = True
    verbose: bool = False

    @classmethod
    def from_options(
        cls, *, quiet: bool = False, no_color: bool = False, verbose: bool = False
    ) -> Terminal:
        color = not (no_color or os.environ.get("NO_COLOR"))
        return cls(quiet=quiet, color=color, verbose=verbose)

    def for_a_person(self, report_format: str, output: object | None) -> bool:
        """Whether the report goes to a person's terminal: a table on stdout, which is one.
        There, the summary stands for the report unless --verbose asks for every finding."""
        return report_format == "table" and output is None and stdout_is_terminal()

    def stderr(self) -> Console:
        """Where progress, scope summaries and notes go; the report owns stdout."""
        return Console(stderr=True, no_color=not self.color, quiet=self.quiet, highlight=False)

    def stdout(self) -> Console:
        """Tables people read; laid out like the report when piped (see `presentation_for`)."""
        width = presentation_for(sys.stdout, self).width
        return Console(no_color=not self.color, highlight=False, width=width)

    def shows_progress(self, console: Console) -> bool:
        """Live progress only for a person watching: a terminal, not quiet, not a CI job."""
        return console.is_terminal and not self.quiet and not in_ci()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def show_table(terminal: Terminal, table: Any) -> None:
    """A table on stdout. On a terminal it fits the window; piped or redirected, every row is
    one line as wide as its cells need, so that nothing a script reads (an id) is ever cut."""
    console = terminal.stdout()
    if not stdout_is_terminal():
        needed = console.measure(table, options=console.options.update_width(10**6)).maximum
        console = Console(no_color=not terminal.color, highlight=False, width=max(needed, 1))
    console.print(table)


def in_ci() -> bool:
    """CI services set CI (GitHub Actions, GitLab, CircleCI, Travis, Buildkite, ...)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def presentation_for(stream: TextIO | None, terminal: Terminal | None = None) -> Presentation:
    """Colour only on a terminal and never under NO_COLOR or --no-color; a fixed width when
    not a terminal."""
    unicode = stream is None or _is_utf(stream)
    if stream is not None and stream.isatty():
        color = (terminal or Terminal.from_options()).color and not os.environ.get("NO_COLOR")
        return Presentation(color=color, width=None, unicode=unicode)
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() else PIPED_WIDTH
    return Presentation(color=False, width=width, unicode=unicode)


def _is_utf(stream: TextIO) -> bool:
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
    return encoding.startswith("utf")


def write_stdout(text: str) -> None:
    stream = sys.stdout
    if not _is_utf(stream):
        # Names and descriptions may hold any character; an ASCII-only stream gets escapes.
        encoding = stream.encoding or "ascii"
        text = text.encode(encoding, errors="backslashreplace").decode(encoding)
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        # The reader went away (`sgc scan | head`): the exit code still tells the result.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())


@contextmanager
def reported_errors() -> Iterator[None]:
    """Expected errors become a clear message on stderr and exit code 2, never a traceback."""
    try:
        yield
    except SgcError as exc:
        show_error(exc)
        raise typer.Exit(ExitCode.USAGE) from None


def not_confirmed(command: str, what: str) -> NoReturn:
    """A prompt was declined or got no answer: one line on stderr, exit code 5."""
    typer.echo(f"sgc {command}: not confirmed: {what}", err=True)
    raise typer.Exit(ExitCode.NOT_CONFIRMED)


def show_error(exc: SgcError) -> None:
    if isinstance(exc, PolicyError) and exc.problems:
        count = len(exc.problems)
        noun = "problem" if count == 1 else "problems"
        typer.echo(f"error: {exc.source}: the policy has {count} {noun}:", err=True)
        for path, message, hint in exc.problems:
            typer.echo(f"  {path}: {message}" + (f" ({hint})" if hint else ""), err=True)
    else:
        typer.echo(f"error: {exc}", err=True)
    typer.echo(f"hint: {exc.hint}", err=True)


# --- usage errors: one line saying what is wrong, one line saying what to do -----------------


class BadChoice(typer.BadParameter):
    """An option callback's verdict on a value outside a closed list; the hint lists the list."""

    def __init__(self, value: str, choices: Sequence[str]) -> None:
        super().__init__(f"{value!r} is not one of: {', '.join(choices)}")
        self.value = value
        self.choices = tuple(choices)


class HintedBadParameter(typer.BadParameter):
    """An option callback's verdict that knows what to do instead: the hint says it."""

    def __init__(self, message: str, *, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True, slots=True)
class UsageProblem:
    """A usage error as `sgc` prints it: `sgc COMMAND: what is wrong`, then `hint: ...`."""

    command: str
    what: str
    hint: str

    def lines(self) -> tuple[str, str]:
        return f"{self.command}: {self.what}", f"hint: {self.hint}"


class SgcGroup(TyperGroup):
    """The root command. Typer shows usage errors in a box without a hint, and a prompt left
    without an answer as "Aborted!" with exit code 1; here, every usage error of every command
    is `sgc COMMAND: ...` and `hint: ...` on stderr with exit code 2, and an unanswered prompt
    exits 5."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        tidy_help(self)
        argv = list(sys.argv[1:] if args is None else args)
        prog = prog_name or self.name or "sgc"
        if not standalone_mode:  # the caller handles the errors (see `report_usage_error`)
            return super().main(argv, prog, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(argv, prog, complete_var, False, windows_expand_args, **extra)
        except click_errors.ClickException as exc:
            sys.exit(report_usage_error(exc, self, argv, prog))
        except typer.Abort:  # a prompt got EOF or Ctrl-C; `sgc remediate` says more itself
            typer.echo(f"{command_path(self, argv, prog)}: not confirmed: no answer", err=True)
            sys.exit(ExitCode.NOT_CONFIRMED)
        sys.exit(code if isinstance(code, int) else ExitCode.COMPLIANT)


def report_usage_error(
    exc: click_errors.ClickException, root: Command, args: Sequence[str], prog: str = "sgc"
) -> int:
    """Print a usage error as two lines on stderr (a group given nothing has shown its help
    already); returns the exit code."""
    if isinstance(exc, click_errors.NoArgsIsHelpError):
        return exc.exit_code
    for line in usage_problem(exc, command_path(root, args, prog)).lines():
        typer.echo(line, err=True)
    return exc.exit_code


def command_path(root: Command, args: Sequence[str], prog: str = "sgc") -> str:
    """`sgc local up` for `local up --port`: the commands named before the first other word."""
    words, command = [prog], root
    for arg in args:
        if not isinstance(command, TyperGroup) or arg not in command.commands:
            break
        words.append(arg)
        command = command.commands[arg]
    return " ".join(words)


def usage_problem(exc: click_errors.ClickException, fallback_command: str) -> UsageProblem:
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else fallback_command
    is_group = ctx is not None and isinstance(ctx.command, TyperGroup)
    help_hint = _help(command, "commands" if is_group else "options")
    if isinstance(exc, click_errors.NoSuchOption):
        what = f"no such option: {exc.option_name}"
        if exc.possibilities:
            close = " or ".join(sorted(exc.possibilities))
            return UsageProblem(command, what, f"did you mean {close}? ({help_hint})")
        return UsageProblem(command, what, help_hint)
    if isinstance(exc, click_errors.BadParameter) and exc.param is not None:
        return _bad_parameter(exc, command, help_hint)
    # Anything else (an option missing its value, an extra argument, an unknown command):
    # click's sentence, on one line, and its suggestion as the hint.
    text, _, close = " ".join(exc.format_message().split()).partition(" Did you mean ")
    what = _sentence_part(text)
    if close:
        return UsageProblem(command, what, f"did you mean {close} ({help_hint})")
    return UsageProblem(command, what, help_hint)


def _bad_parameter(exc: click_errors.BadParameter, command: str, help_hint: str) -> UsageProblem:
    param = exc.param
    assert param is not None
    name = _parameter_name(param)
    choices = _choices(exc)
    if isinstance(exc, click_errors.MissingParameter):
        kind = exc.param_type or param.param_type_name
        what = f"missing {kind} {name}"
        if choices:
            return UsageProblem(command, what, f"give {name} one of: {', '.join(choices)}")
        if kind == "argument":
            return UsageProblem(command, what, _help(command, "arguments"))
        return UsageProblem(command, what, help_hint)
    if isinstance(exc, HintedBadParameter):
        return UsageProblem(command, f"{name}: {_sentence_part(exc.message)}", exc.hint)
    value, reason = _rejected(exc)
    if value is None:
        return UsageProblem(command, f"{name}: {reason}", help_hint)
    if choices:
        what = f"{name}: {value!r} is not one of the choices"
        return UsageProblem(command, what, f"use one of: {', '.join(choices)}")
    formats = param.type_descriptor.parameter_info.formats
    if param.type_descriptor.is_datetime and formats:
        shape = param.metavar or " or ".join(formats)
        example = utc_today().strftime(formats[0])
        what = f"{name}: {value!r} is not a date as {shape}"
        return UsageProblem(
            command, what, f"write a day that exists as {shape}, e.g. {name} {example}"
        )
    return UsageProblem(command, f"{name}: {value!r}: {reason}", help_hint)


def _help(command: str, topic: str) -> str:
    return f"run '{command} --help' for the {topic}"


def _parameter_name(param: _TyperParameter) -> str:
    if param.param_type_name == "option":
        return next((o for o in param.opts if o.startswith("--")), param.opts[0])
    return (param.metavar or param.name or "argument").upper()


def _choices(exc: click_errors.BadParameter) -> tuple[str, ...]:
    if isinstance(exc, BadChoice):
        return exc.choices
    described = exc.param.type_descriptor if exc.param is not None else None
    if described is None or not described.is_choice or not described.choices:
        return ()
    return tuple(str(getattr(choice, "value", choice)) for choice in described.choices)


def _rejected(exc: click_errors.BadParameter) -> tuple[object | None, str]:
    """The value given and why it was refused. Typer checks values with pydantic, whose error
    (the exception's cause) holds both."""
    if isinstance(exc, BadChoice):
        return exc.value, exc.message
    errors = getattr(exc.__cause__, "errors", None)
    if callable(errors):
        found = errors()
        if found and isinstance(found[0], dict) and "input" in found[0]:
            reason = str(found[0].get("msg", exc.message)).removeprefix("Value error, ")
            return found[0]["input"], _sentence_part(reason)
    return None, _sentence_part(exc.message)


def _sentence_part(text: str) -> str:
    """A message as the part of a line after `sgc COMMAND: `: lower-case start, no full stop."""
    text = " ".join(text.split()).rstrip(".")
    return text[:1].lower() + text[1:]
