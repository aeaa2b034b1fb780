"""Reading JSON and YAML documents with errors that name the file and the line/column."""

from __future__ import annotations

import json
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from sgcompliance.errors import InputError

_YAML_SUFFIXES = frozenset({".yaml", ".yml"})


class _StrictYamlLoader(yaml.SafeLoader):
    """Safe YAML that keeps dates as strings (JSON and YAML documents must read the same)
    and rejects duplicate keys (a repeated key must never silently win)."""


# Without the timestamp resolver, `expires: 2026-12-31` stays the string a JSON document has.
_StrictYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _StrictYamlLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found a list or mapping used as a key",
                key_node.start_mark,
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_StrictYamlLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise ValueError(f"duplicate key {key!r}")
        mapping[key] = value
    return mapping


def _too_deep(source: str) -> InputError:
    return InputError(
        "the document is nested too deeply", source=source, hint="flatten the document"
    )


def parse_json(text: str, source: str) -> object:
    """Parse JSON text; errors name `source` and the line/column."""
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except RecursionError as exc:
        raise _too_deep(source) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            source=source,
            hint="fix the JSON syntax at that line and column",
        ) from exc
    except ValueError as exc:
        raise InputError(
            f"invalid JSON: {exc}", source=source, hint="remove the repeated key"
        ) from exc


def parse_yaml(text: str, source: str) -> object:
    """Parse YAML text (safe subset, dates kept as strings); errors name the line/column."""
    try:
        return yaml.load(text, Loader=_StrictYamlLoader)  # nosec B506 - a SafeLoader subclass
    except RecursionError as exc:
        raise _too_deep(source) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise InputError(
            f"invalid YAML{where}: {problem}",
            source=source,
            hint="fix the YAML syntax at that line and column",
        ) from exc
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", source=source) from exc


def load_document(path: Path) -> object:
    """Read a .json or .yaml/.yml file (any other suffix is read as JSON)."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError("file not found", source=source, hint="check the path") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            "file is not UTF-8 text", source=source, hint="save the file as UTF-8"
        ) from exc
    except OSError as exc:
        raise InputError(
            f"cannot read file: {exc.strerror or exc}",
            source=source,
            hint="check the path and its permissions",
        ) from exc
    if path.suffix.lower() in _YAML_SUFFIXES:
        return parse_yaml(text, source)
    return parse_json(text, source)
