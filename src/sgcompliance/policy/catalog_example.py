"""A check's example, made real: a tiny estate from the catalog, judged by that check alone.

Running the engine (rather than storing example text) keeps `sgc checks show` and docs/checks.md
truthful: a change to a check's wording or logic shows up in its example at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from sgcompliance.engine.evaluate import evaluate
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import Check, Policy, Selector
from sgcompliance.policy.catalog import CatalogEntry

EXAMPLE_ACCOUNT = "111122223333"
EXAMPLE_REGION = "eu-west-1"
EXAMPLE_GROUP = "sg-0a1b2c3d4e5f67890"
# Exemption expiry plays no part in an example; any fixed day keeps it reproducible.
EXAMPLE_DAY = date(2026, 1, 1)


def example_findings(entry: CatalogEntry) -> list[Finding]:
    """The findings the entry's check raises on its example estate."""
    group = example_group(entry.example)
    policy = Policy(f"example-{entry.id}", "1", (_enabled(entry.check),))
    snapshot = RegionSnapshot(EXAMPLE_ACCOUNT, EXAMPLE_REGION, (group,))
    return list(evaluate(policy, [snapshot], today=EXAMPLE_DAY).findings)


def _enabled(check: Check) -> Check:
    # A policy may switch a check off; its example still shows what it would find.
    return replace(check, enabled=True, selector=Selector())


def example_group(example: Mapping[str, Any]) -> SecurityGroup:
    specs: list[Mapping[str, Any]] = list(example.get("rules", ()))
    repeat = int(example.get("repeat", 1))
    rules = tuple(_rule(spec, f"sgr-{n:017x}") for n, spec in enumerate(specs * repeat, start=1))
    return SecurityGroup(
        EXAMPLE_GROUP,
        str(example.get("group_name", "web")),
        EXAMPLE_ACCOUNT,
        EXAMPLE_REGION,
        rules,
        vpc_id="vpc-0123456789abcdef0",
    )


def _rule(spec: Mapping[str, Any], rule_id: str) -> Rule:
    port = spec.get("port")
    return Rule(
        rule_id,
        EXAMPLE_GROUP,
        Direction(spec.get("direction", "ingress")),
        str(spec["protocol"]),
        port,
        port,
        _peer(str(spec["peer"]), spec.get("peer_account")),
        str(spec.get("description", "")),
    )


def _peer(value: str, account: str | None) -> Peer:
    if value.startswith("sg-"):
        return Peer(PeerKind.GROUP, value, account)
    return Peer(PeerKind.IPV6 if ":" in value else PeerKind.IPV4, value)


def example_lines(finding: Finding) -> tuple[str, ...]:
    """A finding as a few plain lines: where, which rule, what is wrong."""
    rule = finding.rule
    group = finding.group
    where = f"{finding.account_id}/{finding.region} {group.group_id} ({group.name})"
    described = f' "{rule.description}"' if rule is not None and rule.description else ""
    return (
        f"{finding.check_id} [{finding.severity.value}] {where}",
        f"rule: {rule.rule_id} {rule.describe()}{described}" if rule else "rule: (whole group)",
        f"finding: {finding.message}",
    )
