"""Untrusted text made safe for fields that must hold one line of bounded length."""

from __future__ import annotations

import re

# C0 and C1 controls (newlines and tabs included), and the bidirectional overrides that can
# make text read differently from what it says.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+")
ELLIPSIS = "\u2026"


def one_line(text: str) -> str:
    """Control characters become a single space: a description cannot add lines or fields."""
    return _CONTROLS.sub(" ", text).strip()


def clip(text: str, limit: int) -> str:
    """At most `limit` characters; a cut value ends with an ellipsis so it reads as cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS
