"""Reading JSON and YAML documents within limits, with errors that name the file and the
line/column (or the JSON path) of the problem.

Every document is read under the `Limits` of its kind: at most `max_bytes` of text, arrays and
objects nested at most `max_depth` levels, and at most `max_items` keys and values (the
document itself, every object key and value, every array item). A document over a limit is
refused with a `DocumentLimitError` naming the limit and how far over it the document is. The
size is checked before anything is parsed (a file is never read further than the limit + 1
byte); nesting and items are counted while YAML is composed, and over the parsed tree for JSON,
whose parser (in C) gives up on its own where Python's recursion limit is.

A snapshot can be large (200,000 rules are 70 MB of JSON, 4 million values): its bytes are let
go once decoded, and Python's cycle collector is paused while the tree is parsed and measured.

YAML is read as plain data: the safe subset, dates kept as strings, repeated keys refused, no
anchors or aliases (a few hundred bytes of nested aliases expand to billions of values), and no
tags beyond JSON's types. Numbers are those JSON can carry: an integer of more than 4,300 digits
(the longest Python converts from text) and a number that is not finite (`1e999`, `NaN`,
`.inf`) are refused, each with a message of its own.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.resolver import BaseResolver, Resolver

from sgcompliance.engine.collector import collector_paused
from sgcompliance.errors import DocumentLimitError, InputError

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What one kind of document may be: bytes of text, levels of nesting, keys and values;
    `kind` names it in the messages.

    YAML is composed in Python, 20 to 40 times slower per value than JSON is parsed: a YAML
    document holds at most `max_yaml_items` keys and values (about half a second's work)."""

    kind: str
    max_bytes: int
    max_depth: int
    max_items: int
    max_yaml_items: int = 50_000

    @property
    def yaml_items(self) -> int:
        return min(self.max_items, self.max_yaml_items)


# A policy (a file, or the S3 object the Lambda reads, itself read up to 5 MiB). Measured: a
# policy with 1,000 exemptions is 260 KiB of JSON holding 29,000 keys and values, nested 6
# levels, and is read and validated in 0.2 s (JSON) or 0.35 s (YAML).
POLICY_LIMITS = Limits("policy", 4 * MIB, 32, 50_000)
# A snapshot (`sgc scan --input`, and the documents of `sgc policy test`). Measured: `sgc
# snapshot` writes an estate of 200,000 rules as 73.4 MiB of JSON holding 4.2 million keys
# and values, nested 6 levels; the limits leave room for more than 10 times that.
SNAPSHOT_LIMITS = Limits("snapshot", 1024 * MIB, 32, 64_000_000)

# The longest integer Python converts from text (its default `int_max_str_digits`).
MAX_DIGITS = 4300
_MAX_BITS = int(MAX_DIGITS / math.log10(2))

_YAML_SUFFIXES = frozenset({".yaml", ".yml"})
_TAG = "tag:yaml.org,2002:"
# Explicit tags that name one of JSON's types ("!" is the non-specific tag of a quoted scalar).
_PLAIN_TAGS = frozenset({"!", *(_TAG + t for t in ("str", "int", "float", "bool", "null"))})
_PLAIN_TAGS |= {_TAG + "seq", _TAG + "map"}
_ALIAS_HINT = (
    "write the value out in full: a policy or snapshot has no need for YAML anchors or aliases"
)
_NUMBER_HINT = "write the value as a string, or give a number JSON can carry"
_PATH_CHARS = 100
_KEY_CHARS = 24
# libyaml's own bound on nesting, and its message when a document goes past it.
_LIBYAML_MAX_DEPTH = 1000
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"
# How many more YAML events a refusal reads to say how far over a limit the document is.
_REST_EVENTS = 200_000


class _DuplicateKeyError(Exception):
    def __init__(self, key: object) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class _BadNumber:
    """Stands in the parsed tree for a number JSON cannot carry; reported with its path."""

    problem: str


# --- the public readers ------------------------------------------------------------------------


def parse_json(text: str, source: str, limits: Limits = SNAPSHOT_LIMITS) -> object:
    """Parse JSON text within `limits`; errors name `source` and the line/column or path."""
    _check_size(_utf8_size(text), source, limits)
    return _parse_json(text, source, limits)


def parse_yaml(
    text: str,
    source: str,
    limits: Limits = SNAPSHOT_LIMITS,
    *,
    loader: type[StrictYamlLoader] | None = None,
) -> object:
    """Parse YAML text (plain data only, see the module) within `limits`; `loader`, a subclass
    of `StrictYamlLoader`, reads a dialect with tags of its own under the same limits."""
    _check_size(_utf8_size(text), source, limits)
    return _parse_yaml(text, source, limits, loader or _StrictYamlLoader)


def load_document(path: Path, limits: Limits = SNAPSHOT_LIMITS) -> object:
    """Read a .json or .yaml/.yml file (any other suffix is read as JSON) within `limits`."""
    source = str(path)
    text = read_text(path, limits)
    if path.suffix.lower() in _YAML_SUFFIXES:
        return _parse_yaml(text, source, limits)
    return _parse_json(text, source, limits)


def read_text(path: Path, limits: Limits) -> str:
    """The UTF-8 text of a file, read no further than `limits` allow."""
    data = _read_at_most(path, limits)
    try:
        # Only the text is returned: the bytes would add their size to the peak.
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"file is not UTF-8 text (byte {exc.start:,} is not)",
            source=str(path),
            hint="save the file as UTF-8",
        ) from exc


def too_large(size: int, source: str, limits: Limits, *, exact: bool = True) -> DocumentLimitError:
    """The error for a document of `size` bytes over `limits.max_bytes` (`exact=False`: at
    least that size, the rest was not read)."""
    limit = f"the limit of {limits.max_bytes:,} bytes ({_binary(limits.max_bytes)})"
    if exact:
        message = f"the {limits.kind} is {size:,} bytes: {size - limits.max_bytes:,} over {limit}"
    else:
        message = f"the {limits.kind} is more than {limits.max_bytes:,} bytes: over {limit}"
    return DocumentLimitError(
        message,
        source=source,
        hint=f"a {limits.kind} is at most {_binary(limits.max_bytes)}: split it or shorten it",
    )


def check_tree(doc: object, source: str, limits: Limits) -> None:
    """Refuse a parsed document nested deeper or holding more keys and values than `limits`
    allow, or holding a number JSON cannot carry. Walks the tree level by level (no recursion);
    only a refusal walks it again, to name the path."""
    if isinstance(doc, _BadNumber):
        raise _number_error(doc, "$", source)
    items, depth, bad = _measure(doc)
    if bad is not None:
        raise _number_error(bad, _path_to(doc, lambda v, _: v is bad), source)
    if depth > limits.max_depth:
        deepest = limits.max_depth

        def too_deep(value: object, level: int) -> bool:
            return level > deepest and isinstance(value, dict | list)

        raise _too_deep(depth, source, limits, path=_path_to(doc, too_deep))
    if items > limits.max_items:
        raise _too_many(items, source, limits)


# --- reading -----------------------------------------------------------------------------------


def _read_at_most(path: Path, limits: Limits) -> bytes:
    source = str(path)
    try:
        with path.open("rb") as handle:
            return read_within(handle, source, limits)
    except FileNotFoundError as exc:
        raise InputError("file not found", source=source, hint="check the path") from exc
    except OSError as exc:
        raise InputError(
            f"cannot read file: {exc.strerror or exc}",
            source=source,
            hint="check the path and its permissions",
        ) from exc


def read_within(handle: BinaryIO, source: str, limits: Limits) -> bytes:
    """The bytes of an open file, read no further than `limits.max_bytes` + 1; a file over the
    limit is a DocumentLimitError (a regular file one before any byte is read)."""
    status = os.fstat(handle.fileno())
    if stat.S_ISREG(status.st_mode) and status.st_size > limits.max_bytes:
        raise too_large(status.st_size, source, limits)
    data = _read_up_to(handle, limits.max_bytes + 1, status.st_size)
    if len(data) > limits.max_bytes:
        raise too_large(len(data), source, limits, exact=False)
    return data


def _read_up_to(handle: BinaryIO, most: int, expected: int) -> bytes:
    """At most `most` bytes, in chunks (`read(n)` sets n bytes aside before it reads any): the
    size the file says it has first, then a MiB at a time (a device or a pipe says 0)."""
    chunks: list[bytes] = []
    total = 0
    size = min(most, max(expected + 1, 64 * 1024))
    while total < most:
        chunk = handle.read(min(size, most - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        size = MIB
    return b"".join(chunks)


def _utf8_size(text: str) -> int:
    """The length of `text` in UTF-8, without encoding all of it at once."""
    if text.isascii():
        return len(text)
    return sum(
        len(text[i : i + MIB].encode("utf-8", "surrogatepass")) for i in range(0, len(text), MIB)
    )


def _check_size(size: int, source: str, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise too_large(size, source, limits)


# --- JSON --------------------------------------------------------------------------------------


def _parse_json(text: str, source: str, limits: Limits) -> object:
    _check_count(text, source, limits)
    # Parsing and measuring make no reference cycles: a collection while they allocate finds
    # nothing and walks the growing tree again and again (a tenth of the time of reading a
    # 66 MiB snapshot, measured).
    with collector_paused():
        doc = _parsed(text, source, limits)
        check_tree(doc, source, limits)
        if _SURROGATE_ESCAPE.search(text):
            _check_unicode(doc, source)
    return doc


def _parsed(text: str, source: str, limits: Limits) -> object:
    try:
        return _loads(text)
    except RecursionError as exc:
        raise _too_deep(_text_depth(text), source, limits) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            source=source,
            hint="fix the JSON syntax at that line and column",
        ) from exc
    except _DuplicateKeyError as exc:
        raise InputError(
            f"invalid JSON: duplicate key {_short_repr(exc.key)}",
            source=source,
            hint="remove the repeated key",
        ) from exc


# A \uD800-\uDFFF escape: JSON text may write half of a UTF-16 pair, Python keeps it as a
# lone surrogate, and no such string can be written out (hashed, logged, stored) as UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_unicode(doc: object, source: str) -> None:
    """Refuse a key or string that holds a lone surrogate, naming where."""
    stack: list[tuple[object, tuple[str | int, ...]]] = [(doc, ())]
    while stack:
        value, parts = stack.pop()
        if isinstance(value, str):
            found = _SURROGATE.search(value)
            if found:
                raise InputError(
                    f"the string holds \\u{ord(found.group()):04x}, half of a UTF-16 "
                    "surrogate pair: not a Unicode character",
                    path=_json_path_of(parts),
                    source=source,
                    hint="remove the escape, or write the character it was meant to be",
                )
        elif isinstance(value, dict):
            for key, child in value.items():
                if _SURROGATE.search(key):
                    stack.append((key, parts))
                stack.append((child, (*parts, key)))
        elif isinstance(value, list):
            stack.extend((child, (*parts, i)) for i, child in enumerate(value))


def _check_count(text: str, source: str, limits: Limits) -> None:
    """Refuse, before parsing, text that holds more keys and values than `limits` allow: what
    a parsed document holds is only counted once it is in memory, at up to 30 bytes of memory
    per byte of text (a list of small objects). Every key is followed by a colon and every
    value but the first of an array or object follows a comma, so their count outside the
    strings is a lower bound; the strings are taken out only when counting them in could go
    over the limit (a few times per second per MiB)."""
    if text.count(",") + text.count(":") + 1 <= limits.max_items:
        return
    bare = _JSON_STRING.sub("", text)
    least = bare.count(",") + bare.count(":") + 1
    if least > limits.max_items:
        raise _too_many(least, source, limits, exact=False)


def _loads(text: str) -> object:
    """The parsed text, `_BadNumber` standing for each number JSON cannot carry.

    Integers are first read by the parser itself (calling `_json_int` for each of the 400,000
    ports of a 200,000-rule snapshot took a fifth of the parse), where the interpreter refuses
    every integer `_json_int` refuses: it converts at most `int_max_str_digits` digits, which is
    then at most `MAX_DIGITS`. An integer it refuses makes the parser raise a ValueError, and
    the text is read again with `_json_int`, which says which integer and where."""
    if 0 < sys.get_int_max_str_digits() <= MAX_DIGITS:
        try:
            return json.loads(
                text,
                object_pairs_hook=_unique_keys,
                parse_float=_json_float,
                parse_constant=_json_constant,
            )
        except json.JSONDecodeError:
            raise
        except ValueError:  # an integer longer than the interpreter converts
            pass
    return json.loads(
        text,
        object_pairs_hook=_unique_keys,
        parse_int=_json_int,
        parse_float=_json_float,
        parse_constant=_json_constant,
    )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise _DuplicateKeyError(key)
        mapping[key] = value
    return mapping


def _json_int(digits: str) -> int | _BadNumber:
    count = len(digits.lstrip("-"))
    if count > MAX_DIGITS:
        return _BadNumber(_long_integer(count))
    try:
        return int(digits)
    except ValueError:  # an interpreter whose int_max_str_digits is set lower
        return _BadNumber(_long_integer(count))


def _json_float(text: str) -> float | _BadNumber:
    value = float(text)
    return value if math.isfinite(value) else _BadNumber(_not_finite(text))


def _json_constant(name: str) -> _BadNumber:
    return _BadNumber(_not_finite(name))


def _long_integer(digits: int) -> str:
    return f"an integer of {digits:,} digits: longer than the {MAX_DIGITS:,} digits read"


def _not_finite(text: str) -> str:
    return f"{_shorten(text, 24)} is not a finite number"


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def _text_depth(text: str) -> int:
    """How deep the brackets of JSON text nest (strings left out): for text the parser gave up
    on, so that the message says how deep it is."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).encode("ascii")
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


# --- the parsed tree ---------------------------------------------------------------------------


def _measure(doc: object) -> tuple[int, int, _BadNumber | None]:
    """(keys and values, depth of nesting, the first bad number) of a parsed tree. The parser
    builds plain dicts and lists, so exact types are compared: twice as fast as `isinstance`
    over the millions of values of a large snapshot."""
    items, depth, bad = 1, 0, None
    level = [doc] if type(doc) is dict or type(doc) is list else []
    while level:
        depth += 1
        below: list[Any] = []
        keep = below.append
        for node in level:
            if type(node) is dict:
                children: Any = node.values()
                items += 2 * len(node)
            else:
                children = node
                items += len(node)
            for child in children:
                kind = type(child)
                if kind is dict or kind is list:
                    keep(child)
                elif kind is _BadNumber and bad is None:
                    bad = child
        level = below
    return items, depth, bad


def _path_to(doc: object, found: Callable[[object, int], bool]) -> str:
    """The JSON path of a value (the first found, depth first) for which `found(value, depth)`
    holds; the document itself is at depth 1. Keeps one (parent, key) entry per container."""
    steps: list[tuple[int, str | int]] = [(-1, "")]
    stack: list[tuple[Any, int, int]] = [(doc, 1, 0)]
    while stack:
        value, depth, at = stack.pop()
        children: Any = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            if found(child, depth + 1):
                steps.append((at, key))
                return _json_path(steps, len(steps) - 1)
            if isinstance(child, dict | list):
                steps.append((at, key))
                stack.append((child, depth + 1, len(steps) - 1))
    return "$"


def _json_path(steps: list[tuple[int, str | int]], at: int) -> str:
    parts: list[str | int] = []
    while at > 0:
        at, key = steps[at]
        parts.append(key)
    return _json_path_of(tuple(reversed(parts)))


def _json_path_of(parts: tuple[str | int, ...]) -> str:
    """`$.a[0]["b c"]`; a long path keeps its first and last steps, whole, around `...`."""
    steps = [_step(part) for part in parts]
    if sum(map(len, steps)) < _PATH_CHARS:
        return "$" + "".join(steps)
    head: list[str] = []
    tail: list[str] = []
    for step in steps:
        if sum(map(len, head)) + len(step) > _PATH_CHARS // 2:
            break
        head.append(step)
    for step in reversed(steps[len(head) :]):
        if sum(map(len, tail)) + len(step) > _PATH_CHARS // 2:
            break
        tail.insert(0, step)
    return "$" + "".join(head) + "..." + "".join(tail)


def _step(part: str | int) -> str:
    if isinstance(part, int):
        return f"[{part}]"
    if part.isidentifier():
        return "." + _shorten(part, _KEY_CHARS)
    return f"[{_short_repr(part)}]"


# --- YAML --------------------------------------------------------------------------------------


class _RefusalError(Exception):
    """Raised while composing YAML; becomes an InputError naming the line and column."""

    def __init__(self, error: InputError) -> None:
        super().__init__(str(error))
        self.error = error


class _Events(Protocol):
    def check_event(self, *choices: type[Event]) -> bool: ...
    def peek_event(self) -> Event | None: ...
    def get_event(self) -> Event | None: ...
    def dispose(self) -> None: ...


def _events(text: str) -> _Events:
    """libyaml's parser when PyYAML was built with it (every PyYAML wheel is), else PyYAML's
    own: the same events, parsed in Python (several times slower)."""
    if yaml.__with_libyaml__:
        return yaml.cyaml.CBaseLoader(text)
    return yaml.loader.BaseLoader(text)  # pragma: no cover - used for its events only


class _StrictYamlLoader(Composer, SafeConstructor, Resolver):
    """Safe YAML, plain data only (see the module), within `limits`.

    The events come from libyaml; composition is Python's (`Composer`), so that every node
    passes `compose_node`, where anchors, aliases, tags, nesting and the number of keys and
    values are checked before the node is built. A subclass names the further tags it reads
    in `plain_tags` (and registers their constructors)."""

    plain_tags: frozenset[str] = _PLAIN_TAGS
    alias_hint: str = _ALIAS_HINT

    def __init__(self, text: str, source: str, limits: Limits) -> None:
        self._events = _events(text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.source = source
        self.limits = limits
        self.depth = 0
        self.count = 0

    def check_event(self, *choices: type[Event]) -> bool:
        return self._events.check_event(*choices)

    def peek_event(self) -> Event | None:
        return self._events.peek_event()

    def get_event(self) -> Event | None:
        return self._events.get_event()

    def dispose(self) -> None:
        self._events.dispose()

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise self._anchor_refused(f"the alias *{_shorten(str(event.anchor), 32)}", event)
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise self._anchor_refused(f"the anchor &{_shorten(str(event.anchor), 32)}", event)
        tag = getattr(event, "tag", None)
        if isinstance(event, NodeEvent) and tag is not None and tag not in self.plain_tags:
            raise _RefusalError(
                InputError(
                    f"the YAML tag {_shown_tag(str(tag))} {_at(event)} is not read: only plain "
                    "data (strings, numbers, booleans, null, lists and mappings) is",
                    source=self.source,
                    hint="remove the tag",
                )
            )
        self.count += 1
        if self.count > self.limits.yaml_items:
            # The rest is counted from this node on, which is counted already.
            counted, _, complete = self._rest()
            total = self.count - 1 + counted
            raise _RefusalError(
                _too_many(total, self.source, self.limits, exact=complete, yaml=True)
            )
        if not isinstance(event, SequenceStartEvent | MappingStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > self.limits.max_depth:
            assert event is not None
            where = _at(event)
            _, deepest, complete = self._rest()
            depth = self.depth - 1 + deepest
            raise _RefusalError(
                _too_deep(depth, self.source, self.limits, where=where, exact=complete)
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _anchor_refused(self, what: str, event: NodeEvent) -> _RefusalError:
        return _RefusalError(
            InputError(
                f"YAML anchors and aliases are not read (found {what} {_at(event)})",
                source=self.source,
                hint=self.alias_hint,
            )
        )

    def _rest(self) -> tuple[int, int, bool]:
        """(keys and values, deepest nesting relative to here, whether the end was reached)
        of the events left in the document, read without composing them (at most
        `_REST_EVENTS`), so that a refusal can say how far over a limit the document is."""
        count = depth = deepest = 0
        next_event = self._events.get_event
        starts, ends = (SequenceStartEvent, MappingStartEvent), (SequenceEndEvent, MappingEndEvent)
        try:
            for _ in range(_REST_EVENTS):
                event = next_event()
                if isinstance(event, DocumentEndEvent | StreamEndEvent):
                    return count, deepest, True
                if isinstance(event, starts):
                    depth += 1
                    deepest = max(deepest, depth)
                elif isinstance(event, ends):
                    depth -= 1
                    continue
                count += 1
        except yaml.YAMLError:  # what follows is broken (or nests past libyaml's 1,000)
            pass
        return count, deepest, False


def _construct_mapping(loader: _StrictYamlLoader, node: Node) -> dict[Any, Any]:
    assert isinstance(node, MappingNode)
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found a list or mapping used as a key",
                key_node.start_mark,
            )
        if key in mapping:
            raise ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {_short_repr(key)}",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_int(loader: _StrictYamlLoader, node: Node) -> int:
    assert isinstance(node, ScalarNode)
    text = str(node.value)
    digits = len(text) if len(text) <= MAX_DIGITS else sum(c.isdigit() for c in text)
    if digits > MAX_DIGITS:
        raise _RefusalError(
            InputError(
                f"an integer of {digits:,} digits {_at(node)}: longer than the "
                f"{MAX_DIGITS:,} digits read",
                source=loader.source,
                hint=_NUMBER_HINT,
            )
        )
    value: int = loader.construct_yaml_int(node)
    if value.bit_length() > _MAX_BITS:  # 0x..., 0o..., 0b...: few digits, a long number
        raise _RefusalError(
            InputError(
                f"an integer of {_decimal_digits(value):,} digits {_at(node)}: longer than "
                f"the {MAX_DIGITS:,} digits read",
                source=loader.source,
                hint=_NUMBER_HINT,
            )
        )
    return value


def _decimal_digits(value: int) -> int:
    """About how many decimal digits `value` has (without printing it)."""
    return int(abs(value).bit_length() * math.log10(2)) + 1


def _construct_float(loader: _StrictYamlLoader, node: Node) -> float:
    assert isinstance(node, ScalarNode)
    value: float = loader.construct_yaml_float(node)
    if not math.isfinite(value):
        raise _RefusalError(
            InputError(
                f"{_shorten(str(node.value), 24)} {_at(node)} is not a finite number",
                source=loader.source,
                hint=_NUMBER_HINT,
            )
        )
    return value


# Without the timestamp resolver, `expires: 2026-12-31` stays the string a JSON document has.
_StrictYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TAG + "timestamp"]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}
yaml.add_constructor(BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping, Loader=_StrictYamlLoader)
yaml.add_constructor(_TAG + "int", _construct_int, Loader=_StrictYamlLoader)
yaml.add_constructor(_TAG + "float", _construct_float, Loader=_StrictYamlLoader)


StrictYamlLoader = _StrictYamlLoader


def _parse_yaml(
    text: str, source: str, limits: Limits, loader_class: type[StrictYamlLoader] = _StrictYamlLoader
) -> object:
    try:
        loader = loader_class(text, source, limits)
    except UnicodeEncodeError as exc:
        raise InputError(
            f"the text holds a character UTF-8 cannot encode (at character {exc.start:,})",
            source=source,
            hint="save the document as UTF-8 text",
        ) from exc
    try:
        return loader.get_single_data()
    except _RefusalError as exc:
        raise exc.error from None
    except RecursionError as exc:  # not reached within max_depth; kept as a last guard
        raise _too_deep(limits.max_depth + 1, source, limits) from exc
    except yaml.reader.ReaderError as exc:
        raise InputError(
            f"invalid YAML {_reader_position(text, exc.position)}: {exc.reason} "
            f"(character {_codepoint(exc.character)})",
            source=source,
            hint="remove the character, or write it as an escape in a double-quoted string",
        ) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        if problem == _LIBYAML_TOO_DEEP:
            # libyaml reads flow collections ahead, and stops at 1,000 levels itself.
            deepest = _LIBYAML_MAX_DEPTH
            raise _too_deep(deepest, source, limits, where=where.strip(), exact=False) from exc
        raise InputError(
            f"invalid YAML{where}: {_shorten(problem, 200)}",
            source=source,
            hint="fix the YAML syntax at that line and column",
        ) from exc
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {_shorten(str(exc), 200)}", source=source) from exc
    finally:
        loader.dispose()


def _at(item: NodeEvent | Node) -> str:
    mark = item.start_mark
    return f"at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _reader_position(text: str, position: int) -> str:
    """`at line L, column C` for libyaml's reader position (a byte offset in UTF-8)."""
    before = text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "replace")
    line = before.count("\n") + 1
    return f"at line {line}, column {len(before) - before.rfind(chr(10))}"


def _codepoint(character: object) -> str:
    if isinstance(character, int):
        return f"#x{character:04x}"
    if isinstance(character, str) and len(character) == 1:
        return f"#x{ord(character):04x}"
    return repr(character)


def _shown_tag(tag: str) -> str:
    return _shorten("!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag, 40)


# --- messages ----------------------------------------------------------------------------------


def _too_deep(
    depth: int,
    source: str,
    limits: Limits,
    *,
    path: str = "$",
    where: str = "",
    exact: bool = True,
) -> DocumentLimitError:
    least = "" if exact else "at least "
    at = f" ({where})" if where else ""
    return DocumentLimitError(
        f"the {limits.kind} is nested too deeply: {least}{depth:,} levels, "
        f"{least}{depth - limits.max_depth:,} over the limit of {limits.max_depth}{at}",
        path=path,
        source=source,
        hint=f"a {limits.kind} nests arrays and objects at most {limits.max_depth} levels deep",
    )


def _too_many(
    items: int, source: str, limits: Limits, *, exact: bool = True, yaml: bool = False
) -> DocumentLimitError:
    least = "" if exact else "at least "
    most = limits.yaml_items if yaml else limits.max_items
    hint = f"a {limits.kind} holds at most {most:,} keys and values: split it"
    limit = f"the limit of {most:,}"
    if most < limits.max_items:
        limit += f" in YAML ({limits.max_items:,} in JSON)"
        hint = f"write the {limits.kind} as JSON, or split it"
    return DocumentLimitError(
        f"the {limits.kind} holds {least}{items:,} keys and values: {least}{items - most:,} "
        f"over {limit}",
        source=source,
        hint=hint,
    )


def _number_error(bad: _BadNumber, path: str, source: str) -> InputError:
    return InputError(bad.problem, path=path, source=source, hint=_NUMBER_HINT)


def _binary(size: int) -> str:
    """1 GiB, 4 MiB, or the bytes."""
    if size % MIB == 0:
        mib = size // MIB
        return f"{mib // 1024} GiB" if mib % 1024 == 0 else f"{mib} MiB"
    return f"{size:,} bytes"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _short_repr(value: object) -> str:
    """A value for a message: a string quoted and shortened; anything else by its repr when
    that is short, else by its type."""
    if isinstance(value, str):
        return repr(_shorten(value, 2 * _KEY_CHARS))
    try:
        shown = repr(value)
    except ValueError:  # an integer too long to print
        return type(value).__name__
    return shown if len(shown) <= 2 * _KEY_CHARS else type(value).__name__
