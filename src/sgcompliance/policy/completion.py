"""Defaults and canonical forms: turns a valid check, exemption or settings object into its
complete form, so that equal policies resolve to equal documents (and equal digests)."""

from __future__ import annotations

import ipaddress
from typing import Any

from sgcompliance.engine.policy import DEFAULT_EXEMPTION_TAG_KEY
from sgcompliance.engine.protocol import parse_port_range

Doc = dict[str, Any]

BOTH_DIRECTIONS = ["egress", "ingress"]
# A default group or a rule without a description is wrong whichever way the rule points.
DEFAULT_DIRECTIONS = {
    "default_group_closed": BOTH_DIRECTIONS,
    "description_required": BOTH_DIRECTIONS,
}
DEFAULT_SOURCES = ["world"]
DEFAULT_IP_VERSIONS = [4, 6]
DEFAULT_ALLOWED = [
    {"protocols": ["tcp"], "ports": "80"},
    {"protocols": ["tcp"], "ports": "443"},
]
DEFAULT_SETTINGS: Doc = {
    "coverage_detection": True,
    "resolve_prefix_lists": True,
    "trusted_accounts": [],
    "unresolved_prefix_list_severity": "high",
    "exemption_tag_key": DEFAULT_EXEMPTION_TAG_KEY,
    "unknown_exemption_tag_severity": "high",
}
_SOURCED_TYPES = frozenset({"restricted_ports", "authorized_ports_only", "all_traffic"})
# Types that take `allowed_peers`: those judging peers by their address ranges.
ALLOWING_TYPES = _SOURCED_TYPES | {"wide_public_cidr"}
PREFIX_LIST_PREFIX = "pl-"


def port_text(value: float | str) -> str:
    """The canonical text of a port spec's `ports`: `22` or `20-25`."""
    # JSON Schema counts 22.0 as an integer, so it must read as port 22 here too.
    lo, hi = parse_port_range(str(int(value)) if isinstance(value, float) else str(value), "$")
    return str(lo) if lo == hi else f"{lo}-{hi}"


def complete_port_spec(spec: Doc) -> Doc:
    protocols: set[str] = set()
    for protocol in spec["protocols"]:
        protocols.update(("tcp", "udp") if protocol == "all" else (protocol,))
    return {"protocols": sorted(protocols), "ports": port_text(spec["ports"])}


def complete_selector(selector: Doc) -> Doc:
    out: Doc = {key: sorted(selector[key]) for key in ("accounts", "regions") if key in selector}
    if "group_tags" in selector:
        out["group_tags"] = dict(selector["group_tags"])
    return out


def complete_check(check: Doc) -> Doc:
    kind = check["type"]
    out: Doc = {
        "id": check["id"],
        "type": kind,
        "title": check.get("title", check["id"]),
        "severity": check["severity"],
        "enabled": check.get("enabled", True),
        "remediation": check.get("remediation", "flag"),
        "selector": complete_selector(check.get("selector", {})),
        "references": list(check.get("references", [])),
        "description": check.get("description", ""),
    }
    if kind != "max_rules":
        out["directions"] = sorted(
            check.get("directions", DEFAULT_DIRECTIONS.get(kind, ["ingress"]))
        )
    if kind in _SOURCED_TYPES:
        out["sources"] = sorted(check.get("sources", DEFAULT_SOURCES))
        out["ip_versions"] = sorted(int(v) for v in check.get("ip_versions", DEFAULT_IP_VERSIONS))
    out.update(_complete_spec(kind, check))
    # Left out when empty (or 0), so that policies written before the key keep their digest.
    if check.get("grace_days"):
        out["grace_days"] = int(check["grace_days"])
    if kind in ALLOWING_TYPES and check.get("allowed_peers"):
        out["allowed_peers"] = canonical_peers(check["allowed_peers"])
    return out


def canonical_peers(peers: list[str]) -> list[str]:
    """Allowed peers sorted, CIDRs in their compressed lower-case form (`2001:DB8::/32` and
    `2001:db8::/32` are one range, and one digest)."""
    return sorted(
        p if p.startswith(PREFIX_LIST_PREFIX) else str(ipaddress.ip_network(p)) for p in peers
    )


def _complete_spec(kind: str, check: Doc) -> Doc:
    if kind == "restricted_ports":
        return {"ports": [complete_port_spec(s) for s in check["ports"]]}
    if kind == "authorized_ports_only":
        return {"allowed": [complete_port_spec(s) for s in check.get("allowed", DEFAULT_ALLOWED)]}
    if kind == "wide_public_cidr":
        return {
            "ipv4_min_prefix": int(check["ipv4_min_prefix"]),
            "ipv6_min_prefix": int(check["ipv6_min_prefix"]),
            "include_world": check.get("include_world", True),
        }
    if kind == "untrusted_reference":
        return {"trusted_accounts": sorted(check.get("trusted_accounts", []))}
    if kind == "max_rules":
        return {"maximum": int(check["maximum"]), "direction": check.get("direction", "total")}
    return {}


def complete_exemption(exemption: Doc) -> Doc:
    out: Doc = {key: exemption[key] for key in ("id", "owner", "reason")}
    for key in ("ticket", "expires"):
        if key in exemption:
            out[key] = exemption[key]
    match = exemption["match"]
    out["match"] = {
        key: sorted(value) if isinstance(value, list) else _canonical_match_value(value)
        for key, value in match.items()
    }
    if "peers_within" in match:
        out["match"]["peers_within"] = canonical_peers(match["peers_within"])
    return out


def _canonical_match_value(value: object) -> object:
    """Tag maps as plain dicts; flags (`tagged`) as they are."""
    return dict(value) if isinstance(value, dict) else value


def complete_settings(settings: Doc) -> Doc:
    out = {**DEFAULT_SETTINGS, **settings}
    out["trusted_accounts"] = sorted(out["trusted_accounts"])
    return out
