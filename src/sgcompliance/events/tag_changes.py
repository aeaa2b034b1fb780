"""CreateTags and DeleteTags calls on security groups and their rules (pure).

A tag can change what the policy decides without any rule changing: the exemption tag points a
group at an exemption, a check may apply only to groups with a tag, and the tool's own `sgc:`
tags say what it did. So a tag call on a group (`sg-`) or rule (`sgr-`) is an event like a rule
change; only the keys the policy reads make it worth judging (`watched`).

CloudTrail records both calls with `requestParameters.resourcesSet.items[].resourceId` and
`requestParameters.tagSet.items[]` (`key`, and `value` when given). A DeleteTags without tags
removes every tag of its resources.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sgcompliance.engine.policy import Policy
from sgcompliance.events.untrusted import GROUP_ID, RULE_ID, at, dicts_in, matching, text_at
from sgcompliance.records.tag_change import TagChange, TagRole
from sgcompliance.remediation.plan import TAG_PREFIX

CREATE_TAGS = "CreateTags"
DELETE_TAGS = "DeleteTags"
TAG_EVENTS = frozenset({CREATE_TAGS, DELETE_TAGS})
# AWS's limits: a tag key has at most 128 characters, a value 256.
KEY_LIMIT = 128
VALUE_LIMIT = 256


@dataclass(frozen=True, slots=True)
class TagEdit:
    """One tag set or removed on one group or rule, as the call asked (None: every tag)."""

    resource_id: str
    key: str | None
    value: str | None
    removed: bool


def tag_edits(detail: dict[object, object]) -> tuple[TagEdit, ...]:
    """The edits a CreateTags/DeleteTags record makes to groups and rules; other resources
    (instances, volumes) the same call tagged are left out."""
    removed = detail.get("eventName") == DELETE_TAGS
    request = detail.get("requestParameters")
    resources = [
        found
        for item in dicts_in(at(request, "resourcesSet", "items"))
        if (found := _security_group_resource(item.get("resourceId"))) is not None
    ]
    tags = [
        (key, text_at(item, "value", limit=VALUE_LIMIT) if "value" in item else None)
        for item in dicts_in(at(request, "tagSet", "items"))
        if (key := text_at(item, "key", limit=KEY_LIMIT)) is not None
    ]
    if not tags and removed:
        return tuple(TagEdit(r, None, None, removed=True) for r in dict.fromkeys(resources))
    edits = (TagEdit(r, k, v, removed) for r in dict.fromkeys(resources) for k, v in tags)
    return tuple(dict.fromkeys(edits))


def _security_group_resource(value: object) -> str | None:
    return matching(GROUP_ID, value) or matching(RULE_ID, value)


def watched(edits: Iterable[TagEdit], policy: Policy) -> tuple[TagChange, ...]:
    """The edits to tags the tool reads, each with why it reads them."""
    keys = tag_keys_read(policy)
    exemption_key = policy.settings.exemption_tag_key
    found = []
    for edit in edits:
        role = _role(edit.key, exemption_key, keys)
        if role is not None:
            found.append(TagChange(edit.resource_id, edit.key, edit.value, edit.removed, role))
    return tuple(found)


def _role(key: str | None, exemption_key: str, keys: frozenset[str]) -> TagRole | None:
    if key is None or key == exemption_key:
        # Removing every tag removes the exemption tag and the tool's tags with the rest.
        return TagRole.EXEMPTION
    if key.startswith(TAG_PREFIX):
        return TagRole.TOOL
    return TagRole.POLICY if key in keys else None


def tag_keys_read(policy: Policy) -> frozenset[str]:
    """Every tag key whose value can change what `policy` decides about a group."""
    keys = {policy.settings.exemption_tag_key}
    for check in policy.checks:
        keys.update(key for key, _ in check.selector.group_tags)
    for exemption in policy.exemptions:
        keys.update(key for key, _ in exemption.tags)
        keys.update(key for key, _ in exemption.rule_tags)
    return frozenset(keys)


def group_ids_in(changes: Iterable[TagChange]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.resource_id for c in changes if c.resource_id.startswith("sg-")))


def rule_ids_in(changes: Iterable[TagChange]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.resource_id for c in changes if c.resource_id.startswith("sgr-")))
