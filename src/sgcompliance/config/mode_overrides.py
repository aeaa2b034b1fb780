"""Remediation modes per account, account tag or OU, and their JSON form.

The `mode_overrides` parameter is one JSON object (every key optional):

    {"accounts": {"111111111111": "remove_non_compliant_rules"},
     "tags": [{"key": "environment", "value": "development",
               "mode": "remove_non_compliant_rules"}],
     "ous": {"ou-ab12-cdef3456": "flag_only", "r-ab12": "flag_only"}}

Precedence: account > tag > OU > the default `mode`. Tag rules are tried in order (the first
whose key and value both match wins, case-sensitive); OUs from the account's own OU up to the
root (the nearest one with an override wins).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sgcompliance.errors import ConfigError
from sgcompliance.remediation.plan import Mode

_ACCOUNT_ID = re.compile(r"\d{12}")
_OU_ID = re.compile(r"ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32}")
_SECTIONS = frozenset({"accounts", "tags", "ous"})
_TAG_FIELDS = frozenset({"key", "value", "mode"})
_MODES = ", ".join(Mode)


@dataclass(frozen=True, slots=True)
class AccountPlacement:
    """An account's OUs, nearest first with the root last, and its account tags."""

    ous: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


def _frozen(mapping: Mapping[str, Mode]) -> Mapping[str, Mode]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class TagOverride:
    key: str
    value: str
    mode: Mode


@dataclass(frozen=True, slots=True)
class ModeOverrides:
    """Modes per account, account tag or OU; precedence account > tag > OU > default."""

    accounts: Mapping[str, Mode] = field(default_factory=lambda: _frozen({}))
    # Checked in order: the first rule whose key and value both match wins.
    tags: tuple[TagOverride, ...] = ()
    ous: Mapping[str, Mode] = field(default_factory=lambda: _frozen({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "accounts", _frozen(self.accounts))
        object.__setattr__(self, "ous", _frozen(self.ous))

    @property
    def needs_placement(self) -> bool:
        """True when an account's OUs or tags can change its mode (a directory look-up)."""
        return bool(self.tags or self.ous)

    def modes(self) -> frozenset[Mode]:
        """Every mode some account may get through an override."""
        tag_modes = (t.mode for t in self.tags)
        return frozenset({*self.accounts.values(), *self.ous.values(), *tag_modes})

    def to_document(self) -> dict[str, Any]:
        return {
            "accounts": {k: str(v) for k, v in sorted(self.accounts.items())},
            "tags": [{"key": t.key, "value": t.value, "mode": str(t.mode)} for t in self.tags],
            "ous": {k: str(v) for k, v in sorted(self.ous.items())},
        }


def parse_mode_overrides(text: str, origin: str) -> ModeOverrides:
    """The overrides in `text`; ConfigError names `origin` and the JSON path of the problem."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"{origin}: not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise _error(origin, "$", "must be a JSON object with accounts, tags and/or ous")
    unknown = sorted(set(doc) - _SECTIONS)
    if unknown:
        raise _error(origin, "$", f"unknown key {unknown[0]!r} (keys: accounts, tags, ous)")
    return ModeOverrides(
        accounts=_keyed(doc.get("accounts", {}), origin, "accounts", _ACCOUNT_ID, "an account id"),
        tags=_tags(doc.get("tags", []), origin),
        ous=_keyed(
            doc.get("ous", {}), origin, "ous", _OU_ID, "an OU id (ou-...) or root id (r-...)"
        ),
    )


def _error(origin: str, path: str, message: str) -> ConfigError:
    return ConfigError(
        f"{origin}: {path}: {message}",
        hint='e.g. {"accounts": {"111111111111": "flag_only"}, "tags": [{"key": "env", '
        '"value": "dev", "mode": "remove_non_compliant_rules"}], "ous": {"ou-ab12-cdef3456": '
        '"flag_only"}}',
    )


def _mode(value: object, origin: str, path: str) -> Mode:
    if isinstance(value, str) and value in set(Mode):
        return Mode(value)
    raise _error(origin, path, f"{value!r} is not a mode ({_MODES})")


def _keyed(
    value: object, origin: str, section: str, pattern: re.Pattern[str], what: str
) -> dict[str, Mode]:
    if not isinstance(value, dict):
        raise _error(origin, f"$.{section}", "must be an object")
    modes: dict[str, Mode] = {}
    for key, mode in value.items():
        if not pattern.fullmatch(key):
            raise _error(origin, f"$.{section}", f"{key!r} is not {what}")
        modes[key] = _mode(mode, origin, f"$.{section}[{key!r}]")
    return modes


def _tags(value: object, origin: str) -> tuple[TagOverride, ...]:
    if not isinstance(value, list):
        raise _error(origin, "$.tags", "must be an array of {key, value, mode} objects")
    rules: list[TagOverride] = []
    for index, rule in enumerate(value):
        path = f"$.tags[{index}]"
        if not isinstance(rule, dict) or set(rule) != _TAG_FIELDS:
            raise _error(origin, path, "must be an object with exactly key, value and mode")
        key, tag_value = rule["key"], rule["value"]
        if not isinstance(key, str) or not 0 < len(key) <= 128:
            raise _error(origin, f"{path}.key", "must be a tag key of 1-128 characters")
        if not isinstance(tag_value, str) or len(tag_value) > 256:
            raise _error(origin, f"{path}.value", "must be a tag value of 0-256 characters")
        rules.append(TagOverride(key, tag_value, _mode(rule["mode"], origin, f"{path}.mode")))
    return tuple(rules)
