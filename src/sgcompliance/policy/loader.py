"""Loading policy documents: schema and semantic validation with precise paths, pack composition,
and the core `Policy` value.

`ref` is a file path (.json/.yaml/.yml) or `builtin:NAME` (a pack under policy/packs/).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sgcompliance.engine.policy import Policy
from sgcompliance.errors import InputError, PolicyError
from sgcompliance.policy.build import build_policy
from sgcompliance.policy.compose import Base, compose, name_problems
from sgcompliance.policy.problems import (
    PathPart,
    Problem,
    describe_type,
    json_path,
    make_validator,
    quote,
    schema_problems,
)
from sgcompliance.policy.semantics import PACK_PREFIX, document_problems
from sgcompliance.sources.documents import POLICY_LIMITS, load_document, parse_json

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

DEFAULT_POLICY = "builtin:strict"
# The schema and the packs ship inside the package (read from disk: importlib.resources is slower
# to import than the files are to read).
_HERE = Path(__file__).parent

Doc = dict[str, Any]
MAX_DEPTH = 32


@functools.cache
def _schema_text() -> str:
    return (_HERE / "schema.json").read_text("utf-8")


def schema() -> dict[str, Any]:
    """The policy document's JSON Schema (draft 2020-12): the published contract."""
    loaded: dict[str, Any] = json.loads(_schema_text())
    return loaded


@functools.cache
def _validators() -> tuple[Validator, Validator]:
    """(document validator, single check validator), built once."""
    document = schema()
    check = {"$ref": "#/$defs/check", "$defs": document["$defs"]}
    return make_validator(document), make_validator(check)


def prepare() -> None:
    """Build what reading a policy needs (the JSON Schema validators; importing jsonschema is
    most of it) ahead of the first policy: a cold start calls it in a thread while it waits on
    the network for the configuration and the policy's text."""
    _validators()


def _packs_dir() -> Path:
    return _HERE / "packs"


def builtin_packs() -> list[str]:
    """Names of the built-in packs, usable as `builtin:NAME`."""
    return list(_pack_names())


@functools.cache
def _pack_names() -> tuple[str, ...]:
    names = (p.name for p in _packs_dir().iterdir() if p.name.endswith(".json"))
    return tuple(sorted(n.removesuffix(".json") for n in names))


def load_policy(ref: str | Path) -> Policy:
    """Load a policy file or a built-in pack. Raises PolicyError or InputError."""
    if isinstance(ref, str) and ref.startswith(PACK_PREFIX):
        name = ref.removeprefix(PACK_PREFIX)
        if name not in builtin_packs():
            problem = (
                "$",
                f"unknown built-in pack {quote(ref, repr)}",
                f"use one of {_pack_list()}",
            )
            raise PolicyError(ref, [problem])
        return parse_policy(_resolved_pack(name), ref)
    path = Path(ref)
    return parse_policy(_document(path), str(path))


def _document(path: Path) -> object:
    """The parsed file, within the limits of a policy (`POLICY_LIMITS`); a document the
    parsers fail on in another way than InputError is refused like any other unreadable
    document."""
    try:
        return load_document(path, POLICY_LIMITS)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InputError(
            f"the document cannot be read as data: {type(exc).__name__}",
            source=str(path),
            hint="a policy is plain JSON or YAML: string keys, a few levels deep",
        ) from exc


def parse_policy(doc: object, source: str) -> Policy:
    """A policy from an already parsed document. Raises PolicyError listing every problem."""
    resolved, problems = _resolve(doc, ())
    if problems or resolved is None:
        raise PolicyError(source, problems)
    return build_policy(resolved, digest(resolved))


def validate_document(doc: object, source: str) -> list[Problem]:
    """Every problem of a policy document (schema and semantic); empty when it is valid."""
    del source  # problems carry JSON paths; the caller names the file
    return _resolve(doc, ())[1]


def resolve_document(doc: object, source: str) -> Doc:
    """The resolved document (bases merged, defaults filled in) that the digest is taken over."""
    resolved, problems = _resolve(doc, ())
    if problems or resolved is None:
        raise PolicyError(source, problems)
    return resolved


def digest(resolved: Doc) -> str:
    canonical = json.dumps(resolved, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _pack_list() -> str:
    return ", ".join(PACK_PREFIX + n for n in builtin_packs())


def _resolve(doc: object, chain: tuple[str, ...]) -> tuple[Doc | None, list[Problem]]:
    if not isinstance(doc, dict):
        kind = describe_type(doc)
        hint = 'a policy is an object like {"version": "1", "id": "...", "checks": [...]}'
        return None, [("$", f"a policy document is an object, got {kind}", hint)]
    problems = _key_problems(doc)
    if problems:
        return None, problems
    document_validator, _ = _validators()
    semantic = document_problems(doc, builtin_packs())
    # A semantic problem names the same value more precisely than the schema's pattern does.
    replaced = {path for path, _, _ in semantic}
    problems = [p for p in schema_problems(document_validator, doc) if p[0] not in replaced]
    problems += semantic
    bases = _bases(doc, chain)
    problems += name_problems(doc, bases)
    if problems:
        return None, problems
    return compose(doc, bases, _check_problems)


def _check_problems(check: Doc, prefix: list[PathPart]) -> list[Problem]:
    return schema_problems(_validators()[1], check, prefix)


def _bases(doc: Doc, chain: tuple[str, ...]) -> list[Base]:
    extends = doc.get("extends")
    refs: list[tuple[str, int | None]] = []
    if isinstance(extends, str):
        refs = [(extends, None)]
    elif isinstance(extends, list):
        refs = [(r, i) for i, r in enumerate(extends) if isinstance(r, str)]
    packs = builtin_packs()
    bases = []
    seen: set[str] = set()
    for ref, index in refs:
        name = ref.removeprefix(PACK_PREFIX)
        # A repeated pack is reported by the schema (uniqueItems), not as colliding checks.
        if ref.startswith(PACK_PREFIX) and name in packs and ref not in seen:
            seen.add(ref)
            bases.append(Base(ref, _pack_document(name, chain), index))
    return bases


def _pack_document(name: str, chain: tuple[str, ...]) -> Doc:
    if not chain:
        return _resolved_pack(name)
    if name in chain:
        cycle = " -> ".join(PACK_PREFIX + n for n in (*chain, name))
        problem = ("$.extends", f"packs extend each other in a cycle: {cycle}", "break the cycle")
        raise PolicyError(PACK_PREFIX + chain[-1], [problem])
    return _resolve_pack(name, chain)


def _resolved_pack(name: str) -> Doc:
    # Copied so that no caller can change the cached pack.
    return copy.deepcopy(_resolved_pack_cached(name))


@functools.cache
def _resolved_pack_cached(name: str) -> Doc:
    return _resolve_pack(name, ())


def _resolve_pack(name: str, chain: tuple[str, ...]) -> Doc:
    source = PACK_PREFIX + name
    text = _packs_dir().joinpath(f"{name}.json").read_text("utf-8")
    resolved, problems = _resolve(parse_json(text, source), (*chain, name))
    if problems or resolved is None:
        raise PolicyError(source, problems)
    return resolved


def _key_problems(doc: object) -> list[Problem]:
    """Keys must be strings (YAML allows `1: x`; JSON and the schema do not), and nesting must
    stay shallow: a policy is at most a few levels deep, and a deeply nested value would exhaust
    Python's recursion in the validator. Walked with an explicit stack for the same reason."""
    problems: list[Problem] = []
    stack: list[tuple[object, list[PathPart]]] = [(doc, [])]
    while stack:
        value, parts = stack.pop()
        if isinstance(value, list | dict) and len(parts) >= MAX_DEPTH:
            message = f"nested more than {MAX_DEPTH} levels deep"
            problems.append((json_path(parts), message, "no policy value nests this deep"))
        elif isinstance(value, list):
            stack.extend((item, [*parts, i]) for i, item in enumerate(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    stack.append((item, [*parts, key]))
                else:
                    message = f"key {quote(key, repr)} is {describe_type(key)}, not a string"
                    problems.append((json_path(parts), message, "quote the key"))
    return problems
