"""Untrusted text: the control characters no report may pass through as they are, and what a
field that must hold one line of bounded length makes of them.

Each writer either removes them (`one_line`) or shows them as visible escapes (`visible_escapes`,
a `str.translate` table): the terminal table, the CSV and the HTML report use the same set.
"""

from __future__ import annotations

import re
from functools import lru_cache

# C0 and C1 controls (newlines and tabs included), and the bidirectional overrides that can
# make text read differently from what it says.
C0_C1_CONTROLS = (*range(0x20), *range(0x7F, 0xA0))
BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_CONTROLS = re.compile(
    "[" + "".join(f"\\u{c:04x}" for c in (*C0_C1_CONTROLS, *BIDI_CONTROLS)) + "]+"
)
_NAMED = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}
ELLIPSIS = "\u2026"


def visible_escapes(*, keep: str = "", surrogates: bool = False) -> dict[int, str]:
    """A `str.translate` table writing each control as a visible escape (`\\x1b`, `\\u202e`,
    `\\n`), except the characters in `keep`; `surrogates` also escapes lone surrogates, which
    cannot be encoded (a page holding one could not be saved)."""
    table = {c: f"\\x{c:02x}" for c in C0_C1_CONTROLS}
    table.update({c: f"\\u{c:04x}" for c in BIDI_CONTROLS})
    table.update(_NAMED)
    if surrogates:
        table.update({c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)})
    for char in keep:
        table.pop(ord(char), None)
    return table


# ASFF flattens some twenty fields per finding, most of them the same text again and again
# (product fields, checks, accounts): the latest few thousand are remembered.
@lru_cache(maxsize=4096)
def one_line(text: str) -> str:
    """Control characters become a single space: a description cannot add lines or fields."""
    if text.isascii() and text.isprintable():
        # No control character in it (C1 controls and bidi overrides are not ASCII): most
        # text, which ASFF flattens some twenty times per finding, skips the search.
        return text.strip()
    return _CONTROLS.sub(" ", text).strip()


def clip(text: str, limit: int) -> str:
    """At most `limit` characters; a cut value ends with an ellipsis so it reads as cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS
