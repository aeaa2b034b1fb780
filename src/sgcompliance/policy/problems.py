"""Problems with a policy document: JSON paths, one-line hints, and schema errors explained.

A problem is `(json_path, message, hint)`. Paths read like `$.checks[2].ports[0].ports`; a key
that is not a plain identifier is bracketed: `$.overrides["EC2.19"]`.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

Problem = tuple[str, str, str]
PathPart = str | int

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
            yield ValidationError(f"{instance!r} does not match {regex!r}")

    # jsonschema's `extend` has no annotations.
    extended: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, {"pattern": pattern}
    )
    return extended


def json_path(parts: Iterable[PathPart], root: str = "$") -> str:
    out = [root]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENTIFIER.match(part):
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(part)}]")
    return "".join(out)


def did_you_mean(word: str, choices: Iterable[str], fallback: str = "") -> str:
    """A "did you mean X?" hint for a misspelt word, or `fallback` when nothing is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else fallback


def describe_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def schema_problems(
    validator: Validator, instance: Any, prefix: Sequence[PathPart] = ()
) -> list[Problem]:
    """Every schema error of `instance`, explained, deduplicated, in document order."""
    found: list[Problem] = []
    for error in validator.iter_errors(instance):
        for problem in explain(error, prefix, validator.schema):
            if problem not in found:
                found.append(problem)
    return found


def explain(
    error: ValidationError, prefix: Sequence[PathPart] = (), root: Any = None
) -> Iterator[Problem]:
    """One or more problems for a jsonschema error, with a hint a person can act on.

    `root` is the whole schema, to find the description behind a local `$ref`.
    """
    parts = [*prefix, *error.absolute_path]
    path = json_path(parts)
    schema: Any = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    keyword = str(error.validator)
    if "propertyNames" in error.relative_schema_path:
        yield path, f"key {instance!r} is not allowed here", _hint(schema, "rename the key")
    elif keyword == "additionalProperties" and isinstance(instance, dict):
        yield from _unknown_keys(parts, instance, schema)
    elif keyword == "required" and isinstance(instance, dict):
        yield from _missing_keys(path, instance, schema, root)
    else:
        yield path, *_message(keyword, error.validator_value, instance, schema)


def _unknown_keys(
    parts: list[PathPart], instance: dict[str, Any], schema: Any
) -> Iterator[Problem]:
    known = list(schema.get("properties", {}))
    # A check's schema fixes its type: name it, since the key may be right for another type.
    kind = schema.get("properties", {}).get("type", {}).get("const")
    where = f" for a {kind} check" if isinstance(kind, str) else ""
    for key in instance:
        if key in known:
            continue
        hint = did_you_mean(key, known, f"allowed keys here: {', '.join(known)}")
        yield json_path([*parts, key]), f"unknown key {key!r}{where}", hint


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
        return f"{json.dumps(instance)} is not one of {words}", hint
    if keyword == "const":
        return f"must be {json.dumps(expected)}", _hint(schema, f"use {json.dumps(expected)}")
    if keyword == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return f"expected {wanted}, got {describe_type(instance)}", _hint(schema, f"use {wanted}")
    if keyword == "pattern":
        return f"{json.dumps(instance)} is not in the expected form", _hint(schema, "fix the value")
    if keyword in ("minimum", "maximum"):
        relation = "at least" if keyword == "minimum" else "at most"
        return f"{instance} must be {relation} {expected}", _hint(schema, "change the number")
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
