"""The CloudTrail/EventBridge/SQS fixture events under tests/fixtures/events, loaded fresh."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "events"

MEMBER = "111111111111"
HUB = "999999999999"
REGION = "eu-west-1"
MEMBER_ROLE = f"arn:aws:iam::{MEMBER}:role/sgcompliance-member"
ANY_ACCOUNT_MEMBER_ROLE = "arn:aws:iam::*:role/sgcompliance-member"


def load(name: str) -> Any:
    """A fresh copy of one fixture (tests may change it)."""
    return json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


def names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.json"))
