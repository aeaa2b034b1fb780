"""Terminal conventions shared by every `sgc` command: exit codes, errors, presentation."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from typing import NoReturn, TextIO

import typer
from rich.console import Console

from sgcompliance.errors import PolicyError, SgcError
from sgcompliance.report.formats import Presentation

# Piped or redirected tables are laid out for this many columns unless COLUMNS says otherwise.
PIPED_WIDTH = 120


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


@dataclass(frozen=True, slots=True)
class Terminal:
    """What the user asked of the terminal: `--quiet` and `--no-color` (or NO_COLOR, or CI)."""

    quiet: bool = False
    color: bool = True

    @classmethod
    def from_options(cls, *, quiet: bool = False, no_color: bool = False) -> Terminal:
        return cls(quiet=quiet, color=not (no_color or os.environ.get("NO_COLOR")))

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
