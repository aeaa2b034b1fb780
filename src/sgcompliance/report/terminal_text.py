"""Untrusted text for the terminal: shown literally, control characters made visible.

Every value that comes from an estate or a policy (names, descriptions, owners, messages) is
placed as plain `Text`, never parsed as markup, and its control characters are shown escaped,
so a description such as `[bold]`, `<script>` or one with a newline or an escape sequence is
printed literally and cannot forge rows or colour the terminal.
"""

from __future__ import annotations

from rich.text import Text

from sgcompliance.report.plain_text import visible_escapes

_ESCAPES = visible_escapes()


def literal(value: str, style: str = "") -> Text:
    """Untrusted text exactly as written, with control characters made visible."""
    return Text(value.translate(_ESCAPES), style=style)


def lines(*parts: Text) -> Text:
    """The non-empty parts, one per line."""
    return Text("\n").join(part for part in parts if part.plain)
