"""Owner routing: the owner and team of the groups an alert is about, as SNS message attributes.

Each routing attribute (`owner`, `team` by default) takes its value from the first of its
sources that has one: a tag of the group, or (`account:Key`) a tag of the group's account in
the organization, in the order configured. An alert about several groups carries
every distinct value, as a `String.Array` attribute: a subscription filter policy such as
`{"team": ["payments"]}` matches when any value of the array does.

Tags are written by whoever may tag a group or an account, so a value is data from outside:
it is normalised (NFC), loses control, format and separator characters and the two characters
a filter policy would need escaped (`"` and `\\`), keeps one space between words, and is
clipped. An alert carries a bounded number of values and bytes, so no tag can make a Publish
fail or crowd the body out.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

# Message attributes the alert always carries: a routing attribute cannot take their names.
BUILT_IN_ATTRIBUTES = frozenset({"severity", "account", "mode", "kind"})
# SNS delivers at most 10 attributes to an SQS subscription with raw delivery; 4 are built in.
MAX_ROUTING_ATTRIBUTES = 6
ROUTING_TYPE = "String.Array"
# AWS tag values are at most 256 characters; a team name needs far fewer.
VALUE_MAX = 128
# Distinct values per attribute, and the bytes of all routing attributes of one alert.
MAX_VALUES = 20
MAX_ROUTING_BYTES = 2048
# Attribute names: lower-case words, so that SNS's rules (letters, digits, `-_.`; no `AWS.`
# or `Amazon.` prefix; no leading, trailing or doubled period) always hold.
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
TAG_KEY_MAX = 128
ACCOUNT_PREFIX = "account:"

Routing = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class TagSource:
    key: str
    # True: the account's tag (Organizations); False: the group's.
    on_account: bool = False

    def describe(self) -> str:
        return f"{ACCOUNT_PREFIX}{self.key}" if self.on_account else self.key


@dataclass(frozen=True, slots=True)
class RoutingAttribute:
    name: str
    sources: tuple[TagSource, ...]  # tried in order; the first usable value wins


@dataclass(frozen=True, slots=True)
class OwnerRouting:
    attributes: tuple[RoutingAttribute, ...] = (
        RoutingAttribute("owner", (TagSource("Owner"),)),
        RoutingAttribute("team", (TagSource("Team"),)),
    )

    @property
    def enabled(self) -> bool:
        return bool(self.attributes)

    def owner(
        self, group_tags: Mapping[str, str], account_tags: Callable[[], Mapping[str, str]]
    ) -> dict[str, str]:
        """attribute -> cleaned value for one group; an attribute with no usable tag is absent.
        `account_tags` is called only when a source on the account is reached."""
        found: dict[str, str] = {}
        for attribute in self.attributes:
            for source in attribute.sources:
                tags = account_tags() if source.on_account else group_tags
                raw = tags.get(source.key)
                value = clean_value(raw) if isinstance(raw, str) else ""
                if value:
                    found[attribute.name] = value
                    break
        return found

    def describe(self) -> str:
        """The configured form, `name=Key,name=account:Key,...` (`none` when off)."""
        pairs = [f"{a.name}={s.describe()}" for a in self.attributes for s in a.sources]
        return ",".join(pairs) or "none"


NO_ROUTING = OwnerRouting(())


def clean_value(text: str) -> str:
    """A tag value as an attribute value: printable, one line, no `"` or `\\`, at most
    VALUE_MAX characters; empty when nothing usable is left."""
    # Slice first: a 10 MB value is not normalised whole. 4x leaves room for decomposed forms.
    normal = unicodedata.normalize("NFC", text[: VALUE_MAX * 4])
    kept = "".join(c if c.isprintable() and c not in '"\\' else " " for c in normal)
    return " ".join(kept.split())[:VALUE_MAX].rstrip()


def routing_values(owners: Iterable[Mapping[str, str]]) -> dict[str, tuple[str, ...]]:
    """The routing attributes of an alert from its groups' owners (most important group
    first): distinct values in first-seen order, bounded in count and in bytes."""
    values: dict[str, dict[str, None]] = {}
    for owner in owners:
        for name, value in owner.items():
            if value:
                values.setdefault(name, {})[value] = None
    routing: dict[str, tuple[str, ...]] = {}
    spent = 0
    # Names the parameter would refuse (a routing built in code) never reach SNS.
    names = [
        n for n in sorted(values) if ATTRIBUTE_NAME.fullmatch(n) and n not in BUILT_IN_ATTRIBUTES
    ]
    for name in names[:MAX_ROUTING_ATTRIBUTES]:
        kept: list[str] = []
        for value in list(values[name])[:MAX_VALUES]:
            cost = len(value.encode()) + 3  # the quotes and the comma of the JSON array
            if spent + cost + len(name) + len(ROUTING_TYPE) + 2 > MAX_ROUTING_BYTES:
                break
            kept.append(value)
            spent += cost
        if kept:
            routing[name] = tuple(kept)
            spent += len(name) + len(ROUTING_TYPE) + 2
    return routing


def _routable(name: str) -> bool:
    return ATTRIBUTE_NAME.fullmatch(name) is not None and name not in BUILT_IN_ATTRIBUTES


def array_value(values: tuple[str, ...]) -> str:
    """A String.Array attribute value: a JSON array of strings, UTF-8 as SNS takes it."""
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))


def routing_size(routing: Routing) -> int:
    """What the routing attributes count against the SNS message size."""
    return sum(
        len(name) + len(ROUTING_TYPE) + len(array_value(values).encode())
        for name, values in routing.items()
    )
