"""The event pipeline over the fakes of tests/unit/app (a recording EC2 gateway per account),
for campaigns that must show no AWS write."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "app"))

from pipeline_fakes import MEMBER, REGION, World, fixture, private_group, world

__all__ = ["MEMBER", "REGION", "World", "fixture", "private_group", "world"]
