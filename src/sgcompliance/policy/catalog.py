"""The check catalog: what every check of the built-in packs means and how to fix it by hand.

Titles, severities and references come from the packs themselves (one source of truth); the
explanations, console and CLI steps and an example estate come from `catalog.json` beside this
module. `sgc checks list/show` and docs/checks.md read this module.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sgcompliance.engine.policy import Check
from sgcompliance.policy.loader import builtin_packs, load_policy
from sgcompliance.policy.semantics import PACK_PREFIX

_DATA = Path(__file__).with_name("catalog.json")
SECURITY_HUB_DOCS = "https://docs.aws.amazon.com/securityhub/latest/userguide"

_CIS = re.compile(r"^(CIS AWS Foundations Benchmark v[\d.]+) (\d+(?:\.\d+)*)$")
_HUB = re.compile(r"^AWS (FSBP|Security Hub) ([A-Za-z0-9]+)\.(\d+)$")
_OWN = re.compile(r"^sgcompliance (\S+)$")


@dataclass(frozen=True, slots=True)
class Reference:
    """A control of a standard, e.g. CIS AWS Foundations Benchmark v3.0.0 5.2."""

    standard: str
    control: str
    url: str = ""

    def __str__(self) -> str:
        return f"{self.standard} {self.control}".strip()


def parse_reference(text: str) -> Reference:
    if match := _CIS.match(text):
        return Reference(match[1], match[2])
    if match := _HUB.match(text):
        service, number = match[2], match[3]
        standard = (
            "AWS Foundational Security Best Practices" if match[1] == "FSBP" else "AWS Security Hub"
        )
        url = f"{SECURITY_HUB_DOCS}/{service.lower()}-controls.html#{service.lower()}-{number}"
        return Reference(standard, f"{service}.{number}", url)
    if match := _OWN.match(text):
        return Reference("sgcompliance", match[1])
    return Reference("", text)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    check: Check
    # Built-in packs that include the check, by name.
    packs: tuple[str, ...]
    meaning: str
    console_steps: tuple[str, ...]
    cli_steps: tuple[str, ...]
    # A minimal estate the check fires on (see `catalog_example`).
    example: Mapping[str, Any]

    @property
    def id(self) -> str:
        return self.check.id

    @property
    def references(self) -> tuple[Reference, ...]:
        return tuple(parse_reference(r) for r in self.check.references)


def catalog() -> dict[str, CatalogEntry]:
    """Every check of the built-in packs, by id, in natural id order (EC2.2 before EC2.13)."""
    data = catalog_data()
    entries = {}
    for check_id, (check, packs) in sorted(pack_checks().items(), key=lambda i: natural(i[0])):
        text = data.get(check_id, {})
        entries[check_id] = CatalogEntry(
            check=check,
            packs=packs,
            meaning=str(text.get("meaning", check.description)),
            console_steps=tuple(text.get("console", ())),
            cli_steps=tuple(text.get("cli", ())),
            example=text.get("example", {}),
        )
    return entries


def natural(check_id: str) -> tuple[tuple[int, str], ...]:
    """Sort key that orders the numbers inside an id by value."""
    return tuple(
        (int(part), "") if part.isdigit() else (-1, part)
        for part in re.split(r"(\d+)", check_id)
        if part
    )


@functools.cache
def _data_text() -> str:
    return _DATA.read_text("utf-8")


def catalog_data() -> dict[str, dict[str, Any]]:
    """The hand-written part of the catalog, by check id."""
    loaded: dict[str, dict[str, Any]] = json.loads(_data_text())
    return loaded


def pack_checks() -> dict[str, tuple[Check, tuple[str, ...]]]:
    """Check id -> (its definition, the built-in packs that include it). The definition is
    taken from the first pack by name that has it; packs that extend others share it."""
    found: dict[str, tuple[Check, list[str]]] = {}
    for name in builtin_packs():
        for check in load_policy(PACK_PREFIX + name).checks:
            found.setdefault(check.id, (check, []))[1].append(name)
    return {check_id: (check, tuple(packs)) for check_id, (check, packs) in found.items()}
