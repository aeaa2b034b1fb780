"""What `sgc policy validate` warns about in a valid policy: exemptions wider than a security
team would mean to grant, or grantable by the very people they exempt, and allowed public
ranges wide enough to hide most of what a check looks for.

None of these makes a policy invalid (each can be intended); each is named with the exemption's
id and what to do instead. `sgc policy validate --strict` fails on them.
"""

from __future__ import annotations

import ipaddress

from sgcompliance.engine.policy import (
    AllowedPeers,
    Exemption,
    Policy,
    Remediation,
    allowed_peers,
)

# An allowed range wider than this is most of the internet, not a provider's ranges (the big
# CDNs' widest published ranges are IPv4 /12 and IPv6 /24).
_WIDEST_ALLOWED = {4: 8, 6: 16}


def policy_warnings(policy: Policy) -> list[str]:
    """Every concern `sgc policy validate` names: exemptions first, then allowed ranges and
    grace periods."""
    return exemption_warnings(policy) + allowance_warnings(policy) + grace_warnings(policy)


def grace_warnings(policy: Policy) -> list[str]:
    """A grace period on a check that never revokes waits for nothing."""
    return [
        f"check {check.id!r} has grace_days {check.grace_days} but remediation flag: "
        "only revokes wait for a grace period (give it remediation remove, or drop grace_days)"
        for check in policy.checks
        if check.grace_days and check.remediation is Remediation.FLAG
    ]


def allowance_warnings(policy: Policy) -> list[str]:
    """One line per allowed CIDR (of a check or an exemption's peers_within) wider than
    IPv4 /8 or IPv6 /16."""
    found = []
    for check in policy.checks:
        allowed = allowed_peers(check)
        if allowed:
            found += _wide(f"check {check.id!r} allowed_peers", allowed)
    for exemption in policy.exemptions:
        found += _wide(f"exemption {exemption.id!r} match.peers_within", exemption.peers_within)
    return found


def _wide(name: str, allowed: AllowedPeers) -> list[str]:
    out = []
    for cidr in allowed.cidrs:
        network = ipaddress.ip_network(cidr)
        if network.prefixlen < _WIDEST_ALLOWED[network.version]:
            out.append(
                f"{name} holds {cidr}, wider than /{_WIDEST_ALLOWED[network.version]}: "
                "allow the provider's published ranges or its managed prefix list instead"
            )
    return out


def exemption_warnings(policy: Policy) -> list[str]:
    """One line per concern, in the policy's order of exemptions."""
    return [line for exemption in policy.exemptions for line in _concerns(policy, exemption)]


def _concerns(policy: Policy, exemption: Exemption) -> list[str]:
    name = f"exemption {exemption.id!r}"
    found = []
    if not exemption.checks:
        found.append(f"{name} covers every check: name the checks it accepts in match.checks")
    if not (exemption.accounts or exemption.group_ids or exemption.rule_ids):
        found.append(
            f"{name} covers every account: bound it with match.accounts, group_ids or rule_ids"
        )
    if exemption.expires is None:
        found.append(f"{name} never expires: give it an expires date and review it then")
    if exemption.rule_tags:
        found.append(
            f"{name} is granted by a rule's own tags (match.rule_tags), which whoever opens the "
            "rule sets: prefer a tagged exemption the group points to"
        )
    if exemption.tags and not exemption.tagged:
        key = policy.settings.exemption_tag_key
        found.append(
            f"{name} is granted by group tags anyone who may tag the group can set: prefer "
            f"match.tagged (the group's {key} tag names the exemption) and reserve {key} for "
            "the security team with a tag policy or SCP (docs/policy.md)"
        )
    return found
