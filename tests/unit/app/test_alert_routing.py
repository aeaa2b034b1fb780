"""Owner routing through the use cases: a change event's alert and a sweep's alert carry the
owners of the groups they are about, read from the tags of the groups as judged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sgcompliance.config.owner_tags import parse_owner_tags
from sgcompliance.events.classify import WorkItem
from sgcompliance.records.owner_routing import NO_ROUTING
from support.pipeline_world import MEMBER, OTHER, REGION, event_for, open_ssh_group, world

SWEEP = "sweep-20261127T020000Z-4f2a9c1e"
ISSUED = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def sqs_batch(*accounts: str) -> dict[str, object]:
    bodies = [WorkItem(a, REGION, SWEEP, ISSUED, None).to_body() for a in accounts]
    return {
        "Records": [
            {"messageId": f"m{n}", "body": b, "eventSource": "aws:sqs", "attributes": {}}
            for n, b in enumerate(bodies)
        ]
    }


def test_a_change_event_s_alert_carries_its_group_s_team() -> None:
    # GIVEN the changed group tagged with its team
    w = world(replace(open_ssh_group(), tags={"Team": "payments", "Owner": "alice\n"}))
    # WHEN its event is handled
    w.app.handle(event_for())
    # THEN the alert carries the team and owner as routing attributes
    (alert,) = w.alerts
    assert alert.routing == {"owner": ("alice",), "team": ("payments",)}


def test_a_sweep_alert_names_the_team_of_every_group() -> None:
    w = world(
        replace(open_ssh_group(), tags={"Team": "payments"}),
        replace(open_ssh_group(account=OTHER), tags={"Team": "web"}),
    )
    w.app.handle(sqs_batch(MEMBER, OTHER))
    (alert,) = w.alerts
    assert sorted(alert.routing["team"]) == ["payments", "web"]


def test_the_configured_tag_keys_are_the_ones_read() -> None:
    routing = parse_owner_tags("squad=Squad", "test")
    w = world(replace(open_ssh_group(), tags={"Team": "payments", "Squad": "blue"}),
              owner_routing=routing)  # fmt: skip
    w.app.handle(event_for())
    assert w.alerts[0].routing == {"squad": ("blue",)}


def test_routing_off_leaves_the_alert_as_it_was() -> None:
    w = world(replace(open_ssh_group(), tags={"Team": "payments"}), owner_routing=NO_ROUTING)
    w.app.handle(event_for())
    assert w.alerts[0].routing == {}
    assert "owners" not in w.alerts[0].body()
