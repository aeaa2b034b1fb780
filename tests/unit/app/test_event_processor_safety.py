"""Safety of the change-event use case: loop prevention, scope, hostile input, bad config."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgcompliance.config.runtime import ORGANIZATION
from sgcompliance.errors import ConfigError
from sgcompliance.records.audit import AuditAction
from support.hypothesis_budget import examples
from support.pipeline_world import (
    GROUP,
    MEMBER,
    REGION,
    TOPIC,
    emitted,
    event_for,
    fixture,
    private_group,
    world,
)

OWN_IDENTITY = fixture("own_role_authorize_ingress")["detail"]["userIdentity"]
MODE_ERROR = "/sgcompliance/mode: 'remove' is not one of flag_only, remove_non_compliant_rules"


def own_revoke_event() -> dict[str, Any]:
    """What CloudTrail records when the remediator revokes: its own session, a Revoke* call."""
    identity = copy.deepcopy(OWN_IDENTITY)
    identity["arn"] = (
        "arn:aws:sts::111111111111:assumed-role/sgcompliance-member/sgcompliance-handler"
    )
    return event_for("revoke_ingress", userIdentity=identity)


def test_the_remediators_own_revoke_event_is_ignored_without_any_aws_call() -> None:
    # GIVEN a group just remediated
    w = world()
    w.app.handle(event_for())
    calls, writes = len(w.calls), len(w.writes)
    # WHEN the revoke it made comes back as an event
    body = w.app.handle(own_revoke_event()).body
    # THEN it is ignored: no read, no write, an "ignored" record, counted by reason
    assert (body["status"], body["decisions"][0]["action"]) == ("ignored", "ignored")
    assert (len(w.calls), len(w.writes)) == (calls, writes)
    assert emitted(w.pipeline.metrics)["EventsIgnored[revoke_event]"] == 1


def test_a_change_made_by_the_remediators_own_session_is_ignored() -> None:
    # GIVEN a rollback's re-authorize, made by the member role's sgcompliance- session
    w = world()
    body = w.app.handle(event_for("own_role_authorize_ingress")).body
    # THEN it is not judged (a rollback must not be undone again)
    assert body["status"] == "ignored"
    assert w.calls == []
    assert emitted(w.pipeline.metrics)["EventsIgnored[own_session]"] == 1


def test_a_session_merely_named_like_the_remediator_is_still_judged() -> None:
    # GIVEN another role whose session someone named "sgcompliance-remediate"
    w = world()
    body = w.app.handle(event_for("forged_session_name")).body
    # THEN the change is judged and its world-open rule revoked
    assert body["status"] == "judged"
    assert any(x.startswith("revoke") for x in w.writes)


def test_a_failed_call_is_ignored_without_any_aws_call() -> None:
    w = world()
    body = w.app.handle(event_for("failed_authorize_ingress")).body
    assert body["status"] == "ignored"
    assert "Client.UnauthorizedOperation" in body["reason"]
    assert w.calls == []


def test_an_account_outside_the_scope_causes_no_aws_call_and_leaves_a_record() -> None:
    # GIVEN a configuration for two accounts  WHEN a third account's change arrives
    w = world()
    body = w.app.handle(event_for(recipientAccountId="333333333333")).body
    # THEN nothing is read or written, and the audit trail says why
    assert body["status"] == "out_of_scope"
    assert w.calls == []
    (record,) = w.audit
    assert record.action is AuditAction.OUT_OF_SCOPE
    assert record.account_id == "333333333333"
    assert emitted(w.pipeline.metrics)["EventsIgnored[out_of_scope]"] == 1


def test_a_region_outside_the_scope_causes_no_aws_call() -> None:
    w = world()
    body = w.app.handle(event_for(awsRegion="us-west-2")).body
    assert body["status"] == "out_of_scope"
    assert w.calls == []


def test_with_the_organization_as_scope_any_account_is_judged() -> None:
    w = world(private_group(account="333333333333"), accounts=ORGANIZATION)
    body = w.app.handle(event_for(recipientAccountId="333333333333")).body
    assert body["status"] == "judged"


HOSTILE: list[object] = [
    None,
    "AuthorizeSecurityGroupIngress",
    [event_for()],
    {},
    {"detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2", "detail": None},
    {"detail-type": "AWS API Call via CloudTrail", "source": "evil", "detail": {}},
    {"detail-type": ["x"], "source": {"a": 1}},
    event_for(eventName="RunInstances"),
    event_for(eventName="A" * 1_000_000),
    event_for(recipientAccountId="111111111111\n"),
    event_for(recipientAccountId=111111111111),
    event_for(awsRegion="eu-west-1; rm -rf /"),
    event_for(eventTime="yesterday"),
    event_for(eventTime="2026-11-27T10:15:30"),  # no zone
    event_for(eventID=None),
    {"Records": "not a list"},
    {"Records": [{"eventSource": "aws:s3", "messageId": "m"}]},
    {"action": "destroy"},
    {"action": "remediate", "accounts": ["all"], "mode": "remove_everything"},
    {"action": "rollback"},
    {"detail-type": "Scheduled Event", "source": "aws.events", "id": "x", "time": "never"},
    {"detail-type": "Scheduled Event", "source": "attacker"},
]


def test_hostile_and_malformed_events_are_refused_without_any_aws_call() -> None:
    w = world()
    for event in HOSTILE:
        # WHEN each is handled  THEN it is refused, nothing is read, written or alerted
        response = w.app.handle(copy.deepcopy(event))
        assert response.body["status"] == "rejected", event
        assert not response.retry
    assert (w.calls, w.writes, w.alerts) == ([], [], [])
    assert w.audit == []  # the S3-like store is not written: only the log's trail
    assert w.log_sink.writes == len(HOSTILE)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_arbitrary_json_never_raises_and_never_writes(event: object) -> None:
    w = world()
    w.app.handle(event)
    assert (w.writes, w.alerts) == ([], [])


FIXTURE_NAMES = ["authorize_ingress", "modify_security_group_rules", "sqs_work_items"]


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIXTURE_NAMES), st.lists(st.text(max_size=20), max_size=4), JSON)
def test_fixture_events_with_any_field_replaced_never_raise(
    name: str, path: list[str], value: object
) -> None:
    # GIVEN a real event with one field (at any depth) replaced by arbitrary JSON, and a
    # compliant group, so that even a still-valid event has nothing to write
    w = world(private_group())
    event = fixture(name)
    _replace(event, path, value)
    # WHEN handled  THEN no exception escapes and nothing is changed
    w.app.handle(event)
    assert w.writes == []


def _replace(doc: Any, path: list[str], value: object) -> None:
    for key in path:
        if isinstance(doc, dict) and doc:
            nxt = key if key in doc else sorted(doc)[len(key) % len(doc)]
            if not isinstance(doc[nxt], dict | list):
                doc[nxt] = value
                return
            doc = doc[nxt]
        elif isinstance(doc, list) and doc:
            doc = doc[len(key) % len(doc)]
    if isinstance(doc, dict):
        doc["detail-type" if "detail-type" in doc else "x"] = value


def test_an_invalid_configuration_writes_nothing_alerts_and_names_the_parameter() -> None:
    # GIVEN a configuration whose mode parameter is invalid, and the topic known from before
    w = world()
    w.pipeline.services()
    w.configs.error = ConfigError(MODE_ERROR)
    # WHEN a violating change arrives
    body = w.app.handle(event_for()).body
    # THEN nothing is read or written, the result names the parameter, and an alert says so
    assert body["status"] == "config_error"
    assert body["error"].startswith("/sgcompliance/mode:")
    assert (w.calls, w.writes) == ([], [])
    (alert,) = w.alerts
    assert alert.body()["kind"] == "config_error"
    assert "/sgcompliance/mode" in alert.subject


def test_the_same_configuration_error_is_alerted_once_not_per_event() -> None:
    w = world()
    w.adapters.fallback = TOPIC
    w.configs.error = ConfigError(MODE_ERROR)
    for _ in range(3):
        w.app.handle(event_for())
    assert len(w.alerts) == 1


def test_without_a_known_topic_an_invalid_configuration_is_still_answered() -> None:
    w = world()
    w.configs.error = ConfigError(MODE_ERROR)
    body = w.app.handle(event_for()).body
    assert (body["status"], body["alert_message_id"]) == ("config_error", None)
    assert w.alerts == []


def test_an_invalid_configuration_leaves_an_sqs_batch_in_the_queue() -> None:
    w = world()
    w.configs.error = ConfigError(MODE_ERROR)
    body = w.app.handle(fixture("sqs_work_items")).body
    assert len(body["batchItemFailures"]) == 3
    assert w.calls == []


def test_ignored_and_scope_decisions_keep_the_group_and_account_in_the_record() -> None:
    w = world()
    w.app.handle(event_for("failed_authorize_ingress"))
    (record,) = w.audit
    assert (record.account_id, record.region, record.group_id) == (MEMBER, REGION, GROUP)
    assert record.action is AuditAction.IGNORED
