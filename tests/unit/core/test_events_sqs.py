"""SQS batches: each record parsed on its own, bad ones named by message id."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from event_fixtures import MEMBER, load

from sgcompliance.events.classify import (
    BadRecord,
    RejectCode,
    SgChangeEvent,
    SqsBatch,
    SqsRecord,
    WorkItem,
    batch_response,
    classify,
    record_payload,
)
from sgcompliance.remediation.plan import Mode

SWEEP = "sweep-20261127T020000Z-4f2a9c1e"


def batch(name: str) -> SqsBatch:
    found = classify(load(name))
    assert isinstance(found, SqsBatch)
    return found


def body_record(body: object, message_id: str = "m-1") -> SqsRecord:
    return SqsRecord(message_id=message_id, body=body, receive_count=1)


def test_good_records_are_work_items_and_the_bad_one_is_named() -> None:
    # GIVEN the fixture batch: two work items and one with a 4-digit account id
    payloads = [record_payload(r) for r in batch("sqs_work_items").records]
    # THEN the good ones parse, the bad one carries its message id and a precise reason
    issued = datetime(2026, 11, 27, 2, 0, 1, 250000, tzinfo=UTC)
    assert payloads[:2] == [
        WorkItem(MEMBER, "eu-west-1", SWEEP, issued),
        WorkItem("222222222222", "us-east-1", SWEEP, issued),
    ]
    bad = payloads[2]
    assert isinstance(bad, BadRecord)
    assert bad.message_id == "7c8d9e0f-4444-4444-8444-000000000003"
    assert bad.reason_code is RejectCode.MALFORMED_RECORD
    assert bad.message == "work item: account_id must be a 12-digit account id, got '1111'"


def test_a_queued_eventbridge_sg_change_is_an_sg_change() -> None:
    (record,) = batch("sqs_sg_change").records
    found = record_payload(record)
    assert isinstance(found, SgChangeEvent)
    assert found.event_name == "AuthorizeSecurityGroupIngress"


def test_a_queued_scheduled_event_is_refused() -> None:
    found = record_payload(body_record(json.dumps(load("scheduled_sweep"))))
    assert isinstance(found, BadRecord)
    assert "scheduled event" in found.message


def test_a_queued_operator_action_is_refused() -> None:
    # GIVEN an operator command sent to the work queue  THEN it is not run from there
    found = record_payload(body_record(json.dumps(load("operator_rollback"))))
    assert isinstance(found, BadRecord)
    assert "unknown field 'action'" in found.message


def test_a_work_item_round_trips_through_its_body() -> None:
    item = WorkItem(MEMBER, "eu-west-1", SWEEP, datetime(2026, 1, 2, tzinfo=UTC), Mode.REMOVE)
    assert record_payload(body_record(item.to_body())) == item


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "body is null, not a string"),
        ("not json", "body is not JSON: Expecting value at line 1, col 1"),
        ("[1, 2]", "body is an array, not a JSON object"),
        ("[" * 100_000 + "]" * 100_000, "body is JSON nested too deeply"),
        ('{"account_id": ' + "1" * 5000 + "}", "body is not usable JSON"),
        ('{"account_id": "111111111111"}', "region must be an AWS region name, got null"),
        (
            '{"account_id": "111111111111", "region": "eu-west-1", "sweep_id": 7}',
            "sweep_id must be a string of 1-128 characters, got a number",
        ),
        (
            '{"account_id": "111111111111", "region": "eu-west-1", "sweep_id": "a b"}',
            "sweep_id may only contain letters, digits and ._:-",
        ),
        ('{"acount_id": "111111111111"}', "unknown field 'acount_id'"),
        ('{"kind": "other"}', "kind must be 'sgc.work_item'"),
        ('{"version": true}', "version must be 1"),
        (
            '{"account_id": "111111111111", "region": "eu-west-1", "sweep_id": "s", "mode": "x"}',
            "mode must be one of flag_only, remove_non_compliant_rules, emergency_remediation",
        ),
        (
            '{"account_id": "111111111111", "region": "eu-west-1", "sweep_id": "s", '
            '"issued_at": "2026-11-27T02:00:00"}',
            "issued_at must be an ISO 8601 time with a zone",
        ),
    ],
)
def test_each_bad_body_gets_a_precise_reason(body: object, message: str) -> None:
    found = record_payload(body_record(body))
    assert isinstance(found, BadRecord)
    assert message in found.message


def test_an_oversized_body_is_refused_without_decoding() -> None:
    found = record_payload(body_record(" " * (1024 * 1024 + 1)))
    assert isinstance(found, BadRecord)
    assert found.reason_code is RejectCode.TOO_LARGE


def test_a_record_without_a_message_id_makes_the_batch_unusable() -> None:
    # GIVEN a record whose failure could not be reported by id
    event = load("sqs_work_items")
    del event["Records"][1]["messageId"]
    found = classify(event)
    assert not isinstance(found, SqsBatch)


def test_the_partial_batch_response_lists_each_failed_message_once() -> None:
    assert batch_response(["a", "b", "a"]) == {
        "batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]
    }


def test_no_failures_is_an_empty_partial_batch_response() -> None:
    assert batch_response([]) == {"batchItemFailures": []}
