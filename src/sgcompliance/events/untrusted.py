"""Reading untrusted JSON-like input (Lambda events) without ever raising, and the verdict
given to input that cannot be used.

Every reader checks the exact type it expects and bounds the size of what it accepts, so a
hostile or broken event costs a few dictionary look-ups and yields `None`, never an exception.
What is kept whole (the CloudTrail record of an accepted event) is measured by `oversize`: at
most `MAX_DEPTH` levels of nesting, `MAX_EVENT_ITEMS` values and `MAX_EVENT_BYTES` as JSON,
Lambda's own payload limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

ACCOUNT_ID = re.compile(r"\d{12}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
GROUP_ID = re.compile(r"sg-[0-9a-f]{8,17}")
RULE_ID = re.compile(r"sgr-[0-9a-f]{8,17}")
# Longer strings than this are never identifiers, times or names we act on.
MAX_TEXT = 2048
# More items than this in one list of an event is not a real API call.
MAX_ITEMS = 1000
# Lambda accepts at most 6 MB in one (synchronous) invocation, an SQS batch included: no real
# event is larger as JSON.
MAX_EVENT_BYTES = 6 * 1024 * 1024
# CloudTrail records nest about 10 levels (detail.requestParameters.ipPermissions.items[]...).
MAX_DEPTH = 32
# A CloudTrail record of a security-group call holds a few hundred values; one that lists a
# thousand rules, a few thousand.
MAX_EVENT_ITEMS = 100_000


class RejectCode(StrEnum):
    """Why an input was refused; stable values, used as a metric dimension."""

    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_SHAPE = "unknown_shape"
    UNSUPPORTED_SOURCE = "unsupported_source"
    UNSUPPORTED_DETAIL_TYPE = "unsupported_detail_type"
    UNSUPPORTED_EVENT_NAME = "unsupported_event_name"
    MALFORMED_EVENT = "malformed_event"
    MISSING_ACCOUNT = "missing_account"
    ACCOUNT_MISMATCH = "account_mismatch"
    MALFORMED_RECORD = "malformed_record"
    BAD_OPERATOR_ACTION = "bad_operator_action"
    TOO_LARGE = "too_large"
    PARSER_FAULT = "parser_fault"


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input that is not acted on; `message` is safe to log (it never echoes whole values)."""

    reason_code: RejectCode
    message: str


def at(value: object, *path: str) -> object:
    """The value at `path` through nested dicts, or None when any step is missing."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def text_at(value: object, *path: str, limit: int = MAX_TEXT) -> str | None:
    """A non-empty string of at most `limit` characters at `path`, else None."""
    found = at(value, *path)
    if isinstance(found, str) and 0 < len(found) <= limit:
        return found
    return None


def matching(pattern: re.Pattern[str], value: object) -> str | None:
    """`value` when it is a string fully matching `pattern` (and short enough), else None."""
    if isinstance(value, str) and len(value) <= MAX_TEXT and pattern.fullmatch(value):
        return value
    return None


def dicts_in(value: object) -> Iterator[dict[object, object]]:
    """The dict items of a list (bounded), or the value itself when it is a single dict."""
    if isinstance(value, dict):
        yield value
    elif isinstance(value, list):
        for item in value[:MAX_ITEMS]:
            if isinstance(item, dict):
                yield item


def aware_time(value: object) -> datetime | None:
    """An ISO 8601 timestamp with a UTC offset (CloudTrail's `2026-11-27T10:00:00Z`), else None."""
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def describe(value: object) -> str:
    """The JSON type of a value, for error messages that must not echo the value itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def quoted(value: str, limit: int = 64) -> str:
    """A short, quoted excerpt of a string for an error message."""
    shown = value if len(value) <= limit else value[:limit] + "..."
    return repr(shown)


def shown(value: object) -> str:
    """A string value quoted (shortened), any other value by its JSON type only."""
    return quoted(value) if isinstance(value, str) else describe(value)


def oversize(
    value: object,
    *,
    max_depth: int = MAX_DEPTH,
    max_bytes: int = MAX_EVENT_BYTES,
    max_items: int = MAX_EVENT_ITEMS,
) -> str | None:
    """Why `value` is over the bounds (arrays and objects nested deeper than `max_depth`, more
    than `max_items` values, or larger than `max_bytes` as JSON text, about), or None.

    Walked with an explicit stack, and no further than `max_items` values or twice the size
    limit: a value built in-process can hold the same list a billion times over."""
    size = deepest = items = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack and items <= max_items and size <= 2 * max_bytes:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            items += len(item)
            size += 2 + len(item)
            for key, child in item.items():
                size += _scalar_size(key) + 1
                if isinstance(child, dict | list):
                    stack.append((child, depth + 1))
                else:
                    size += _scalar_size(child)
        elif isinstance(item, list):
            items += len(item)
            size += 2 + len(item)
            for child in item:
                if isinstance(child, dict | list):
                    stack.append((child, depth + 1))
                else:
                    size += _scalar_size(child)
        else:
            size += _scalar_size(item)
    walked = not stack
    if deepest > max_depth:
        levels = f"{deepest:,} levels" if walked else f"at least {deepest:,} levels"
        return f"nested too deeply: {levels}, {deepest - max_depth:,} over the limit of {max_depth}"
    if items > max_items:
        return f"holds more than {max_items:,} values: over the limit of {max_items:,}"
    if size > max_bytes:
        about = f"about {size:,} bytes" if walked else f"more than {2 * max_bytes:,} bytes"
        over = f"{size - max_bytes:,} over " if walked else "over "
        return f"{about} as JSON: {over}the limit of {max_bytes:,} bytes ({_mib(max_bytes)})"
    return None


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB"


def _scalar_size(value: object) -> int:
    """About the length of a scalar as JSON text (an integer by its bits, never printed)."""
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() * 3 // 10 + 2
    return 24
