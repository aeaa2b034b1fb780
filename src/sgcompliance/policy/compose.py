"""Composing a policy from its bases: `extends`, `overrides`, new checks, merged settings.

Bases arrive resolved (flat and complete), so composition is one level deep whatever the packs'
own `extends`. The result is the resolved document: no `extends`/`overrides`, every default
filled in, set-like lists sorted, which is what the digest is taken over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sgcompliance.engine.policy import BUILTIN_CHECKS
from sgcompliance.policy.completion import complete_check, complete_exemption, complete_settings
from sgcompliance.policy.problems import PathPart, Problem, did_you_mean, json_path, quote

Doc = dict[str, Any]
# Validates one merged check; paths are reported under the given prefix.
CheckValidator = Callable[[Doc, list[PathPart]], list[Problem]]


@dataclass(frozen=True, slots=True)
class Base:
    """A resolved built-in pack that a document extends; `index` is its place in `extends`."""

    ref: str
    document: Doc
    index: int | None


def _check_ids(items: object) -> Iterator[tuple[int, str]]:
    if isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                yield i, item["id"]


def name_problems(doc: Doc, bases: list[Base]) -> list[Problem]:
    """Ids that collide between bases and the document, or name checks that do not exist."""
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for base in bases:
        ids = [check_id for _, check_id in _check_ids(base.document["checks"])]
        shared = [check_id for check_id in ids if check_id in owner]
        if shared:
            parts: list[PathPart] = ["extends"] if base.index is None else ["extends", base.index]
            others = ", ".join(sorted({owner[c] for c in shared}))
            message = f"{base.ref} defines checks that {others} already has: {', '.join(shared)}"
            problems.append((json_path(parts), message, "extend only one of these packs"))
        for check_id in ids:
            owner.setdefault(check_id, base.ref)
    for i, check_id in _check_ids(doc.get("checks")):
        if check_id in owner:
            message = f"check id {quote(check_id, repr)} is already defined by {owner[check_id]}"
            hint = "change it under overrides, or give the new check another id"
            problems.append((json_path(["checks", i, "id"]), message, hint))
    overrides = doc.get("overrides")
    if isinstance(overrides, dict) and bases:
        for check_id in overrides:
            if check_id not in owner:
                hint = did_you_mean(check_id, owner, "overrides can only change base-pack checks")
                message = f"no check {quote(check_id, repr)} in the base packs to override"
                problems.append((json_path(["overrides", check_id]), message, hint))
    known = set(owner) | {c for _, c in _check_ids(doc.get("checks"))}
    return problems + list(_exemption_check_problems(doc, known))


def _exemption_check_problems(doc: Doc, known: set[str]) -> Iterator[Problem]:
    exemptions = doc.get("exemptions")
    if not isinstance(exemptions, list):
        return
    known = known | BUILTIN_CHECKS
    for i, exemption in enumerate(exemptions):
        match = exemption.get("match") if isinstance(exemption, dict) else None
        checks = match.get("checks") if isinstance(match, dict) else None
        if not isinstance(checks, list):
            continue
        for j, check_id in enumerate(checks):
            if isinstance(check_id, str) and check_id not in known:
                hint = did_you_mean(check_id, known, "name a check of this policy")
                path = json_path(["exemptions", i, "match", "checks", j])
                yield path, f"no check {quote(check_id, repr)} in this policy", hint


def compose(
    doc: Doc, bases: list[Base], validate_check: CheckValidator
) -> tuple[Doc, list[Problem]]:
    """The resolved document. `doc` must already be free of schema and semantic problems."""
    checks: list[Doc] = [dict(c) for base in bases for c in base.document["checks"]]
    index = {check["id"]: i for i, check in enumerate(checks)}
    problems: list[Problem] = []
    for check_id, patch in doc.get("overrides", {}).items():
        merged = {**checks[index[check_id]], **patch}
        found = validate_check(merged, ["overrides", check_id])
        problems += found
        if not found:
            checks[index[check_id]] = merged
    checks += doc.get("checks", [])
    settings: Doc = {}
    for base in bases:
        settings.update(base.document["settings"])
    settings.update(doc.get("settings", {}))
    exemptions = [e for base in bases for e in base.document["exemptions"]]
    exemptions += doc.get("exemptions", [])
    resolved = {
        "version": doc["version"],
        "id": doc["id"],
        "description": doc.get("description", ""),
        "settings": complete_settings(settings),
        "checks": [complete_check(c) for c in checks],
        "exemptions": [complete_exemption(e) for e in exemptions],
    }
    return resolved, problems
