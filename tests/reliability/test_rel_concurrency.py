"""Two handler processes judging the same group at the same moment (two change events, or one
event delivered twice, as EventBridge may): both describe it, plan, back it up and revoke. One
of them finds the rules already gone; neither may fail, no backup may be lost, and the group
must end exactly as one handler alone leaves it.

`SGC_REL_RACES` sets how many races (each on a new group) run.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from rel_pipeline import MEMBER, REGION, Durable, event_for, open_group, process
from rel_tally import Tally, sized
from rel_wiring import backup_store, create_bucket, proxied_runtime

from sgcompliance.remediation.plan import TAG_CHECKS, TAG_STATUS, Mode
from support.live_estate import Estate, GroupState, read_state

pytestmark = pytest.mark.integration

RACES = sized("SGC_REL_RACES", 2)
# Event ids: two different changes to the group, or the same one delivered twice.
PAIRS = [("c0ffee00-0000-4000-8000-00000000000a", "c0ffee00-0000-4000-8000-00000000000b")] * 2 + [
    ("c0ffee00-0000-4000-8000-00000000000a",) * 2
]


def race(durable: Durable, name: str, event_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Both handlers start handling their event at once; their decisions."""
    group_id, world = open_group(durable.estate, name)
    apps = [process(durable, Mode.REMOVE) for _ in event_ids]  # built before the start line
    start = threading.Barrier(len(apps))

    def handle(n: int) -> dict[str, Any]:
        event = event_for(group_id, world, event_ids[n])
        start.wait()
        return apps[n].handle(event).body

    with ThreadPoolExecutor(len(apps)) as pool:
        return list(pool.map(handle, range(len(apps))))


def alone(durable: Durable) -> GroupState:
    """What one handler leaves."""
    group_id, world = open_group(durable.estate, "alone")
    process(durable, Mode.REMOVE).handle(event_for(group_id, world, "0a10e000-0000-4000-8000-0"))
    return read_state(durable.estate)[durable.estate.key_of(group_id)]


@pytest.mark.parametrize("n", range(RACES), ids="race-{}".format)
def test_two_handlers_on_one_group_at_once_end_in_one_consistent_state(
    endpoint: str, tally: Tally, n: int
) -> None:
    # GIVEN a group with SSH open to the world, and what one handler alone makes of it
    durable = Durable(Estate(endpoint, (MEMBER,), (REGION,)), endpoint)
    create_bucket(proxied_runtime(durable.estate, endpoint, purpose="it"))
    expected = alone(durable)
    # WHEN two handlers judge it at the same moment
    bodies = race(durable, "raced", PAIRS[n % len(PAIRS)])
    key = (MEMBER, REGION, "raced")
    now = read_state(durable.estate)[key]
    decisions = [d for body in bodies for d in body["decisions"]]
    # THEN neither failed (no double-revoke error), both report a decision on the group
    assert len(decisions) == 2
    assert all(d["action"] != "error" and d["outcome"] != "failed" for d in decisions), decisions
    # AND the group ends as one handler alone leaves it
    assert now.lines == expected.lines
    assert now.tags.get(TAG_STATUS) == expected.tags.get(TAG_STATUS)
    assert now.tags.get(TAG_CHECKS) == expected.tags.get(TAG_CHECKS)
    # AND every revoked rule is in a stored backup
    store = backup_store(proxied_runtime(durable.estate, endpoint, purpose="it"))
    revoked = {r for d in decisions for r in d["revoked_rule_ids"]}
    backed_up = {
        r
        for backup_id in store.list(durable.estate.group_ids[key])
        for r in store.get(backup_id).plan.revoke_ingress
    }
    assert revoked
    assert revoked <= backed_up
    tally.counts["concurrency: races of two handlers, consistent"] += 1
