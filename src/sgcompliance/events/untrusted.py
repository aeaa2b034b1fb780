"""Reading untrusted JSON-like input (Lambda events) without ever raising, and the verdict
given to input that cannot be used.

Every reader checks the exact type it expects and bounds the size of what it accepts, so a
hostile or broken event costs a few dictionary look-ups and yields `None`, never an exception.
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
