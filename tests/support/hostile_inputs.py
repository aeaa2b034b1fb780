"""Bad inputs, generated and mutated from valid ones, by class (tests only).

Every generator takes a seeded `random.Random` and yields `(shape, payload)` pairs: `shape` is
the class of bad input (one of `SHAPES`: the rows of the table in docs/reliability.md) and
`payload` what the reader is given: text (`str`), bytes, a `Sparse` file, or, for what the
Lambda is invoked with, the value itself. Text is made from valid seed documents, so that most
inputs get past the first check and reach the deeper parts of each reader.

- `document_inputs(rng, seeds, fmt, limits)`: JSON or YAML text of a document kind.
- `value_inputs(rng, seeds)`: in-process values (events, operator requests).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import yaml

from sgcompliance.sources.documents import Limits

VALID = "valid document"
ALIAS = "YAML alias bomb"
SHARED = "shared references (in-process)"
DEEP = "deep nesting"
OVERSIZE = "oversize"
MANY = "many values"
HUGE_INT = "huge integer"
HUGE_NUMBER = "huge or non-finite number"
HUGE_STRING = "huge string"
WRONG_TYPE = "wrong type"
TRUNCATED = "truncated text"
MUTATED = "mutated text"
CONTROL = "control characters"
UNICODE = "unicode"
NOT_UTF8 = "not UTF-8"
DUPLICATE = "repeated key"
YAML_ONLY = "YAML tags, directives, documents"
EMPTY = "empty or scalar document"
RANDOM = "random value"
SHAPES = (
    VALID, ALIAS, SHARED, DEEP, OVERSIZE, MANY, HUGE_INT, HUGE_NUMBER, HUGE_STRING, WRONG_TYPE,
    TRUNCATED, MUTATED, CONTROL, UNICODE, NOT_UTF8, DUPLICATE, YAML_ONLY, EMPTY, RANDOM,
)  # fmt: skip

Payload = Any
Shaped = tuple[str, Payload]


@dataclass(frozen=True, slots=True)
class Sparse:
    """A file of `size` bytes that is all zeros after `head` (made with truncate: no disk)."""

    size: int
    head: bytes = b""


# --- hostile values ----------------------------------------------------------------------------

CONTROL_TEXT = [
    "\x00", "\x01", "\x07", "\x08", "\t", "\n", "\r", "\x0b", "\x0c", "\x1b[31mred\x1b[0m",
    "\x1f", "\x7f", "\x85", "\u2028", "\u2029", "a\x00b", "\r\n\r\n",
]  # fmt: skip
UNICODE_TEXT = [
    "\u202eevil\u202c", "\u200b", "\ufeff", "é漢字🙂", "e\u0301", "\U0001f600" * 50,
    "\ud800", "\udfff", "\ud83d", "Ω≈ç√∫", "\uffff", "\U0010ffff", "\uff53\uff47\uff0d\uff11",
]  # fmt: skip
WRONG_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, -0.0, "", "x", "0", "true", "null", [], {}, [None], {"": None},
    [[[]]], {"a": {"b": {"c": {}}}}, ["x"] * 50, {str(i): i for i in range(50)},
    "0.0.0.0/0", "::/0", "sg-0", "sgr-0", "-1", "65536", "1e3", "2026-13-45",
]  # fmt: skip
EMPTY_TEXTS = [
    "", " ", "\n", "\t\n ", "null", "~", "0", "-1", "1.5", "true", "[]", "{}", '""', '"x"', "[{}]",
    "[null]", "# a comment only\n", "---\n", "...\n",
]  # fmt: skip
YAML_EXTRAS = [
    "!!python/object/apply:os.system ['true']\n",
    "a: !!python/name:os.system\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !!omap [{x: 1}, {y: 2}]\n",
    "a: !!pairs [{x: 1}]\n",
    "a: !!timestamp 2026-12-31\n",
    "a: !custom x\n",
    "a: !!str 5\nb: !!int '7'\nc: !!float '1.5'\n",
    "%YAML 9.9\n---\na: 1\n",
    "%YAML 1.1\n%YAML 1.1\n---\na: 1\n",
    "%TAG ! tag:example.com,2000:\n---\na: !x 1\n",
    "---\na: 1\n---\nb: 2\n",
    "a: 1\n...\n---\nb: 2\n",
    "<<: {a: 1}\nb: 2\n",
    "? [a, b]\n: c\n",
    "? {a: b}\n: c\n",
    "1: one\ntrue: yes\n~: null\n1.5: x\n",
    "a:\n\t- tab\n",
    "a: b: c\n",
    "- a\nb: c\n",
    "a: 'unterminated\n",
    'a: "\\x00\\uD800"\n',
    "a: |\n  literal\n  block\n",
    "a: >-\n  folded\n",
    "a: @reserved\n",
    "a: `reserved\n",
    "[a, b]: c\n",
    "a: [1, 2\n",
    "a: {b: 1, b: 2}\n",
]


def hostile_value(rng: random.Random) -> Any:
    """One value of another type or content than a document expects."""
    pick = rng.randrange(5)
    if pick == 0:
        return rng.choice(CONTROL_TEXT)
    if pick == 1:
        return rng.choice(UNICODE_TEXT)
    if pick == 2:
        return random_value(rng, rng.randrange(1, 12))
    return copy.deepcopy(rng.choice(WRONG_VALUES))


def random_value(rng: random.Random, leaves: int) -> Any:
    """A random JSON value with about `leaves` scalars."""
    if leaves <= 1:
        return rng.choice(
            [
                None,
                rng.random() < 0.5,
                rng.randint(-(2**40), 2**40),
                rng.uniform(-1e6, 1e6),
                random_text(rng, rng.randrange(12)),
            ]
        )
    parts = rng.randint(1, leaves)
    items = [random_value(rng, leaves // parts) for _ in range(parts)]
    if rng.random() < 0.5:
        return items
    return {random_text(rng, rng.randrange(1, 10)): item for item in items}


def random_text(rng: random.Random, length: int) -> str:
    alphabet = "abcxyz019 -_.:/\"'\\{}[],#&*!|>%@`?\n\t" + "é漢🙂\x00\x1b\u202e"
    return "".join(rng.choice(alphabet) for _ in range(length))


# --- paths in a parsed document ----------------------------------------------------------------


def paths_in(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a document (the document itself excluded)."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += paths_in(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += paths_in(value, (*prefix, index))
    return found


def replaced_at(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of `doc` with the value at `path` replaced (the document itself for `()`)."""
    if not path:
        return value
    changed = copy.deepcopy(doc)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return changed


def somewhere(rng: random.Random, doc: Any, value: Any) -> Any:
    """`doc` with `value` at a random place: replacing a value, or under a new key."""
    paths = paths_in(doc)
    if isinstance(doc, dict) and (not paths or rng.random() < 0.3):
        changed = copy.deepcopy(doc)
        changed[rng.choice(["extra", "description", "x", "Tags", "detail"])] = value
        return changed
    return replaced_at(doc, rng.choice(paths) if paths else (), value)


# --- text --------------------------------------------------------------------------------------


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - the dumper's signature
        return True


def dump(doc: Any, fmt: str, rng: random.Random | None = None) -> str:
    """JSON, or YAML in block or flow style, without anchors."""
    if fmt == "json":
        return json.dumps(doc, indent=rng.choice([None, 2]) if rng else None)
    flow = rng.choice([False, None, True]) if rng else False
    text: str = yaml.dump(
        doc, Dumper=_NoAliases, default_flow_style=flow, allow_unicode=True, sort_keys=False
    )
    return text


PLACEHOLDER = "__SGC_PLACEHOLDER__"


def with_raw(rng: random.Random, seed: Any, fmt: str, raw: str) -> str:
    """The seed as text with `raw` (text the dumper would never write) at a random place."""
    text = dump(somewhere(rng, seed, PLACEHOLDER), fmt, rng)
    quoted = json.dumps(PLACEHOLDER)
    return text.replace(quoted, raw) if quoted in text else text.replace(PLACEHOLDER, raw)


def alias_bombs(rng: random.Random) -> str:
    """A YAML alias bomb of one of several shapes (or another use of anchors and aliases)."""
    levels, width = rng.randint(2, 12), rng.randint(2, 20)
    names = [f"{rng.choice(['a', 'lol', 'x_', 'anchor'])}{i}" for i in range(levels)]
    shape = rng.randrange(9)
    if shape == 0:  # lists of aliases of lists
        lines = [f"{names[0]}: &{names[0]} [" + ",".join(['"lol"'] * width) + "]"]
        lines += [f"{n}: &{n} [" + ",".join([f"*{p}"] * width) + "]" for p, n in pairwise(names)]
        return "\n".join(lines) + "\n"
    if shape == 1:  # mappings of aliases of mappings
        lines = [f"{names[0]}: &{names[0]} {{" + ", ".join(f"k{i}: x" for i in range(width)) + "}"]
        lines += [
            f"{n}: &{n} {{" + ", ".join(f"k{i}: *{p}" for i in range(width)) + "}"
            for p, n in pairwise(names)
        ]
        return "\n".join(lines) + "\n"
    if shape == 2:  # block style
        out = [f"{names[0]}: &{names[0]}"] + ["  - lol"] * width
        for p, n in pairwise(names):
            out += [f"{n}: &{n}"] + [f"  - *{p}"] * width
        return "\n".join(out) + "\n"
    if shape == 3:  # a recursive alias
        return rng.choice(["a: &a [*a]\n", "&a [*a, *a]\n", "a: &a {b: *a}\n", "&x\n- *x\n"])
    if shape == 4:  # merge keys
        return (
            "base: &base {a: 1, b: 2}\n"
            + "".join(f"m{i}: &m{i} {{<<: [*base], c{i}: {i}}}\n" for i in range(width))
            + "all: {<<: ["
            + ", ".join(f"*m{i}" for i in range(width))
            + "]}\n"
        )
    if shape == 5:  # an alias as a key, an undefined alias
        return rng.choice(["a: &k key\n? *k\n: 1\n", "a: *undefined\n", "? &k [1]\n: *k\n"])
    if shape == 6:  # one anchor, aliased many times
        return "a: &x value\nb: [" + ", ".join(["*x"] * (width * 500)) + "]\n"
    if shape == 7:  # anchors in JSON-looking flow text
        return '{"a": &x [1, 2], "b": *x, "c": [*x, *x]}\n'
    long_name = "n" * rng.choice([1, 100, 10_000])
    return f"a: &{long_name} [1]\nb: *{long_name}\n"


def nested(rng: random.Random, depth: int, fmt: str) -> str:
    """Text nested `depth` levels deep, closed or not."""
    closed = rng.random() < 0.8
    style = rng.randrange(4)
    if fmt == "yaml" and style == 3 and depth <= 400:  # block mappings, indented
        return "".join("  " * i + "a:\n" for i in range(depth)) + "  " * depth + "x\n"
    if fmt == "yaml" and style == 2:  # block sequences on one line
        return "- " * depth + "x\n"
    if style == 1:
        return '{"a":' * depth + "1" + ("}" * depth if closed else "")
    return "[" * depth + ("]" * depth if closed else "")


def depths(limits: Limits) -> list[int]:
    top = limits.max_depth
    return [top - 1, top, top + 1, top + 2, 2 * top, 999, 1000, 1001, 5000, 100_000]


def huge_integers(fmt: str) -> list[str]:
    found = [
        "9" * 4300, "9" * 4301, "-" + "9" * 5000, "1" + "0" * 50_000, "7" * 300_000,
        "1" * 4299, "0" * 4301,
    ]  # fmt: skip
    if fmt == "yaml":
        found += [
            "0x" + "f" * 5000, "0o" + "7" * 5000, "0b" + "1" * 20_000, "1" + "_000" * 3000,
            "1" + ":59" * 3000, "+" + "9" * 5000,
        ]  # fmt: skip
    return found


def huge_numbers(fmt: str) -> list[str]:
    found = ["1e999", "-1e999", "1e308", "1.8e308", "1e-99999", "0." + "0" * 5000 + "1"]
    found += ["1e" + "9" * 5000, "1." + "5" * 100_000, "-0.0", "4.9e-324"]
    if fmt == "json":
        found += ["NaN", "Infinity", "-Infinity"]
    else:
        found += [".inf", "-.inf", ".nan", ".NaN", "+.inf"]
    return found


def mutated(rng: random.Random, text: str) -> str:
    """`text` with a few random edits: characters changed, inserted, deleted or repeated."""
    chars = list(text)
    for _ in range(rng.randint(1, 8)):
        chars = chars or [" "]
        at = rng.randrange(len(chars))
        edit = rng.randrange(4)
        if edit == 0:
            chars[at] = rng.choice("{}[]\",:'&*!|>-#%@`? \n\t\\0a\x00é")
        elif edit == 1:
            chars.insert(at, rng.choice('{}[]",:&*!-#\n\\'))
        elif edit == 2 and len(chars) > 1:
            del chars[at : at + rng.randint(1, 20)]
        else:
            span = chars[at : at + rng.randint(1, 40)]
            chars[at:at] = span * rng.randint(1, 5)
    return "".join(chars)


def not_utf8(rng: random.Random, text: str) -> bytes:
    data = text.encode("utf-8")
    pick = rng.randrange(6)
    if pick == 0:
        return text.encode("utf-16")
    if pick == 1:
        return text.encode("latin-1", "replace") + b"\xe9\xff"
    if pick == 2:
        return data[:-1] + b"\xc3"
    if pick == 3:
        at = rng.randrange(len(data) + 1)
        return data[:at] + bytes([rng.randrange(0x80, 0x100)]) + data[at:]
    if pick == 4:
        return "\ud800".encode("utf-8", "surrogatepass") + data
    return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))


def repeated_key(rng: random.Random, seed: Any, fmt: str) -> str:
    if not isinstance(seed, dict) or not seed:
        return '{"a": 1, "a": 2}' if fmt == "json" else "a: 1\na: 2\n"
    key = rng.choice(list(seed))
    text = dump(seed, "json")
    dup = json.dumps(key) + ": " + json.dumps(seed[key]) + ", "
    doubled = "{" + dup + text[1:]
    if fmt == "json":
        return doubled
    return dump(seed, "yaml") + f"{key}: again\n"


# --- the generators ----------------------------------------------------------------------------


def document_inputs(
    rng: random.Random, seeds: list[Any], fmt: str, limits: Limits
) -> Iterator[Shaped]:
    """Text of one kind of document (`fmt`: "json" or "yaml"), shape after shape, forever."""
    makers: list[tuple[str, Callable[[Any], Payload]]] = [
        (VALID, lambda s: dump(s, fmt, rng)),
        (WRONG_TYPE, lambda s: dump(somewhere(rng, s, hostile_value(rng)), fmt, rng)),
        (DEEP, lambda s: _deep(rng, s, fmt, limits)),
        (HUGE_INT, lambda s: with_raw(rng, s, fmt, rng.choice(huge_integers(fmt)))),
        (HUGE_NUMBER, lambda s: with_raw(rng, s, fmt, rng.choice(huge_numbers(fmt)))),
        (HUGE_STRING, lambda s: _huge_string(rng, s, fmt, limits)),
        (OVERSIZE, lambda s: _oversize(rng, s, fmt, limits)),
        (MANY, lambda s: _many(rng, s, fmt, limits)),
        (TRUNCATED, lambda s: _truncated(rng, dump(s, fmt, rng))),
        (MUTATED, lambda s: mutated(rng, dump(s, fmt, rng))),
        (CONTROL, lambda s: _control(rng, s, fmt)),
        (UNICODE, lambda s: _unicode(rng, s, fmt)),
        (NOT_UTF8, lambda s: not_utf8(rng, dump(s, fmt, rng))),
        (DUPLICATE, lambda s: repeated_key(rng, s, fmt)),
        (EMPTY, lambda s: rng.choice(EMPTY_TEXTS)),
        (RANDOM, lambda s: dump(random_value(rng, rng.randrange(1, 60)), fmt, rng)),
    ]
    if fmt == "yaml":
        makers += [
            (ALIAS, lambda s: _alias_in(rng, s)),
            (ALIAS, lambda s: alias_bombs(rng)),
            (YAML_ONLY, lambda s: rng.choice(YAML_EXTRAS)),
        ]
    while True:
        for shape, make in makers:
            yield shape, make(copy.deepcopy(rng.choice(seeds)))


def _deep(rng: random.Random, seed: Any, fmt: str, limits: Limits) -> str:
    depth = rng.choice(depths(limits))
    if rng.random() < 0.5:
        return nested(rng, depth, fmt)
    inner = "[" * depth + "]" * depth if depth < 2000 or fmt == "json" else "[" * depth
    return with_raw(rng, seed, "json" if fmt == "json" else "yaml", inner)


def _huge_string(rng: random.Random, seed: Any, fmt: str, limits: Limits) -> str:
    """A long string as a value or a key (written as a JSON string: YAML reads it the same,
    and PyYAML's emitter would take seconds to write it)."""
    size = rng.choice([10_000, 1_000_000, min(limits.max_bytes // 2, 8_000_000)])
    value = json.dumps(rng.choice(["B", "é", "\\", '"', "\n", "{"]) * size, ensure_ascii=False)
    if rng.random() < 0.3 and isinstance(seed, dict):
        if fmt == "json":
            return "{" + value + ": 1, " + dump(seed, fmt)[1:]  # a huge key
        return dump(seed, fmt) + value + ": 1\n"
    return with_raw(rng, seed, fmt, value)


def _oversize(rng: random.Random, seed: Any, fmt: str, limits: Limits) -> Payload:
    """Just over the size limit: filled with spaces or in a string; or a sparse file."""
    if limits.max_bytes > 16_000_000:
        head = dump(seed, fmt).encode()
        return Sparse(limits.max_bytes + rng.choice([1, 1000, 10**6]), head)
    text = dump(seed, fmt)
    over = limits.max_bytes + rng.choice([1, 2, 100, 4096]) - len(text.encode())
    if rng.random() < 0.5:
        return text + " " * over
    inside = with_raw(rng, seed, fmt, json.dumps("x"))
    # the one-character string grown to take the text just past the limit
    return inside.replace('"x"', json.dumps("x" * (over + len(text) - len(inside) + 1)), 1)


def _many(rng: random.Random, seed: Any, fmt: str, limits: Limits) -> str:
    """A list of values around the limit on keys and values (most within the size limit),
    under a new key or in place of a scalar: one misplaced value, however long.

    (In place of a document's own list it makes one problem per item for the policy
    validator: tests/fuzz/test_fuzz_campaign.py measures that shape on its own.)"""
    if rng.random() < 0.6:
        count = rng.choice([100, 1000, 10_000])
    else:  # at the limit (of YAML when that is lower), up to half a million
        most = limits.max_yaml_items if fmt == "yaml" else limits.max_items
        count = min(most, limits.max_items, 500_000) + rng.choice([-100, 1, 1000, 50_000])
    item = rng.choice(["1", "0", '"x"', "null", "{}", "[]", "true", '{"id": 5}'])
    flow = "[" + ",".join([item] * max(count, 1)) + "]"
    scalars = [p for p in paths_in(seed) if not isinstance(_at(seed, p), dict | list)]
    if isinstance(seed, dict) and (not scalars or rng.random() < 0.5):
        seed["extra"] = PLACEHOLDER
        text = dump(seed, fmt, rng)
    else:
        text = dump(replaced_at(seed, rng.choice(scalars), PLACEHOLDER), fmt, rng)
    quoted = json.dumps(PLACEHOLDER)
    return text.replace(quoted, flow) if quoted in text else text.replace(PLACEHOLDER, flow)


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _truncated(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


def _control(rng: random.Random, seed: Any, fmt: str) -> str:
    raw = rng.choice(CONTROL_TEXT)
    if rng.random() < 0.5:
        return dump(somewhere(rng, seed, raw), fmt, rng)  # escaped by the dumper
    text = dump(seed, fmt, rng)
    at = rng.randrange(len(text) + 1)
    return text[:at] + raw + text[at:]  # raw, anywhere


def _unicode(rng: random.Random, seed: Any, fmt: str) -> str:
    value = rng.choice(UNICODE_TEXT)
    if rng.random() < 0.3:
        return "\ufeff" + dump(seed, fmt, rng)
    if fmt == "json" and rng.random() < 0.5:
        escaped = rng.choice(['"\\ud800"', '"\\udfff\\ud800"', '"a\\u0000b"', '"\\ud83d\\ude00"'])
        return with_raw(rng, seed, fmt, escaped)
    changed = somewhere(rng, seed, value)
    if isinstance(changed, dict) and rng.random() < 0.3:
        changed[value] = value
    text = json.dumps(changed, ensure_ascii=False) if fmt == "json" else dump(changed, fmt, rng)
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _alias_in(rng: random.Random, seed: Any) -> str:
    """The seed as YAML with an anchor and aliases in it (a bomb, or a plain reuse)."""
    text = dump(seed, "yaml")
    bomb = alias_bombs(rng)
    if rng.random() < 0.5:
        return text + bomb
    return "anchor: &shared [1, 2]\n" + text + "again: *shared\n"


def value_inputs(rng: random.Random, seeds: list[Any]) -> Iterator[Shaped]:
    """In-process values (what the Lambda is invoked with), shape after shape, forever."""
    makers: list[tuple[str, Callable[[Any], Payload]]] = [
        (VALID, lambda s: s),
        (WRONG_TYPE, lambda s: somewhere(rng, s, hostile_value(rng))),
        (DEEP, lambda s: somewhere(rng, s, _nested_value(rng.choice([33, 100, 5000, 100_000])))),
        (HUGE_INT, lambda s: somewhere(rng, s, rng.choice([10**5000, -(10**4400), 2**70000]))),
        (HUGE_NUMBER, lambda s: somewhere(rng, s, rng.choice([float("inf"), float("nan"), 1e308]))),
        (HUGE_STRING, lambda s: somewhere(rng, s, "B" * rng.choice([3000, 1_000_000]))),
        (OVERSIZE, lambda s: somewhere(rng, s, "d" * (7 * 1024 * 1024))),
        (MANY, lambda s: somewhere(rng, s, list(range(rng.choice([1001, 100_000]))))),
        (SHARED, lambda s: somewhere(rng, s, _shared(rng))),
        (CONTROL, lambda s: somewhere(rng, s, rng.choice(CONTROL_TEXT))),
        (UNICODE, lambda s: somewhere(rng, s, rng.choice(UNICODE_TEXT))),
        (EMPTY, lambda s: copy.deepcopy(rng.choice([None, {}, [], "", 0, "{}", {"": None}]))),
        (RANDOM, lambda s: random_value(rng, rng.randrange(1, 60))),
        (MUTATED, lambda s: _mutated_value(rng, s)),
    ]
    while True:
        for shape, make in makers:
            yield shape, make(copy.deepcopy(rng.choice(seeds)))


def _nested_value(depth: int) -> Any:
    value: Any = "x"
    for i in range(depth):
        value = {"n": value} if i % 2 else [value]
    return value


def _shared(rng: random.Random) -> Any:
    """The same list many times over: a billion items that take a few KB."""
    level: Any = ["x" * rng.choice([1, 100])] * 1000
    for _ in range(rng.randint(1, 3)):
        level = [level] * 1000
    return level


def _mutated_value(rng: random.Random, seed: Any) -> Any:
    """The seed with a key renamed, removed or added, or a string value cut."""
    paths = [p for p in paths_in(seed) if p]
    if not paths:
        return seed
    path = rng.choice(paths)
    parent: Any = seed
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict):
        value = parent.pop(path[-1])
        if rng.random() < 0.5:
            parent[mutated(rng, str(path[-1]))] = value
    elif isinstance(parent, list) and parent:
        parent[path[-1]] = mutated(rng, json.dumps(parent[path[-1]]))
    return seed
