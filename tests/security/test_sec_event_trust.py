"""What an event claims is not trusted: a forged identity cannot dodge enforcement, a replayed
old event changes nothing, and another account named in an event is never called."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

from sgcompliance.records.audit import AuditAction
from support.pipeline_world import (
    EVENT_TIME,
    GROUP,
    MEMBER,
    NOW,
    OTHER,
    REGION,
    emitted,
    event_for,
    fixture,
    private_group,
    world,
)

OWN = fixture("own_role_authorize_ingress")["detail"]["userIdentity"]
OUTSIDER = "333333333333"


def own_identity_in(account: str, *, issuer_account: str | None = None) -> dict[str, Any]:
    """The remediator's member-role session, as recorded in (or claimed for) `account`."""
    identity = copy.deepcopy(OWN)
    identity["accountId"] = account
    identity["arn"] = identity["arn"].replace(MEMBER, account)
    issuer = identity["sessionContext"]["sessionIssuer"]
    issuer["arn"] = issuer["arn"].replace(MEMBER, issuer_account or account)
    issuer["accountId"] = issuer_account or account
    return identity


def revoked(writes: list[str]) -> bool:
    return any(w.startswith("revoke") for w in writes)


def test_the_remediators_genuine_session_in_the_changed_account_is_ignored() -> None:
    # GIVEN the member role's own session, every account field naming the changed account
    w = world()
    body = w.app.handle(event_for(userIdentity=own_identity_in(MEMBER))).body
    # THEN it is the remediator's own change: not judged, nothing read
    assert body["status"] == "ignored"
    assert w.calls == []


def test_a_session_of_the_remediators_role_name_in_another_account_is_judged() -> None:
    # GIVEN a change in the member account by a session whose role, named like the member
    # role, lives in another account (the own-role pattern has `*` for the account)
    w = world()
    event = event_for(userIdentity=own_identity_in(MEMBER, issuer_account=OUTSIDER))
    # WHEN handled  THEN it cannot claim to be the remediator: judged and revoked
    body = w.app.handle(event).body
    assert body["status"] == "judged"
    assert revoked(w.writes)


def test_an_identity_from_another_account_than_the_recipient_is_judged() -> None:
    # GIVEN the remediator's session as recorded in the other account, on a change that
    # CloudTrail says happened in the member account
    w = world()
    event = event_for(userIdentity=own_identity_in(OUTSIDER))
    # THEN the mismatch is not trusted to exempt anything: judged and revoked
    assert w.app.handle(event).body["status"] == "judged"
    assert revoked(w.writes)


def test_an_event_naming_another_account_only_reads_the_recipient_account() -> None:
    # GIVEN an event whose identity and request name an account outside the scope
    w = world()
    identity = copy.deepcopy(fixture("authorize_ingress")["detail"]["userIdentity"])
    identity["accountId"] = OUTSIDER
    event = event_for(userIdentity=identity)
    event["detail"]["requestParameters"]["groupOwnerId"] = OUTSIDER
    # WHEN handled  THEN only the recipient account (CloudTrail's own field) is touched
    w.app.handle(event)
    assert f"read-group {MEMBER}/{REGION} {GROUP}" in w.calls
    assert all(OUTSIDER not in call for call in w.calls)
    assert all(account != OUTSIDER for account, _ in w.adapters.member_groups.gateways)


def test_an_event_whose_sender_is_not_the_recipient_account_is_refused_and_audited() -> None:
    # GIVEN an event that EventBridge says OUTSIDER sent, whose detail claims MEMBER's change
    w = world()
    event = event_for()
    event["account"] = OUTSIDER
    # WHEN handled
    w.app.handle(event)
    # THEN nothing is read or written, and the refusal is recorded (in the log's trail: input
    # that cannot be trusted causes no write anywhere) with both accounts
    assert (w.calls, w.writes, w.alerts, w.audit) == ([], [], [], [])
    (record,) = w.log_sink.records.values()
    assert record.reason.startswith("account_mismatch:")
    assert OUTSIDER in record.reason


def test_a_replayed_event_older_than_the_maximum_age_causes_no_aws_call() -> None:
    # GIVEN an event from two days before now (an archive replayed, a queue re-driven)
    w = world()
    old = (EVENT_TIME - timedelta(days=2)).isoformat()
    # WHEN handled
    body = w.app.handle(event_for(eventTime=old)).body
    # THEN nothing is read or written, the record says why, and it is counted
    assert body["status"] == "ignored"
    assert "older than 1 day" in body["reason"]
    assert (w.calls, w.writes, w.alerts) == ([], [], [])
    (record,) = w.audit
    assert record.action is AuditAction.IGNORED
    assert emitted(w.pipeline.metrics)["EventsIgnored[stale_event]"] == 1


def test_an_event_just_inside_the_maximum_age_is_judged() -> None:
    w = world(max_event_age=timedelta(hours=1))
    recent = (NOW - timedelta(minutes=59)).isoformat()
    assert w.app.handle(event_for(eventTime=recent)).body["status"] == "judged"
    assert revoked(w.writes)


def test_without_a_maximum_age_an_old_event_is_judged() -> None:
    w = world(max_event_age=None)
    old = (NOW - timedelta(days=30)).isoformat()
    assert w.app.handle(event_for(eventTime=old)).body["status"] == "judged"


def test_a_replayed_event_from_a_queue_causes_no_aws_write() -> None:
    # GIVEN an old change event re-driven through the event queue
    w = world()
    detail = fixture("authorize_ingress")
    detail["detail"]["eventTime"] = (EVENT_TIME - timedelta(days=3)).isoformat()
    batch = fixture("sqs_sg_change")
    batch["Records"][0]["body"] = json.dumps(detail)
    # WHEN handled  THEN nothing was read or written
    w.app.handle(batch)
    assert (w.calls, w.writes) == ([], [])


def test_a_work_item_for_an_account_outside_the_scope_touches_nothing() -> None:
    # GIVEN a forged work item for an account the configuration does not cover
    w = world(private_group(account=OUTSIDER))
    batch = fixture("sqs_work_items")
    body = json.loads(batch["Records"][0]["body"]) | {"account_id": OUTSIDER}
    batch["Records"] = [batch["Records"][0] | {"body": json.dumps(body)}]
    # WHEN handled  THEN no call reaches that account
    w.app.handle(batch)
    assert all(OUTSIDER not in call for call in w.calls)
    assert w.adapters.member_groups.gateways[(OUTSIDER, REGION)].writes == []
    assert w.audit[0].action is AuditAction.OUT_OF_SCOPE


def test_a_change_in_the_other_configured_account_is_judged_there() -> None:
    # GIVEN the scope covers two accounts  WHEN the second one changes  THEN it is read there
    w = world(private_group(account=OTHER))
    w.app.handle(event_for(recipientAccountId=OTHER))
    assert any(f" {OTHER}/" in call for call in w.calls)
