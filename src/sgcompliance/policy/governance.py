"""What `sgc policy validate` warns about in a valid policy: exemptions wider than a security
team would mean to grant, or grantable by the very people they exempt.

None of these makes a policy invalid (each can be intended); each is named with the exemption's
id and what to do instead. `sgc policy validate --strict` fails on them.
"""

from __future__ import annotations

from sgcompliance.engine.policy import Exemption, Policy


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
