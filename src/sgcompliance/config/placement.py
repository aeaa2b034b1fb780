"""Where an account sits in the AWS Organization, as far as remediation modes care."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AccountPlacement:
    """An account's OUs, nearest first with the root last, and its account tags."""

    ous: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
