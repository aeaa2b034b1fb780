"""The resolved policy document to the core's values (the document is complete and valid)."""

from __future__ import annotations

import ipaddress
from datetime import date
from typing import Any

from sgcompliance.engine.model import Direction
from sgcompliance.engine.policy import (
    NO_ALLOWED_PEERS,
    AllowedPeers,
    AllTraffic,
    AuthorizedPorts,
    Check,
    CheckSpec,
    CheckType,
    DefaultGroupClosed,
    DescriptionRequired,
    Exemption,
    MaxRules,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Selector,
    Settings,
    Severity,
    Sources,
    UntrustedReference,
    WidePublicCidr,
)
from sgcompliance.engine.protocol import parse_port_range
from sgcompliance.policy.completion import PREFIX_LIST_PREFIX

Doc = dict[str, Any]


def build_policy(doc: Doc, digest: str) -> Policy:
    return Policy(
        id=doc["id"],
        version=doc["version"],
        checks=tuple(build_check(c) for c in doc["checks"]),
        exemptions=tuple(build_exemption(e) for e in doc["exemptions"]),
        settings=build_settings(doc["settings"]),
        description=doc["description"],
        digest=digest,
    )


def build_check(doc: Doc) -> Check:
    kind = CheckType(doc["type"])
    # max_rules counts by its own `direction`; its `directions` is never read.
    directions = doc.get("directions", ["ingress"])
    return Check(
        id=doc["id"],
        title=doc["title"],
        type=kind,
        severity=Severity(doc["severity"]),
        remediation=Remediation(doc["remediation"]),
        spec=build_spec(kind, doc),
        directions=frozenset(Direction(d) for d in directions),
        enabled=doc["enabled"],
        selector=build_selector(doc["selector"]),
        references=tuple(doc["references"]),
        description=doc["description"],
        grace_days=int(doc.get("grace_days", 0)),
    )


def build_spec(kind: CheckType, doc: Doc) -> CheckSpec:
    match kind:
        case CheckType.RESTRICTED_PORTS:
            return RestrictedPorts(_port_specs(doc["ports"]), build_sources(doc))
        case CheckType.AUTHORIZED_PORTS:
            return AuthorizedPorts(_port_specs(doc["allowed"]), build_sources(doc))
        case CheckType.ALL_TRAFFIC:
            return AllTraffic(build_sources(doc))
        case CheckType.WIDE_PUBLIC_CIDR:
            return WidePublicCidr(
                doc["ipv4_min_prefix"],
                doc["ipv6_min_prefix"],
                doc["include_world"],
                build_allowed(doc.get("allowed_peers", [])),
            )
        case CheckType.DEFAULT_GROUP_CLOSED:
            return DefaultGroupClosed()
        case CheckType.UNTRUSTED_REFERENCE:
            return UntrustedReference(frozenset(doc["trusted_accounts"]))
        case CheckType.MAX_RULES:
            direction = None if doc["direction"] == "total" else Direction(doc["direction"])
            return MaxRules(doc["maximum"], direction)
        case CheckType.DESCRIPTION_REQUIRED:
            return DescriptionRequired()


def _port_specs(specs: list[Doc]) -> tuple[PortSpec, ...]:
    return tuple(
        PortSpec(frozenset(s["protocols"]), parse_port_range(s["ports"], "$")) for s in specs
    )


def build_sources(doc: Doc) -> Sources:
    sources = doc["sources"]
    return Sources(
        world="world" in sources,
        public="public" in sources,
        cidrs=tuple(ipaddress.ip_network(s) for s in sources if s not in ("world", "public")),
        versions=frozenset(doc["ip_versions"]),
        allowed=build_allowed(doc.get("allowed_peers", [])),
    )


def build_allowed(peers: list[str]) -> AllowedPeers:
    if not peers:
        return NO_ALLOWED_PEERS
    return AllowedPeers(
        cidrs=tuple(p for p in peers if not p.startswith(PREFIX_LIST_PREFIX)),
        prefix_lists=tuple(p for p in peers if p.startswith(PREFIX_LIST_PREFIX)),
    )


def _tag_pairs(tags: Doc) -> tuple[tuple[str, str | None], ...]:
    return tuple(sorted(tags.items(), key=lambda kv: kv[0]))


def build_selector(doc: Doc) -> Selector:
    return Selector(
        accounts=frozenset(doc.get("accounts", ())),
        regions=frozenset(doc.get("regions", ())),
        group_tags=_tag_pairs(doc.get("group_tags", {})),
    )


def build_exemption(doc: Doc) -> Exemption:
    match = doc["match"]
    expires = doc.get("expires")
    return Exemption(
        id=doc["id"],
        owner=doc["owner"],
        reason=doc["reason"],
        ticket=doc.get("ticket"),
        expires=date.fromisoformat(expires) if expires is not None else None,
        checks=frozenset(match.get("checks", ())),
        group_ids=frozenset(match.get("group_ids", ())),
        rule_ids=frozenset(match.get("rule_ids", ())),
        accounts=frozenset(match.get("accounts", ())),
        regions=frozenset(match.get("regions", ())),
        tags=_tag_pairs(match.get("tags", {})),
        rule_tags=_tag_pairs(match.get("rule_tags", {})),
        tagged=bool(match.get("tagged", False)),
        peers_within=build_allowed(match.get("peers_within", [])),
    )


def build_settings(doc: Doc) -> Settings:
    return Settings(
        coverage_detection=doc["coverage_detection"],
        resolve_prefix_lists=doc["resolve_prefix_lists"],
        trusted_accounts=frozenset(doc["trusted_accounts"]),
        unresolved_prefix_list_severity=Severity(doc["unresolved_prefix_list_severity"]),
        exemption_tag_key=doc["exemption_tag_key"],
        unknown_exemption_tag_severity=Severity(doc["unknown_exemption_tag_severity"]),
    )
