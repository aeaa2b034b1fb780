"""The event pipeline over the fakes of tests/unit/app (a recording EC2 gateway per account),
for the security tests, which must show exactly which AWS calls a hostile input caused."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "app"))

from pipeline_fakes import (
    EVENT_TIME,
    GROUP,
    MEMBER,
    NOW,
    OTHER,
    REGION,
    World,
    emitted,
    event_for,
    fixture,
    open_ssh_group,
    private_group,
    rule,
    world,
)

__all__ = [
    "EVENT_TIME",
    "GROUP",
    "MEMBER",
    "NOW",
    "OTHER",
    "REGION",
    "World",
    "emitted",
    "event_for",
    "fixture",
    "open_ssh_group",
    "private_group",
    "rule",
    "world",
]
