"""Shared pieces of the fuzz campaigns: the example budget, hostile JSON values, and the bar a
refusal must clear (an SgcError, or a rejection value, with a short, short message).

`make test` runs a short campaign; `make fuzz` sets SGC_FUZZ_EXAMPLES for a long one.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("SGC_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# A message names what is wrong; it never carries a whole hostile value along.
MAX_MESSAGE = 400
BIG = "B" * 10_000

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        BIG,
        '{"injected": true}',
        '"},"pwned":{"',
        "line one\nline two\r\n",
        "<script>alert(1)</script>",
        "\x00\x01\x1b[31m\x7f",
        "sg-0a1b2c3d4e5f60718\n",
        "é漢字🙂",
        "\ud800",
        "-1",
        "0.0.0.0/0",
        "::/0",
        "1e400",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | HOSTILE_TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12) | HOSTILE_TEXT, inner, max_size=4)
    ),
    max_leaves=20,
)


def assert_clear(message: str) -> None:
    """A refusal's message: present, and short enough to read (never a whole hostile value)."""
    assert message.strip(), "the message is empty"
    assert len(message) <= MAX_MESSAGE, f"the message is {len(message)} characters long"


def paths_in(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document (the document itself excluded)."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += paths_in(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += paths_in(value, (*prefix, index))
    return found


def replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    """`doc` (changed in place) with the value at `path` replaced, or deleted for `...`."""
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if value is ... and isinstance(parent, dict):
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = None if value is ... else value
    return doc
