"""The local AWS's event rules match arrays of objects as EventBridge does (event_arrays.py):
the rule that routes tag calls on security groups matches by the resources a call tagged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.local.pipeline.hub import sg_change_pattern
from sgcompliance.local.server.event_arrays import flatten, install

moto_events = pytest.importorskip("moto.events.models", reason="moto is the local AWS")

FIXTURES = Path(__file__).parents[2] / "fixtures" / "events"


def event(name: str, **parameters: Any) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    found["detail"]["requestParameters"].update(parameters)
    return found


def tagging(*resources: str) -> dict[str, Any]:
    return event("create_tags", resourcesSet={"items": [{"resourceId": r} for r in resources]})


@pytest.fixture
def installed() -> Iterator[None]:
    kept = moto_events.EventPattern.__dict__["_flatten_dict"]
    install()
    yield
    moto_events.EventPattern._flatten_dict = kept


def matches(found: dict[str, Any]) -> bool:
    pattern = moto_events.EventPattern.load(json.dumps(sg_change_pattern()))
    return bool(pattern.matches_event(found))


def test_a_path_through_an_array_of_objects_leads_to_every_value_in_it() -> None:
    flat = flatten({"a": {"items": [{"id": "sg-1", "n": 1}, {"id": "i-2"}, "x"]}, "b": [1, 2]})
    assert flat == {"a.items.id": ["sg-1", "i-2"], "a.items.n": 1, "a.items": "x", "b": [1, 2]}


@pytest.mark.usefixtures("installed")
@pytest.mark.parametrize(
    ("resources", "routed"),
    [
        (("sg-0a1b2c3d4e5f60718",), True),
        (("sgr-0123456789abcdef0",), True),
        (("i-0123456789abcdef0", "sg-0a1b2c3d4e5f60718"), True),
        (("i-0123456789abcdef0",), False),
        (("vpc-0123456789abcdef0", "subnet-0123456789abcdef0"), False),
    ],
)
def test_the_rule_routes_a_tag_call_only_when_it_tags_a_group_or_a_rule(
    resources: tuple[str, ...], routed: bool
) -> None:
    assert matches(tagging(*resources)) is routed


@pytest.mark.usefixtures("installed")
def test_rule_changes_are_still_routed_and_revokes_are_not() -> None:
    assert matches(event("authorize_ingress"))
    assert not matches(event("revoke_ingress"))


def test_without_the_flattening_moto_routes_no_tag_call_at_all() -> None:
    # (why the local server installs it: the same pattern would route nothing locally)
    assert not matches(tagging("sg-0a1b2c3d4e5f60718"))
