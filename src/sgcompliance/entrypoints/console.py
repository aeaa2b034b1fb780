"""Terminal conventions shared by every `sgc` command: exit codes, errors, presentation."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import TextIO

import typer

from sgcompliance.core.errors import PolicyError, SgcError
from sgcompliance.report.formats import Presentation

# Piped or redirected tables are laid out for this many columns unless COLUMNS says otherwise.
PIPED_WIDTH = 120


class ExitCode(IntEnum):
    COMPLIANT = 0
    VIOLATIONS = 1
    USAGE = 2
    # Some accounts or regions could not be read or changed; the others were.
    PARTIAL = 3


def presentation_for(stream: TextIO | None) -> Presentation:
    """Colour only on a terminal and never under NO_COLOR; a fixed width when not a terminal."""
    unicode = stream is None or _is_utf(stream)
    if stream is not None and stream.isatty():
        return Presentation(color=not os.environ.get("NO_COLOR"), width=None, unicode=unicode)
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
