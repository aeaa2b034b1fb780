"""Checks the schema cannot express: port ranges, CIDRs, dates, duplicate ids, pack names.

Every function reads the raw document defensively (a value of the wrong type is skipped here:
the schema reports it), so these problems are listed alongside the schema's in one pass.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterator
from datetime import date
from typing import Any

from sgcompliance.engine.policy import BUILTIN_CHECKS
from sgcompliance.engine.protocol import parse_port_range
from sgcompliance.errors import InputError
from sgcompliance.policy.problems import PathPart, Problem, did_you_mean, json_path, quote

PACK_PREFIX = "builtin:"
SOURCE_WORDS = ("world", "public")


def document_problems(doc: dict[str, Any], packs: list[str]) -> list[Problem]:
    """Semantic problems of a policy document's own content (not those needing its bases)."""
    problems = list(_extends_problems(doc, packs))
    checks = doc.get("checks")
    if isinstance(checks, list):
        problems += _duplicate_ids(checks, "checks", "check")
        for i, check in enumerate(checks):
            problems += check_value_problems(check, ["checks", i])
    overrides = doc.get("overrides")
    if isinstance(overrides, dict):
        for check_id, patch in overrides.items():
            problems += check_value_problems(patch, ["overrides", check_id])
    exemptions = doc.get("exemptions")
    if isinstance(exemptions, list):
        problems += _duplicate_ids(exemptions, "exemptions", "exemption")
        for i, exemption in enumerate(exemptions):
            problems += _expiry_problems(exemption, ["exemptions", i])
            match = exemption.get("match") if isinstance(exemption, dict) else None
            if isinstance(match, dict):
                within = match.get("peers_within")
                problems += allowed_peer_problems(
                    within, ["exemptions", i, "match", "peers_within"]
                )
    return problems


def _extends_problems(doc: dict[str, Any], packs: list[str]) -> Iterator[Problem]:
    extends = doc.get("extends")
    if extends is None:
        if "overrides" in doc:
            yield (
                "$.overrides",
                "overrides need a base: the document has no extends",
                'add "extends": "builtin:strict" (or another pack), or move these into checks',
            )
        elif not doc.get("checks"):
            yield "$", "the policy has no checks", 'add checks, or "extends": "builtin:strict"'
        return
    refs: list[tuple[list[PathPart], object]] = []
    if isinstance(extends, str):
        refs = [(["extends"], extends)]
    if isinstance(extends, list):
        refs = [(["extends", i], ref) for i, ref in enumerate(extends)]
    for parts, ref in refs:
        if isinstance(ref, str) and ref.startswith(PACK_PREFIX):
            name = ref.removeprefix(PACK_PREFIX)
            if name not in packs:
                hint = did_you_mean(name, packs, f"built-in packs: {', '.join(packs)}")
                yield json_path(parts), f"unknown built-in pack {quote(ref, repr)}", hint


def _duplicate_ids(items: list[Any], key: str, what: str) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str):
            continue
        if item_id in first:
            where = json_path([key, first[item_id]])
            yield (
                json_path([key, i, "id"]),
                f"duplicate {what} id {quote(item_id, repr)} (first used at {where})",
                f"give each {what} its own id",
            )
        else:
            first[item_id] = i
        if what == "check" and item_id in BUILTIN_CHECKS:
            yield (
                json_path([key, i, "id"]),
                f"check id {quote(item_id, repr)} is reserved for the engine's own findings",
                "pick another id",
            )


def check_value_problems(check: object, parts: list[PathPart]) -> list[Problem]:
    """Port ranges and CIDRs of a check, or of an override's partial check."""
    if not isinstance(check, dict):
        return []
    problems: list[Problem] = []
    for key in ("ports", "allowed"):
        specs = check.get(key)
        if isinstance(specs, list):
            for i, spec in enumerate(specs):
                problems += _port_problems(spec, [*parts, key, i, "ports"])
    sources = check.get("sources")
    if isinstance(sources, list):
        for i, source in enumerate(sources):
            problems += _source_problems(source, [*parts, "sources", i])
    problems += allowed_peer_problems(check.get("allowed_peers"), [*parts, "allowed_peers"])
    return problems


def allowed_peer_problems(peers: object, parts: list[PathPart]) -> list[Problem]:
    """Allowed ranges must be exact CIDRs, and none may be a whole address family: allowing
    the world would turn the check off without saying so."""
    if not isinstance(peers, list):
        return []
    problems: list[Problem] = []
    for i, peer in enumerate(peers):
        if not isinstance(peer, str) or peer.startswith("pl-") or "/" not in peer:
            continue  # the schema reports what is neither a CIDR nor a prefix list id
        path = json_path([*parts, i])
        try:
            network = ipaddress.ip_network(peer)
        except ValueError as exc:
            problems.append(
                (path, f"{quote(peer)} is not a valid CIDR ({cidr_reason(exc)})", _cidr_hint(peer))
            )
            continue
        if network.prefixlen == 0:
            problems.append(
                (
                    path,
                    f"{quote(peer)} allows every address",
                    "list only the ranges you mean (a check turned off says so: enabled: false)",
                )
            )
    return problems


def _cidr_hint(text: str) -> str:
    with contextlib.suppress(ValueError):
        return f"did you mean {ipaddress.ip_network(text, strict=False)}?"
    return "use a CIDR like 203.0.113.0/24 or 2001:db8::/32, or a prefix list id like pl-1a2b3c4d"


def _port_problems(spec: object, parts: list[PathPart]) -> list[Problem]:
    value = spec.get("ports") if isinstance(spec, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return []
    if isinstance(value, float):
        if not value.is_integer():
            return []  # the schema reports it
        value = int(value)
    path = json_path(parts)
    text = str(value)
    try:
        parse_port_range(text, path)
    except InputError as exc:
        # The parser quotes the whole text; a message quotes at most QUOTE_CHARS of it.
        detail = exc.detail.replace(repr(text), quote(text, repr))
        return [(path, detail, "use a port or a range FROM-TO with 0 <= FROM <= TO <= 65535")]
    return []


def cidr_reason(exc: ValueError) -> str:
    """Why `ipaddress` refused a CIDR, without the CIDR (its message repeats the whole text)."""
    return "host bits set" if "host bits" in str(exc) else "not an IPv4 or IPv6 network"


def _source_problems(source: object, parts: list[PathPart]) -> list[Problem]:
    if not isinstance(source, str) or source in SOURCE_WORDS:
        return []
    path = json_path(parts)
    if "/" not in source:
        hint = did_you_mean(source, SOURCE_WORDS, "use world, public or a CIDR like 10.0.0.0/8")
        return [(path, f"{quote(source, repr)} is not world, public or a CIDR", hint)]
    try:
        ipaddress.ip_network(source)
    except ValueError as exc:
        hint = "use a CIDR like 203.0.113.0/24 or 2001:db8::/32"
        with contextlib.suppress(ValueError):
            hint = f"did you mean {ipaddress.ip_network(source, strict=False)}?"
        return [(path, f"{quote(source, repr)} is not a valid CIDR ({cidr_reason(exc)})", hint)]
    return []


def _expiry_problems(exemption: object, parts: list[PathPart]) -> list[Problem]:
    expires = exemption.get("expires") if isinstance(exemption, dict) else None
    if not isinstance(expires, str):
        return []
    try:
        date.fromisoformat(expires)
    except ValueError:
        path = json_path([*parts, "expires"])
        return [
            (path, f"{quote(expires, repr)} is not a valid date", "use a real date as YYYY-MM-DD")
        ]
    return []
