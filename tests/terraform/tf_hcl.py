"""The terraform configurations as python-hcl2 reads them: blocks, the references expressions
make, and the IAM policy documents they declare.

Strings are read with their quotes stripped, so a literal is its plain text and an expression is
`${...}`. References are found by pattern in every string of a block, which is enough for the
kinds checked here (var, local, module, data, resources): a match inside a literal would make a
check stricter, never looser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

_OPTIONS = hcl2.SerializationOptions(
    with_comments=False, explicit_blocks=False, strip_string_quotes=True
)
# Two-label blocks ("resource" "type" "name"); the others have one label or none (locals).
_TWO_LABELS = frozenset({"resource", "data"})
_NO_LABEL = frozenset({"locals", "terraform", "moved"})

_NAMED_REFERENCE = re.compile(r"(?<![\w.])(var|local|module)\.([A-Za-z_][\w-]*)")
_DATA_REFERENCE = re.compile(r"(?<![\w.])data\.([A-Za-z_]\w*)\.([A-Za-z_][\w-]*)")
_MODULE_OUTPUT = re.compile(r"(?<![\w.])module\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.([A-Za-z_]\w*)")
_RESOURCE_REFERENCE = re.compile(r"(?<![\w.\"/:-])((?:aws)_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")
_WHOLE_LOCAL = re.compile(r"^\$\{local\.([A-Za-z_][\w-]*)\}$")


@dataclass(frozen=True, slots=True)
class Block:
    kind: str
    labels: tuple[str, ...]
    body: Mapping[str, Any]
    file: Path

    @property
    def address(self) -> str:
        return ".".join((self.kind, *self.labels))


@dataclass(frozen=True, slots=True)
class Reference:
    kind: str  # var | local | module | data | resource | output (module.NAME.OUTPUT)
    name: str  # data/resource: "type.name"; output: "module.output"


@dataclass(frozen=True, slots=True)
class Configuration:
    """One directory terraform loads as a module."""

    path: Path
    blocks: tuple[Block, ...]

    def of(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.kind == kind]

    def names(self, kind: str) -> set[str]:
        return {".".join(b.labels) for b in self.of(kind)}

    def locals(self) -> dict[str, Any]:
        return {k: v for b in self.of("locals") for k, v in b.body.items()}

    def local_names(self) -> set[str]:
        return set(self.locals())

    def declared(self, kind: str) -> set[str]:
        if kind == "local":
            return self.local_names()
        return self.names({"var": "variable", "module": "module"}.get(kind, kind))

    def references(self, skip_kinds: frozenset[str] = frozenset()) -> set[Reference]:
        found: set[Reference] = set()
        for block in self.blocks:
            if block.kind not in skip_kinds:
                for text in strings_in(block.body):
                    found |= references_in(text)
        return found

    def resolve(self, value: Any) -> Any:
        """A value with a whole-string `${local.NAME}` replaced by that local's value."""
        if isinstance(value, str) and (match := _WHOLE_LOCAL.match(value)):
            return self.resolve(self.locals().get(match.group(1), value))
        return value


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def references_in(text: str) -> set[Reference]:
    if "${" not in text:
        return set()
    found = {Reference(kind, name) for kind, name in _NAMED_REFERENCE.findall(text)}
    found |= {Reference("data", f"{t}.{n}") for t, n in _DATA_REFERENCE.findall(text)}
    found |= {Reference("output", f"{m}.{o}") for m, o in _MODULE_OUTPUT.findall(text)}
    without_data = _DATA_REFERENCE.sub("", text)
    found |= {
        Reference("resource", f"{t}.{n}") for t, n in _RESOURCE_REFERENCE.findall(without_data)
    }
    return found


def _blocks_of(kind: str, entries: Any, file: Path) -> Iterator[Block]:
    for entry in entries if isinstance(entries, list) else [entries]:
        if kind in _NO_LABEL:
            yield Block(kind, (), entry, file)
        elif kind in _TWO_LABELS:
            for type_name, named in entry.items():
                for name, body in named.items():
                    yield Block(kind, (type_name, name), body, file)
        else:
            for name, body in entry.items():
                yield Block(kind, (name,), body, file)


@cache
def load(path: Path) -> Configuration:
    blocks: list[Block] = []
    for file in sorted(path.glob("*.tf")):
        with file.open(encoding="utf-8") as handle:
            document = hcl2.load(handle, serialization_options=_OPTIONS)
        for kind, entries in document.items():
            blocks.extend(_blocks_of(kind, entries, file))
    return Configuration(path, tuple(blocks))


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of an aws_iam_policy_document, its lists resolved through locals."""

    document: str  # "<configuration dir name>/<document name>"
    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    principals: tuple[Mapping[str, Any], ...]
    conditions: tuple[Mapping[str, Any], ...]


def _statement_bodies(body: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from body.get("statement", [])
    for dynamic in body.get("dynamic", []):
        if "statement" in dynamic:
            yield from dynamic["statement"].get("content", [])


def _conditions(config: Configuration, body: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    static = list(body.get("condition", []))
    dynamic = [
        c for d in body.get("dynamic", []) if "condition" in d for c in d["condition"]["content"]
    ]
    return tuple({**c, "values": config.resolve(c.get("values"))} for c in static + dynamic)


def _as_tuple(config: Configuration, value: Any) -> tuple[str, ...]:
    resolved = config.resolve(value)
    if resolved is None:
        return ()
    return tuple(resolved) if isinstance(resolved, list) else (str(resolved),)


def statements(config: Configuration, document: str | None = None) -> list[Statement]:
    found = []
    for block in config.of("data"):
        kind, name = block.labels
        if kind != "aws_iam_policy_document" or document not in (None, name):
            continue
        for body in _statement_bodies(block.body):
            found.append(
                Statement(
                    document=f"{config.path.name}/{name}",
                    sid=str(body.get("sid", "")),
                    effect=str(body.get("effect", "Allow")),
                    actions=_as_tuple(config, body.get("actions")),
                    resources=_as_tuple(config, body.get("resources")),
                    principals=tuple(body.get("principals", [])),
                    conditions=_conditions(config, body),
                )
            )
    return found
