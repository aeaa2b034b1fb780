"""Text placed into the HTML report: every value from an estate or a policy passes through here.

`text` is the only way a value reaches the page. It escapes the five HTML-significant characters
(so `<script>`, `</style>` and quotes stay text, in element content and in attribute values alike)
and shows control characters and bidirectional overrides as visible escapes, so a description
cannot hide part of itself or make a line read differently from what it contains.
"""

from __future__ import annotations

import html
from functools import lru_cache

from sgcompliance.engine.model import Rule
from sgcompliance.engine.policy import Severity
from sgcompliance.report.plain_text import visible_escapes

_VISIBLE = visible_escapes(surrogates=True)


def visible(value: object) -> str:
    """The value as plain text with its control characters written out, not yet escaped."""
    plain = str(value)
    # Printable ASCII holds no control character, bidirectional override or surrogate: most
    # values, millions in a large report, skip the translation (a quarter of the time of a page
    # of 59,000 findings, measured).
    return plain if plain.isascii() and plain.isprintable() else plain.translate(_VISIBLE)


def text(value: object) -> str:
    """Safe for element content and for quoted attribute values."""
    return _escaped(value if type(value) is str else str(value))


# A page of 59,000 findings escapes two million values, most of them again and again (checks,
# severities, accounts, regions, ports, peers): the latest few thousand are remembered.
@lru_cache(maxsize=4096)
def _escaped(plain: str) -> str:
    return html.escape(visible(plain), quote=True)


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def severity_badge(severity: Severity) -> str:
    return f'<span class="badge sev-{severity.value}">{severity.value}</span>'


def description_of(rule: Rule) -> str:
    """The rule's description, or a muted "none" so a missing one is seen, not overlooked."""
    return text(rule.description) or '<span class="sub-inline">none</span>'


def peer_text(rule: Rule) -> str:
    """The rule's peer, breakable after the `/` of `ACCOUNT/sg-...` and of a CIDR, so a long
    peer wraps inside its column instead of running over the next one."""
    return "/<wbr>".join(text(part) for part in str(rule.peer).split("/"))
