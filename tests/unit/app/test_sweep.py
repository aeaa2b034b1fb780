"""Sweeps: the dispatcher's fan-out, and the worker's batches with partial failures."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sgcompliance.config.runtime import ORGANIZATION
from sgcompliance.errors import AccessDeniedError, ThrottledError
from sgcompliance.events.classify import WorkItem
from sgcompliance.events.work_items import parse_work_item
from sgcompliance.remediation.plan import Mode
from sgcompliance.testing import FakeEstate, FakeQueue
from support.pipeline_world import (
    GROUP,
    MEMBER,
    OTHER,
    REGION,
    emitted,
    fixture,
    open_ssh_group,
    private_group,
    world,
)

SWEEP = "sweep-20261127T020000Z-4f2a9c1e"
ISSUED = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def tick() -> dict[str, Any]:
    event: dict[str, Any] = fixture("scheduled_sweep")
    return event


def batch(*bodies: str) -> dict[str, Any]:
    """A Lambda SQS event with these bodies, message ids m0, m1, ..."""
    return {
        "Records": [
            {"messageId": f"m{n}", "body": body, "eventSource": "aws:sqs", "attributes": {}}
            for n, body in enumerate(bodies)
        ]
    }


def item(account: str = MEMBER, region: str = REGION, mode: Mode | None = None) -> str:
    return WorkItem(account, region, SWEEP, ISSUED, mode).to_body()


def test_a_tick_sends_one_work_item_per_configured_account_and_region() -> None:
    # GIVEN two accounts and one region configured
    w = world()
    # WHEN the schedule fires
    body = w.app.handle(tick()).body
    # THEN two work items were queued, naming the tick's sweep and time
    assert (body["status"], body["work_items"], body["sent"]) == ("dispatched", 2, 2)
    queue = w.adapters.queue
    assert queue is not None
    items = [parse_work_item(json.loads(b)) for _, b in queue.sent]
    assert [(i.account_id, i.region) for i in items if isinstance(i, WorkItem)] == [
        (MEMBER, REGION),
        (OTHER, REGION),
    ]
    assert {i.sweep_id for i in items if isinstance(i, WorkItem)} == {body["sweep_id"]}


def test_the_organization_and_its_enabled_regions_are_listed_when_configured_so() -> None:
    w = world(accounts=ORGANIZATION, regions=())
    w.adapters.estate_ = FakeEstate(("111111111111", "333333333333"), ("eu-west-1", "us-east-1"))
    body = w.app.handle(tick()).body
    assert body["work_items"] == 4


def test_items_the_queue_refused_are_reported_by_account_and_region() -> None:
    w = world()
    w.adapters.queue = FakeQueue(refuse=1)
    body = w.app.handle(tick()).body
    assert body["status"] == "incomplete"
    assert list(body["failed"]) == [f"{MEMBER}/{REGION}"]


def test_without_a_work_queue_the_sweep_is_a_configuration_error() -> None:
    w = world()
    w.adapters.queue = None
    body = w.app.handle(tick()).body
    assert body["status"] == "config_error"
    assert "SGC_WORK_QUEUE_URL" in body["error"]


def test_a_batch_of_work_items_is_remediated_and_summarised_in_one_alert() -> None:
    # GIVEN two work items, each account with a world-open group
    w = world(open_ssh_group(), open_ssh_group(account=OTHER))
    # WHEN the worker gets the batch
    body = w.app.handle(batch(item(), item(OTHER))).body
    # THEN nothing is to be retried, both groups were remediated, and one alert says so
    assert body == {"batchItemFailures": []}
    assert sum(1 for x in w.writes if x.startswith("revoke")) == 2
    (alert,) = w.alerts
    summary = alert.body()
    assert summary["kind"] == "sweep"
    assert [s["account_id"] for s in summary["scopes"]] == [MEMBER, OTHER]
    assert summary["totals"]["rules_revoked"] == 4


def test_only_the_transiently_failed_item_is_delivered_again() -> None:
    # GIVEN one account throttled, one denied, one fine, and an unreadable record
    w = world(private_group(), private_group(account=OTHER))
    w.adapters.member_groups.failures[(OTHER, REGION)] = ThrottledError("Throttling")
    w.adapters.member_groups.failures[("333333333333", REGION)] = AccessDeniedError("denied")
    w.configs.value = replace(w.configs.value, accounts=(MEMBER, OTHER, "333333333333"))
    bodies = (item(), item(OTHER), item("333333333333"), "{not json")
    # WHEN the batch is processed
    body = w.app.handle(batch(*bodies)).body
    # THEN only the throttled one comes back; the denied one is an error record, not a retry
    assert body == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    errors = [r for r in w.audit if r.action.value == "error"]
    assert sorted(r.account_id for r in errors) == [OTHER, "333333333333"]
    assert emitted(w.pipeline.metrics)["EventsIgnored[malformed]"] == 1


def test_a_work_item_for_an_account_outside_the_scope_touches_nothing() -> None:
    w = world()
    w.app.handle(batch(item("333333333333")))
    assert w.calls == []
    assert [r.action.value for r in w.audit] == ["out_of_scope"]


def test_a_compliant_scope_leaves_one_record_and_no_alert() -> None:
    w = world(private_group())
    w.app.handle(batch(item()))
    (record,) = w.audit
    assert (record.action.value, record.group_id, record.reason) == (
        "none",
        None,
        "1 groups compliant",
    )
    assert w.alerts == []


def test_a_redelivered_batch_changes_nothing_and_alerts_nothing_new() -> None:
    # GIVEN flag_only, a batch already processed once
    w = world(mode=Mode.FLAG_ONLY)
    w.app.handle(batch(item()))
    # WHEN SQS delivers it again
    w.app.handle(batch(item()))
    # THEN the flags stand as they were and no second sweep alert went out
    assert len(w.alerts) == 1
    assert sum(1 for x in w.writes if x.startswith("tag")) == 1


def test_a_work_item_may_carry_its_own_mode() -> None:
    w = world(mode=Mode.REMOVE)
    w.app.handle(batch(item(mode=Mode.FLAG_ONLY)))
    assert not any(x.startswith("revoke") for x in w.writes)
    assert w.gateway.groups[GROUP].tags["sgc:status"] == "flagged"


def test_a_change_event_a_queue_received_is_judged_like_a_direct_one() -> None:
    w = world()
    body = w.app.handle(fixture("sqs_sg_change")).body
    assert body == {"batchItemFailures": []}
    assert any(x.startswith("revoke") for x in w.writes)
    assert len(w.alerts) == 1


def test_an_unexpected_failure_of_one_record_spares_the_others() -> None:
    # GIVEN a member read that fails with a bug (not an SgcError) for one account only
    w = world(private_group(), private_group(account=OTHER))
    w.adapters.member_groups.failures[(OTHER, REGION)] = RuntimeError("bug")  # type: ignore[assignment]
    body = w.app.handle(batch(item(), item(OTHER))).body
    assert body == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert [r.account_id for r in w.audit] == [MEMBER]


def test_a_sweep_clears_the_flags_of_a_group_that_became_compliant() -> None:
    # GIVEN a flagged group whose owner has fixed it
    flagged = replace(private_group(), tags={"sgc:status": "flagged", "sgc:violations": "EC2.13"})
    w = world(flagged)
    # WHEN the sweep judges its scope
    w.app.handle(batch(item()))
    # THEN the group says compliant, and the scope's record names it
    assert w.gateway.groups[GROUP].tags["sgc:status"] == "compliant"
    assert "sgc:violations" not in w.gateway.groups[GROUP].tags
    (record,) = w.audit
    assert GROUP in record.reason
