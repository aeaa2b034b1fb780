"""Untrusted text for the terminal: shown literally, control characters made visible.

Every value that comes from an estate or a policy (names, descriptions, owners, messages) is
placed as plain `Text`, never parsed as markup, and its control characters are shown escaped,
so a description such as `[bold]`, `<script>` or one with a newline or an escape sequence is
printed literally and cannot forge rows or colour the terminal.
"""

from __future__ import annotations

from rich.text import Text

# C0/C1 controls and the bidirectional overrides that can make text read differently on screen.
_BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_ESCAPES: dict[int, str] = {
    **{c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))},
    **{c: f"\\u{c:04x}" for c in _BIDI_CONTROLS},
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


def literal(value: str, style: str = "") -> Text:
    """Untrusted text exactly as written, with control characters made visible."""
    return Text(value.translate(_ESCAPES), style=style)


def lines(*parts: Text) -> Text:
    """The non-empty parts, one per line."""
    return Text("\n").join(part for part in parts if part.plain)
