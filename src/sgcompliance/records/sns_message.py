"""What SNS accepts: the message value, its size as SNS counts it, and a body fitted to a budget.

From the Publish API reference: a message is at most 256 KiB (262,144 bytes) by default, and
every part of every message attribute (name, data type, value) counts towards that limit; a
subject has no line breaks or control characters and is less than 100 characters long. Subjects
and attribute values are kept to printable ASCII, which email endpoints and filter policies
handle the same everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sgcompliance.records.owner_routing import ROUTING_TYPE, Routing, array_value, routing_size

SNS_MAX_BYTES = 262_144
SUBJECT_MAX = 99
ATTRIBUTE_VALUE_MAX = 256
ATTRIBUTE_TYPE = "String"
FALLBACK_SUBJECT = "sgcompliance alert"


@dataclass(frozen=True, slots=True)
class Alert:
    subject: str
    message: str  # a JSON document, ASCII only
    attributes: Mapping[str, str] = field(default_factory=dict)
    # Owner routing (`records/owner_routing.py`): String.Array attributes, name -> values.
    routing: Routing = field(default_factory=dict)

    @property
    def size_bytes(self) -> int:
        """What SNS counts against its size limit: the body and every attribute part."""
        return (
            len(self.message.encode())
            + attributes_size(self.attributes)
            + routing_size(self.routing)
        )

    def message_attributes(self) -> list[tuple[str, str, str]]:
        """Every attribute as (name, data type, value), as Publish takes them."""
        typed = [(name, ATTRIBUTE_TYPE, value) for name, value in self.attributes.items()]
        typed += [(name, ROUTING_TYPE, array_value(v)) for name, v in self.routing.items() if v]
        return typed

    def body(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.message)
        return loaded


def _printable(text: str) -> str:
    """One line of printable ASCII: anything else becomes a space, runs of spaces one."""
    return " ".join("".join(c if " " <= c <= "~" else " " for c in text).split())


def subject_line(text: str) -> str:
    """A valid SNS subject: printable ASCII, one line, at most SUBJECT_MAX characters."""
    line = _printable(text)
    if len(line) > SUBJECT_MAX:
        line = line[: SUBJECT_MAX - 3].rstrip() + "..."
    return line or FALLBACK_SUBJECT


def attribute_value(value: str | None) -> str:
    """A String attribute value for filter policies: never empty, printable ASCII, bounded."""
    return _printable(value or "")[:ATTRIBUTE_VALUE_MAX] or "none"


def attributes_size(attributes: Mapping[str, str]) -> int:
    return sum(len(k) + len(ATTRIBUTE_TYPE) + len(v.encode()) for k, v in attributes.items())


def dump(value: object) -> str:
    """Compact, ASCII-only JSON: its length in characters is its size in bytes."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True)


@dataclass(frozen=True, slots=True)
class Droppable:
    """An entry of a body that may be left out: placed in `slot` if it fits, highest rank first."""

    rank: int
    order: int
    slot: list[dict[str, Any]]
    payload: dict[str, Any]


def fit_body(
    body: dict[str, Any], items: list[Droppable], hidden: int, budget: int, outer: str
) -> str:
    """`body` as JSON within `budget` bytes, with as many `items` as fit, and `"truncated": N`
    (items left out, plus `hidden` ones already left out upstream) when not all are there.

    `items`' slots must be empty lists inside `body`. Should even the body without any item be
    too large, the list `body[outer]` is emptied as a last resort.
    """
    room = budget - len(dump(body)) - len(',"truncated":') - 20
    chosen: list[Droppable] = []
    for item in sorted(items, key=lambda i: (-i.rank, i.order)):
        room -= len(dump(item.payload)) + 1
        if room < 0:
            break  # strictly by rank: nothing less severe is shown while more severe is left out
        chosen.append(item)
    while True:
        for item in items:
            item.slot.clear()
        for item in sorted(chosen, key=lambda i: i.order):
            item.slot.append(item.payload)
        left_out = len(items) - len(chosen) + hidden
        if left_out:
            body["truncated"] = left_out
        text = dump(body)
        if len(text) <= budget:
            return text
        if not chosen:
            body[outer], body["truncated"] = [], len(items) + hidden
            return dump(body)
        chosen.pop()
