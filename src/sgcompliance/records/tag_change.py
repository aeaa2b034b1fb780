"""A change to a tag the tool reads, as an audit record and an alert tell it.

Whoever may tag a security group may point it at an exemption, or remove the tool's own
`sgc:` tags to hide a flag. Such a change is judged like a rule change, and the record of it
says which tag changed, on which group or rule, and how; the record's `actor` says who.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class TagRole(StrEnum):
    """Why the tool reads the tag."""

    EXEMPTION = "exemption"  # the policy's exemption tag: a pointer to an exemption
    TOOL = "tool"  # one of the tool's own `sgc:` tags
    POLICY = "policy"  # a key the policy's checks or exemptions match on


@dataclass(frozen=True, slots=True)
class TagChange:
    """One tag set or removed on one group (`sg-`) or rule (`sgr-`).

    `key` None is a DeleteTags without tags: every tag of the resource removed."""

    resource_id: str
    key: str | None
    value: str | None
    removed: bool
    role: TagRole

    def describe(self) -> str:
        """One line: `exemption tag sgc-exemption=EX-12 set on sg-0abc`."""
        if self.key is None:
            return f"every tag removed from {self.resource_id}"
        what = f"{self.role.value} tag {self.key}"
        if self.removed:
            return f"{what} removed from {self.resource_id}"
        return f"{what}={self.value or ''} set on {self.resource_id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "resource_id": self.resource_id,
            "key": self.key,
            "value": self.value,
            "change": "removed" if self.removed else "set",
            "role": self.role.value,
        }
