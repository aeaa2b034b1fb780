"""Indented JSON, byte for byte as `json.dumps(value, indent=2, sort_keys=True,
ensure_ascii=True)` writes it, written by orjson: the standard library writes indented JSON in
Python (1.5 s for the records of 59,000 findings), orjson in C (0.17 s).

orjson's `OPT_INDENT_2 | OPT_SORT_KEYS` gives the standard library's layout, key order and
escapes of ASCII text (tests/unit/report/test_json_text.py holds it to that). Where it differs,
this module makes up the difference:

- non-ASCII text comes out as UTF-8, and DEL as it is: each such character is escaped here as
  the standard library escapes it (`\\u00e9`, `\\u007f`; a surrogate pair beyond the BMP,
  lower-case hex);
- a lone surrogate, an integer beyond 64 bits or a key that is not a string are refused by
  orjson: a value holding one is written by the standard library;
- a float is written by orjson's rules (`1e-7` where Python writes `1e-07`, NaN as null): the
  report records hold none.

A long array (the findings of a report) is written a batch of items at a time, so that neither
its records nor one copy of its text need to be in memory all at once.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import orjson

_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
# The ASCII encoder finds the non-ASCII runs in C and hands each to this error handler: a
# regular expression looking for them took ten times as long.
_ESCAPES = "sgcompliance.json-escapes"
# A call to orjson costs about 5 us, twice what writing one finding takes: items go in batches.
BATCH = 256


def indented(value: Any) -> bytes:
    """`value` as indented JSON text, ASCII only, without a final newline."""
    try:
        text = orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=True).encode("ascii")
    if not text.isascii():
        text = _escaped(text)
    # A raw DEL byte can only be inside a string.
    return text.replace(b"\x7f", b"\\u007f") if b"\x7f" in text else text


def with_items(
    document: dict[str, Any], key: str, depth: int, items: Iterable[Any]
) -> Iterator[bytes]:
    """The text of `document`, whose `key` holds an empty list standing for `items`, in pieces:
    the same bytes as `indented` of the document with the list filled in. `depth` is how deep
    the object holding `key` is (1 for the document's own keys)."""
    text = indented(document)
    marker = b"\n" + b"  " * depth + indented(key) + b": []"
    # A raw line break is always between two values, never inside a string: the key, at its
    # indentation, marks the one place the items go.
    if text.count(marker) != 1:
        raise ValueError(f"{key!r} at depth {depth} is not one empty list of the document")
    head, _, tail = text.partition(marker)
    yield head + marker[:-2]
    yield from array(items, depth)
    yield tail


def array(items: Iterable[Any], depth: int = 0) -> Iterator[bytes]:
    """`items` as the list `indented` writes `depth` levels deep (0: the document), in pieces."""
    indent = b"  " * depth
    written = False
    yield b"["
    for batch in _batches(items):
        # `[\n  item,\n  item\n]`: the items, each line moved to where the list is.
        body = indented(batch)[1:-2]
        if depth:
            body = body.replace(b"\n", b"\n" + indent)
        yield b"," + body if written else body
        written = True
    yield b"\n" + indent + b"]" if written else b"]"


def _batches(items: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _escaped(text: bytes) -> bytes:
    return text.decode("utf-8").encode("ascii", _ESCAPES)


def _escape(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(map(_escape_char, error.object[error.start : error.end])), error.end


def _escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}"


codecs.register_error(_ESCAPES, _escape)
