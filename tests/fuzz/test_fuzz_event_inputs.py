"""The event parser and the SQS work-item parser over hostile input, judged by what an operator
reads: every refusal names its reason in a short message that never carries the hostile value
along, and nothing reaches AWS. (tests/unit/core/test_events_fuzz.py covers "never raises".)"""

from __future__ import annotations

import copy
import json
from typing import Any

from fuzz_support import BIG, FUZZ, HOSTILE_TEXT, JSON_VALUES, assert_clear, paths_in, replaced
from hypothesis import given
from hypothesis import strategies as st

from sgcompliance.events.classify import (
    BadRecord,
    Rejected,
    SqsBatch,
    SqsRecord,
    WorkItem,
    classify,
    record_payload,
)
from sgcompliance.events.work_items import parse_work_item
from support.pipeline_world import MEMBER, REGION, fixture, private_group, world

CHANGE_FIXTURES = [
    "authorize_ingress",
    "authorize_ingress_by_name",
    "create_security_group",
    "modify_security_group_rules",
    "own_role_authorize_ingress",
    "revoke_ingress",
    "scheduled_sweep",
    "operator_remediate",
    "operator_rollback",
]
WORK_ITEM: dict[str, Any] = {
    "kind": "sgc.work_item",
    "version": 1,
    "account_id": MEMBER,
    "region": REGION,
    "sweep_id": "sweep-20261127T020000Z-4f2a9c1e",
    "issued_at": "2026-11-27T02:00:01+00:00",
    "mode": "flag_only",
}


def sqs_event(bodies: list[object]) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": f"m-{i}", "eventSource": "aws:sqs", "body": body}
            for i, body in enumerate(bodies)
        ]
    }


def assert_refusal_is_clear(found: object) -> None:
    if isinstance(found, Rejected | BadRecord):
        assert_clear(found.message)
        assert BIG[:200] not in found.message


@FUZZ
@given(st.sampled_from(CHANGE_FIXTURES), st.data())
def test_a_fixture_with_one_hostile_value_is_accepted_or_refused_clearly(
    name: str, data: st.DataObject
) -> None:
    # GIVEN a real event with one value anywhere replaced (or deleted)
    event = fixture(name)
    path = data.draw(st.sampled_from(paths_in(event)))
    event = replaced(event, path, data.draw(HOSTILE_TEXT | JSON_VALUES | st.just(...)))
    # WHEN classified  THEN a refusal says why in a short message
    assert_refusal_is_clear(classify(event))


@FUZZ
@given(st.data())
def test_a_work_item_with_hostile_fields_is_read_or_refused_clearly(data: st.DataObject) -> None:
    # GIVEN a work item body with any field replaced, deleted or added
    doc = copy.deepcopy(WORK_ITEM)
    key = data.draw(st.sampled_from([*WORK_ITEM, "extra", BIG]))
    doc = replaced(doc, (key,), data.draw(HOSTILE_TEXT | JSON_VALUES | st.just(...)))
    # WHEN parsed  THEN a work item that reads back to itself, or a clear refusal
    parsed = parse_work_item(doc)
    if isinstance(parsed, WorkItem):
        assert parse_work_item(json.loads(parsed.to_body())) == parsed
    else:
        assert_clear(parsed)
        assert BIG[:200] not in parsed


@FUZZ
@given(st.lists(HOSTILE_TEXT | JSON_VALUES.map(json.dumps) | JSON_VALUES, min_size=1, max_size=5))
def test_an_sqs_batch_of_hostile_bodies_is_refused_per_record_with_no_aws_write(
    bodies: list[object],
) -> None:
    # GIVEN a compliant estate and a batch whose bodies are hostile text, JSON or not strings
    w = world(private_group())
    batch = classify(sqs_event(bodies))
    assert isinstance(batch, SqsBatch)
    # WHEN each record is read and the batch is handled
    for record in batch.records:
        assert_refusal_is_clear(record_payload(record))
    w.app.handle(sqs_event(bodies))
    # THEN nothing was written to any account, and no alert went out
    assert (w.writes, w.alerts) == ([], [])


@FUZZ
@given(st.data())
def test_a_queued_change_event_with_a_hostile_value_writes_nothing_to_a_compliant_estate(
    data: st.DataObject,
) -> None:
    # GIVEN the queued form of a change event, one of its values replaced
    inner = fixture("authorize_ingress")
    path = data.draw(st.sampled_from(paths_in(inner)))
    inner = replaced(inner, path, data.draw(HOSTILE_TEXT | JSON_VALUES | st.just(...)))
    record = SqsRecord("m-0", json.dumps(inner), 1)
    w = world(private_group())
    # WHEN read and handled  THEN a clear refusal or a judged event, and no write
    assert_refusal_is_clear(record_payload(record))
    w.app.handle(sqs_event([json.dumps(inner)]))
    assert w.writes == []
