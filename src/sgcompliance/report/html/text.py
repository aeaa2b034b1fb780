"""Text placed into the HTML report: every value from an estate or a policy passes through here.

`text` is the only way a value reaches the page. It escapes the five HTML-significant characters
(so `<script>`, `</style>` and quotes stay text, in element content and in attribute values alike)
and shows control characters and bidirectional overrides as visible escapes, so a description
cannot hide part of itself or make a line read differently from what it contains.
"""

from __future__ import annotations

import html

from sgcompliance.engine.model import Rule
from sgcompliance.engine.policy import Severity

# C0/C1 controls and the bidirectional overrides that can make text read differently on screen.
_BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_VISIBLE: dict[int, str] = {
    **{c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))},
    **{c: f"\\u{c:04x}" for c in _BIDI_CONTROLS},
    # A lone surrogate cannot be encoded, so one would make the page impossible to save.
    **{c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)},
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


def visible(value: object) -> str:
    """The value as plain text with its control characters written out, not yet escaped."""
    return str(value).translate(_VISIBLE)


def text(value: object) -> str:
    """Safe for element content and for quoted attribute values."""
    return html.escape(visible(value), quote=True)


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def severity_badge(severity: Severity) -> str:
    return f'<span class="badge sev-{severity.value}">{severity.value}</span>'


def description_of(rule: Rule) -> str:
    """The rule's description, or a muted "none" so a missing one is seen, not overlooked."""
    return text(rule.description) or '<span class="sub-inline">none</span>'
