"""Problems with a policy document: JSON paths, one-line hints, and schema errors explained.

A problem is `(json_path, message, hint)`. Paths read like `$.checks[2].ports[0].ports`; a key
that is not a plain identifier is bracketed: `$.overrides["EC2.19"]`.

A problem quotes values and keys from the document, which may be anything up to the policy's
size limit: every quote is one line of at most `QUOTE_CHARS` characters (control characters
escaped), followed by how long the whole was when it is cut, e.g.
`"BBBB..." (1,000,000 characters)`.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

Problem = tuple[str, str, str]
PathPart = str | int

# Enough of a value to find it in the document; a problem's message stays one short line
# however long the value (a misplaced 4 MiB string, a list of thousands of items).
QUOTE_CHARS = 64
# A path longer than this keeps its first steps and its last ones (at least the step the
# problem is about), whole, around "...".
PATH_CHARS = 160
# Where the schema's list of problems stops. Each problem costs jsonschema a fraction of a
# millisecond, and a policy within its limits (50,000 keys and values) can hold hundreds of
# thousands: 4,000 misplaced checks alone make 36,000 (one per check type), a second and more.
MAX_PROBLEMS = 1000

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_JSON_TYPES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


def make_validator(schema: dict[str, Any]) -> Validator:
    """A draft 2020-12 validator whose `$` anchors end the string, as ECMA-262's do (Python's
    also match before a final newline: "22\\n" would pass as a port, "EC2.19\\n" as an id)."""
    return _validator_class()(schema)


@functools.cache
def _anchored(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern)


@functools.cache
def _validator_class() -> type[Validator]:
    # jsonschema takes tens of milliseconds to import: only loading a policy pays for it.
    from jsonschema import Draft202012Validator, validators  # noqa: PLC0415 - lazy: jsonschema costs tens of ms to import
    from jsonschema.exceptions import ValidationError  # noqa: PLC0415 - lazy: jsonschema costs tens of ms to import

    def pattern(
        validator: Validator, regex: str, instance: object, schema: object
    ) -> Iterator[ValidationError]:
        del validator, schema  # the keyword signature jsonschema calls with
        if isinstance(instance, str) and not _anchored(regex).search(instance):
            yield ValidationError(f"{quote(instance, repr)} does not match {regex!r}")

    # jsonschema's `extend` has no annotations.
    extended: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, {"pattern": pattern}
    )
    return extended


def json_path(parts: Iterable[PathPart], root: str = "$") -> str:
    steps = [_step(part) for part in parts]
    if sum(map(len, steps)) <= PATH_CHARS:
        return root + "".join(steps)
    head: list[str] = []
    for step in steps[:-1]:
        if sum(map(len, head)) + len(step) > PATH_CHARS // 2:
            break
        head.append(step)
    tail: list[str] = []
    for step in reversed(steps[len(head) :]):
        if tail and sum(map(len, tail)) + len(step) > PATH_CHARS // 2:
            break
        tail.insert(0, step)
    gap = "..." if len(head) + len(tail) < len(steps) else ""
    return root + "".join(head) + gap + "".join(tail)


def _step(part: PathPart) -> str:
    if isinstance(part, int):
        return f"[{part}]"
    if len(part) <= QUOTE_CHARS and _IDENTIFIER.match(part):
        return f".{part}"
    return f"[{quote(part)}]"


def quote(value: object, render: Callable[[str], str] = json.dumps) -> str:
    """`value` for a message: its JSON (a string by `render`, e.g. `repr` for keys), on one
    line; past `QUOTE_CHARS` characters, the start and how long the whole is. Costs what
    the quoted part costs, however large the value."""
    if isinstance(value, str):
        return _quote_text(value, render)
    pieces: list[str] = []
    size = 0
    for piece in _json_pieces(value):
        pieces.append(piece)
        size += len(piece)
        if size > QUOTE_CHARS:
            return "".join(pieces)[:QUOTE_CHARS] + "... " + _size(value)
    return "".join(pieces)


def _quote_text(text: str, render: Callable[[str], str]) -> str:
    cut = min(len(text), QUOTE_CHARS)
    shown = render(text[:cut])
    # An escaped character takes up to 12 (a JSON surrogate pair): keep the quote short too.
    while len(shown) > QUOTE_CHARS + 2 and cut > 1:
        cut = max(1, min(cut - 1, cut * QUOTE_CHARS // len(shown)))
        shown = render(text[:cut])
    return shown if cut == len(text) else f"{shown}... {_size(text)}"


def _json_pieces(value: object) -> Iterator[str]:
    """The JSON text of `value` piece by piece, so that a quote stops once it has enough."""
    if isinstance(value, dict):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ", " if i else ""
            yield _quote_text(str(key), json.dumps) + ": "
            yield from _json_pieces(item)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for i, item in enumerate(value):
            yield ", " if i else ""
            yield from _json_pieces(item)
        yield "]"
    elif isinstance(value, str):
        yield _quote_text(value, json.dumps)
    elif isinstance(value, bool | float) or value is None:
        yield json.dumps(value)
    elif isinstance(value, int):
        yield _integer(value)
    else:
        yield _quote_text(repr(value), _escaped)


def _integer(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # past Python's int-to-text limit: say how long it is instead
        # log10(2) digits per bit: right to a digit, which is all a message needs.
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits"


def _escaped(text: str) -> str:
    return json.dumps(text)[1:-1]


def _size(value: object) -> str:
    if isinstance(value, str):
        return _count(len(value), "character")
    if isinstance(value, dict):
        return _count(len(value), "key")
    if isinstance(value, list | tuple):
        return _count(len(value), "item")
    if isinstance(value, int):  # only an integer that prints is ever cut
        return _count(len(str(abs(value))), "digit")
    return f"({type(value).__name__})"


def _count(n: int, noun: str) -> str:
    return f"({n:,} {noun}{'' if n == 1 else 's'})"


def did_you_mean(word: str, choices: Iterable[str], fallback: str = "") -> str:
    """A "did you mean X?" hint for a misspelt word, or `fallback` when nothing is close."""
    choices = sorted(choices)
    # A word 2.34 times longer than every choice cannot reach the 0.6 ratio (2 * matches /
    # both lengths); difflib would still index every character of a 4 MiB value first.
    if len(word) > 2.34 * max(map(len, choices), default=0):
        return fallback
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else fallback


def describe_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def schema_problems(
    validator: Validator, instance: Any, prefix: Sequence[PathPart] = ()
) -> list[Problem]:
    """Every schema error of `instance`, explained, deduplicated, in document order."""
    # jsonschema reports one error through several branches of the schema: the same problem
    # again. A set keeps this linear (thousands of misplaced values make thousands of problems).
    seen: set[Hashable] = set()
    found: list[Problem] = []
    for error in validator.iter_errors(instance):
        for identity, problem in _explained(error, prefix, validator.schema):
            if identity in seen:
                continue
            if len(found) == MAX_PROBLEMS:
                return [*found, _more(prefix)]
            seen.add(identity)
            found.append(problem)
    return found


def _more(prefix: Sequence[PathPart]) -> Problem:
    message = f"more problems not listed: the schema check stops at {MAX_PROBLEMS:,}"
    return json_path(prefix), message, "fix these and validate again"


def explain(
    error: ValidationError, prefix: Sequence[PathPart] = (), root: Any = None
) -> Iterator[Problem]:
    """One or more problems for a jsonschema error, with a hint a person can act on.

    `root` is the whole schema, to find the description behind a local `$ref`.
    """
    for _, problem in _explained(error, prefix, root):
        yield problem


def _explained(
    error: ValidationError, prefix: Sequence[PathPart], root: Any
) -> Iterator[tuple[Hashable, Problem]]:
    """Each problem with what tells it apart: its whole path and its problem. The text alone
    would not do: two long keys quoted alike are still two problems."""
    parts = [*prefix, *error.absolute_path]
    path = json_path(parts)
    schema: Any = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    keyword = str(error.validator)
    if "propertyNames" in error.relative_schema_path:
        message = f"key {quote(instance, repr)} is not allowed here"
        problem = (path, message, _hint(schema, "rename the key"))
        yield (tuple(parts), instance, problem), problem
    elif keyword == "additionalProperties" and isinstance(instance, dict):
        for key, problem in _unknown_keys(parts, instance, schema):
            yield (tuple(parts), key, problem), problem
    elif keyword == "required" and isinstance(instance, dict):
        for problem in _missing_keys(path, instance, schema, root):
            yield (tuple(parts), problem), problem
    else:
        problem = (path, *_message(keyword, error.validator_value, instance, schema))
        yield (tuple(parts), problem), problem


def _unknown_keys(
    parts: list[PathPart], instance: dict[str, Any], schema: Any
) -> Iterator[tuple[str, Problem]]:
    known = list(schema.get("properties", {}))
    # A check's schema fixes its type: name it, since the key may be right for another type.
    kind = schema.get("properties", {}).get("type", {}).get("const")
    where = f" for a {kind} check" if isinstance(kind, str) else ""
    for key in instance:
        if key in known:
            continue
        hint = did_you_mean(key, known, f"allowed keys here: {', '.join(known)}")
        yield key, (json_path([*parts, key]), f"unknown key {quote(key, repr)}{where}", hint)


def _missing_keys(path: str, instance: dict[str, Any], schema: Any, root: Any) -> Iterator[Problem]:
    properties = schema.get("properties", {})
    for key in schema.get("required", []):
        if key not in instance:
            described = _dereference(properties.get(key, {}), root)
            yield path, f"missing required key {key!r}", _hint(described, "add it")


def _dereference(schema: Any, root: Any) -> Any:
    """Follow a local `#/$defs/NAME` reference, so its description can serve as the hint."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#/$defs/") or not isinstance(root, dict):
        return schema
    return root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), schema)


def _message(keyword: str, expected: Any, instance: object, schema: Any) -> tuple[str, str]:
    if keyword == "enum":
        words = ", ".join(str(v) for v in expected)
        fallback = f"use one of {words}"
        hint = (
            did_you_mean(instance, map(str, expected), fallback)
            if isinstance(instance, str)
            else fallback
        )
        return f"{quote(instance)} is not one of {words}", hint
    if keyword == "const":
        return f"must be {json.dumps(expected)}", _hint(schema, f"use {json.dumps(expected)}")
    if keyword == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return f"expected {wanted}, got {describe_type(instance)}", _hint(schema, f"use {wanted}")
    if keyword == "pattern":
        return f"{quote(instance)} is not in the expected form", _hint(schema, "fix the value")
    if keyword in ("minimum", "maximum"):
        relation = "at least" if keyword == "minimum" else "at most"
        # A float as Python prints it (inf, 1e+308); an integer may have thousands of digits.
        number = str(instance) if isinstance(instance, float) else quote(instance)
        return f"{number} must be {relation} {expected}", _hint(schema, "change the number")
    if keyword == "minItems":
        return f"must have at least {expected} item(s)", _hint(schema, "add an item")
    if keyword == "uniqueItems":
        return "items must be unique", "remove the repeated item"
    if keyword == "minProperties":
        return f"must have at least {expected} key(s)", _hint(schema, "add a key or remove it")
    if keyword in ("minLength", "maxLength"):
        relation = "at least" if keyword == "minLength" else "at most"
        return f"must be {relation} {expected} character(s) long", _hint(schema, "fix the text")
    return f"invalid value ({keyword})", _hint(schema, "see the schema: sgc policy schema")


def _hint(schema: Any, fallback: str) -> str:
    description = schema.get("description") if isinstance(schema, dict) else None
    return f"expected: {description}" if isinstance(description, str) else fallback
