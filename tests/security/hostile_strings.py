"""Strings chosen to break naive output: JSON and HTML injection, line breaks, terminal escapes,
control characters, a spreadsheet formula, non-ASCII, and a very long tail."""

from __future__ import annotations

from typing import Any

INJECTED_KEY = "pwned"
JSON_BREAKOUT = f'"}},"{INJECTED_KEY}":true,"x":{{"'
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://attacker.invalid","x")'
HOSTILE = f"{FORMULA} {JSON_BREAKOUT}\n\r{SCRIPT}\x1b[31m\x00\x07 é漢字🙂 [bold]x[/bold]"
LONG_HOSTILE = HOSTILE + "A" * 10_000


def keys_in(doc: Any) -> set[str]:
    """Every object key anywhere in a decoded JSON document."""
    found: set[str] = set()
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            found.update(str(k) for k in value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def strings_in(doc: Any) -> list[str]:
    """Every string value anywhere in a decoded JSON document."""
    found: list[str] = []
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            found.append(value)
    return found


def control_characters(text: str, allowed: str = "\n") -> set[str]:
    """C0 controls, DEL and C1 controls in `text`, except those `allowed`."""
    return {c for c in text if (ord(c) < 32 or 127 <= ord(c) < 160) and c not in allowed}
