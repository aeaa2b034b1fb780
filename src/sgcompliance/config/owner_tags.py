"""The `alert_owner_tags` parameter: which tags route an alert to its owner.

`NAME=TagKey` pairs, comma-separated: the alert carries the message attribute NAME with the
value of the group's tag TagKey; `NAME=account:TagKey` reads the tag of the group's account in
the organization instead (ListTagsForResource, cached like the accounts' placement for mode
overrides). Naming an attribute twice gives it fall-backs, tried in order
(`team=Team,team=account:Team`). `none` turns routing off. The default is
`owner=Owner,team=Team` (the groups' tags only: no Organizations call).
"""

from __future__ import annotations

from sgcompliance.errors import ConfigError
from sgcompliance.records.owner_routing import (
    ACCOUNT_PREFIX,
    ATTRIBUTE_NAME,
    BUILT_IN_ATTRIBUTES,
    MAX_ROUTING_ATTRIBUTES,
    NO_ROUTING,
    TAG_KEY_MAX,
    OwnerRouting,
    RoutingAttribute,
    TagSource,
)

_HINT = "e.g. owner=Owner,team=Team,team=account:Team (attribute=tag key), or none"


def parse_owner_tags(text: str, origin: str) -> OwnerRouting:
    if text.lower() == "none":
        return NO_ROUTING
    keys: dict[str, list[TagSource]] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, key = (part.strip() for part in item.partition("="))
        if not sep or not key:
            raise ConfigError(f"{origin}: {item[:80]!r} is not attribute=TagKey", hint=_HINT)
        if not ATTRIBUTE_NAME.fullmatch(name):
            raise ConfigError(
                f"{origin}: attribute name {name[:80]!r} is not 1-32 lower-case letters, "
                "digits, '-' or '_', starting with a letter",
                hint=_HINT,
            )
        if name in BUILT_IN_ATTRIBUTES:
            raise ConfigError(
                f"{origin}: attribute name {name!r} is one every alert already carries",
                hint=f"the built-in attributes are {', '.join(sorted(BUILT_IN_ATTRIBUTES))}",
            )
        on_account = key.startswith(ACCOUNT_PREFIX)
        key = key.removeprefix(ACCOUNT_PREFIX).strip()
        if not key or len(key) > TAG_KEY_MAX or not key.isprintable():
            raise ConfigError(
                f"{origin}: tag key {key[:80]!r} is not 1-{TAG_KEY_MAX} printable characters"
            )
        source = TagSource(key, on_account)
        if source not in keys.setdefault(name, []):
            keys[name].append(source)
    if not keys:
        raise ConfigError(f"{origin}: {text[:80]!r} names no tag", hint=_HINT)
    if len(keys) > MAX_ROUTING_ATTRIBUTES:
        raise ConfigError(
            f"{origin}: {len(keys)} attributes; at most {MAX_ROUTING_ATTRIBUTES} fit beside the "
            "4 built in (SNS delivers at most 10 message attributes to a queue)"
        )
    return OwnerRouting(tuple(RoutingAttribute(n, tuple(k)) for n, k in keys.items()))
