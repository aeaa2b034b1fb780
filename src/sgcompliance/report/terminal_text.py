"""Untrusted text for the terminal: shown literally, control characters made visible.

Every value that comes from an estate or a policy (names, descriptions, owners, messages) is
placed as plain `Text`, never parsed as markup, and its control characters are shown escaped,
so a description such as `[bold]`, `<script>` or one with a newline or an escape sequence is
printed literally and cannot forge rows or colour the terminal.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.text import Text

from sgcompliance.report.formats import Presentation
from sgcompliance.report.plain_text import visible_escapes

_ESCAPES = visible_escapes()


def literal(value: str, style: str = "") -> Text:
    """Untrusted text exactly as written, with control characters made visible."""
    return Text(value.translate(_ESCAPES), style=style)


def lines(*parts: Text) -> Text:
    """The non-empty parts, one per line."""
    return Text("\n").join(part for part in parts if part.plain)


def report_console(file: TextIO, presentation: Presentation) -> Console:
    """A console writing a report to `file`: no markup, emoji or highlighting is ever read
    into the text, colour only when the presentation asks for it."""
    return Console(
        file=file,
        width=presentation.width,
        force_terminal=presentation.color,
        color_system="auto" if presentation.color else None,
        no_color=not presentation.color,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=False,
    )


def plain_lines(text: str, presentation: Presentation) -> str:
    """Without colour, each line without the trailing blanks of cell padding (noise in files
    and diffs)."""
    if presentation.color:
        return text
    return "".join(line.rstrip() + "\n" for line in text.splitlines())
