"""Crash consistency of the scheduled sweep: the worker dies while it remediates a region, SQS
delivers the work item again to a new process, and the region ends remediated with the sweep's
alert sent once.

The worker writes the outcome tags only after the sweep's audit records and alert, so a group
still "remediating" after a death tells the next delivery that its alert is owed, even when the
audit records of the first delivery were already stored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from rel_pipeline import MEMBER, REGION, Durable, open_group, process
from rel_tally import Tally
from rel_wiring import create_bucket, proxied_runtime

from sgcompliance.events.classify import WorkItem
from sgcompliance.remediation.plan import TAG_STATUS, Mode
from sgcompliance.remediation.remediator import STATUS_IN_PROGRESS
from support.live_estate import Estate, read_state
from support.live_faults import Crash, Tripwire

pytestmark = pytest.mark.integration

SWEEP_ID = "sweep-5b0c0a51-crash"
# (method, n): the worker dies right after the n-th call of `method` took effect, except for
# "publish", where it dies right before the alert leaves.
CRASHES = [
    pytest.param("put", 1, id="sweep-after-backup"),
    # (the one group of its account-region is verified by AWS's answer to its revoke: no read)
    pytest.param("revoke", 1, id="sweep-after-revoke"),
    pytest.param("put_receipt", 1, id="sweep-after-receipt"),
    pytest.param("publish", 1, id="sweep-before-alert"),
]


def work_item_batch() -> dict[str, Any]:
    body = WorkItem(MEMBER, REGION, SWEEP_ID, datetime.now(UTC)).to_body()
    record = {
        "messageId": "m-1",
        "receiptHandle": "r-1",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "eventSource": "aws:sqs",
        "awsRegion": REGION,
    }
    return {"Records": [record]}


def alerts_naming(durable: Durable, group_id: str) -> int:
    return sum(group_id in json.dumps(alert.body()) for alert in durable.inbox.alerts)


@pytest.mark.parametrize(("method", "after"), CRASHES)
def test_a_sweep_redelivered_after_a_crash_remediates_and_alerts_once(
    endpoint: str, tally: Tally, request: pytest.FixtureRequest, method: str, after: int
) -> None:
    # GIVEN a region holding a group with SSH open to the world
    estate = Estate(endpoint, (MEMBER,), (REGION,))
    create_bucket(proxied_runtime(estate, endpoint, purpose="it"))
    durable = Durable(estate, endpoint)
    group_id, world = open_group(estate, "swept")
    key = estate.key_of(group_id)
    # WHEN the worker dies at the crash point and the work item is delivered again
    with pytest.raises(Crash):
        process(durable, Mode.REMOVE, Tripwire(method, after)).handle(work_item_batch())
    process(durable, Mode.REMOVE).handle(work_item_batch())
    # THEN the world rules are gone, the private one stays, nothing is left "remediating"
    state = read_state(estate)
    now = state[key]
    assert not set(world) & now.rule_ids
    assert now.rule_ids
    assert all(s.tags.get(TAG_STATUS) != STATUS_IN_PROGRESS for s in state.values())
    # AND exactly one alert named the group
    sent = alerts_naming(durable, group_id)
    tally.counts[f"crash {request.node.callspec.id}: alerts naming the group"] += sent
    assert sent == 1
