"""Crash consistency of the event-driven path: the handler process dies between two steps of a
remediation, the event is delivered again to a new process, and it must end where an
uninterrupted handling ends, with the alert sent exactly once.

Crash points: right after the backup is stored and after its pointer tag (between backup and
revoke), right after the revoke and after its verification (between revoke and notification),
right before the alert is published, and after the outcome tags. The event path writes the
outcome tags only after the audit records and the alert: a group still "in progress" tells the
next delivery that the remediation it finishes has not been alerted yet.
"""

from __future__ import annotations

import pytest
from rel_pipeline import MEMBER, REGION, Durable, event_for, open_group, process
from rel_tally import Tally
from rel_wiring import create_bucket, proxied_runtime

from sgcompliance.remediation.plan import TAG_CHECKS, TAG_STATUS, Mode
from support.live_estate import Estate, GroupKey, read_state
from support.live_faults import Crash, Tripwire

pytestmark = pytest.mark.integration

EVENT_ID = "5b0c0a51-0000-4000-8000-00000000c0de"
# (method, n): the process dies right after the n-th call of `method` took effect, except
# for "publish", where it dies right before the alert leaves.
CRASHES = [
    # backup stored; no pointer tag, nothing revoked
    pytest.param("put", 1, id="after-backup"),
    # backup and pointer tag; nothing revoked
    pytest.param("set_tags", 1, id="after-pointer-tag"),
    # revoked (and verified: AWS's answer to the revoke says what it removed, and a world rule
    # is revoked without a read of the group first); no receipt, no outcome tags
    pytest.param("revoke", 1, id="after-revoke"),
    # revoked, verified and the receipt stored; no audit record, no alert (the outcome tags
    # come after the alert)
    pytest.param("put_receipt", 1, id="after-receipt"),
    # audit records stored; the alert not sent
    pytest.param("publish", 1, id="before-alert"),
    # alerted and tagged: done; the redelivery finds nothing left to do and sends nothing
    pytest.param("set_tags", 2, id="after-outcome-tags"),
]


def handled(endpoint: str, name: str, tripwire: Tripwire | None) -> tuple[Durable, GroupKey]:
    """An open group, and its change event handled by a process that may die, then delivered
    again (as EventBridge and Lambda retry) to a new process when it did."""
    durable = Durable(Estate(endpoint, (MEMBER,), (REGION,)), endpoint)
    group_id, world = open_group(durable.estate, name)
    event = event_for(group_id, world, EVENT_ID)
    if tripwire is None:
        process(durable, Mode.REMOVE).handle(event)
    else:
        with pytest.raises(Crash):
            process(durable, Mode.REMOVE, tripwire).handle(event)
        process(durable, Mode.REMOVE).handle(event)
    return durable, durable.estate.key_of(group_id)


@pytest.mark.parametrize(("method", "after"), CRASHES)
def test_a_redelivered_event_after_a_crash_converges_and_alerts_once(
    endpoint: str, tally: Tally, request: pytest.FixtureRequest, method: str, after: int
) -> None:
    # GIVEN what an uninterrupted handling of the event leaves
    create_bucket(proxied_runtime(Estate(endpoint, (MEMBER,), (REGION,)), endpoint, purpose="it"))
    clean, key = handled(endpoint, "uninterrupted", None)
    clean_id = clean.estate.group_ids[key]
    assert len(clean.inbox.alerts) == 1
    # WHEN a handler dies at the crash point and the event is delivered again
    durable, key = handled(endpoint, "interrupted", Tripwire(method, after))
    now = read_state(durable.estate)[key]
    expected = read_state(clean.estate)[clean.estate.key_of(clean_id)]
    alerts = len(durable.inbox.alerts)
    tally.counts[f"crash {request.node.callspec.id}: alerts sent"] += alerts
    # THEN the group ends as the uninterrupted handling left it, and one alert went out
    assert now.lines == expected.lines
    assert now.tags.get(TAG_STATUS) == expected.tags.get(TAG_STATUS)
    assert now.tags.get(TAG_CHECKS) == expected.tags.get(TAG_CHECKS)
    assert alerts == 1
