"""What the Lambda is invoked with is bounded (issue #13): the CloudTrail record an accepted
event carries (nesting depth and size), the bodies of an SQS batch together, and the fields of
an operator request. Over a bound is a TOO_LARGE (or operator) rejection naming the limit and
how far over it the input is; nothing raises."""

from __future__ import annotations

import json
from typing import Any

from event_fixtures import load

from sgcompliance.events.classify import (
    BadRecord,
    RejectCode,
    Rejected,
    SgChangeEvent,
    SqsBatch,
    SqsRecord,
    classify,
    record_payload,
)
from sgcompliance.events.operator_actions import parse_operator_action
from sgcompliance.events.untrusted import MAX_DEPTH, MAX_EVENT_BYTES, MAX_EVENT_ITEMS, oversize
from support.bounded_run import bounded, tracing

MIB = 1024 * 1024


def nested(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = {"n": value}
    return value


def test_an_accepted_event_nested_over_the_limit_is_too_large() -> None:
    # GIVEN a valid change event whose request also carries a value 40 levels deep
    event = load("authorize_ingress")
    event["detail"]["requestParameters"]["extra"] = nested(40)
    # WHEN classified  THEN refused as too large, naming the depth and the limit
    found = classify(event)
    assert isinstance(found, Rejected), found
    assert found.reason_code is RejectCode.TOO_LARGE
    assert found.message == "detail: nested too deeply: 42 levels, 10 over the limit of 32"


def test_an_accepted_event_larger_than_a_lambda_payload_is_too_large() -> None:
    event = load("authorize_ingress")
    event["detail"]["requestParameters"]["description"] = "d" * (7 * MIB)
    found = classify(event)
    assert isinstance(found, Rejected), found
    assert found.reason_code is RejectCode.TOO_LARGE
    assert found.message.startswith("detail: about 7,34")
    assert "over the limit of 6,291,456 bytes (6 MiB)" in found.message


def test_an_event_within_the_bounds_is_still_accepted() -> None:
    assert isinstance(classify(load("authorize_ingress")), SgChangeEvent)


def test_an_sqs_batch_whose_bodies_total_more_than_a_lambda_payload_is_too_large() -> None:
    # GIVEN seven records of 1 MiB bodies each (each within the SQS limit)
    body = json.dumps({"pad": "p" * (MIB - 20)})
    records = [{"messageId": f"m-{i}", "eventSource": "aws:sqs", "body": body} for i in range(7)]
    # WHEN classified  THEN the batch is refused before any body is decoded
    found = classify({"Records": records})
    assert isinstance(found, Rejected), type(found)
    assert found.reason_code is RejectCode.TOO_LARGE
    assert found.message == (
        "the record bodies total 7,339,969 characters, more than Lambda's limit of "
        "6,291,456 bytes (6 MiB) by at least 1,048,513"
    )


def test_a_normal_sqs_batch_is_still_a_batch() -> None:
    assert isinstance(classify(load("sqs_work_items")), SqsBatch)


def test_an_sqs_record_carrying_an_over_deep_change_event_is_a_bad_record() -> None:
    event = load("authorize_ingress")
    event["detail"]["responseElements"]["extra"] = nested(50)
    payload = record_payload(SqsRecord("m-1", json.dumps(event), 1))
    assert isinstance(payload, BadRecord), payload
    assert payload.reason_code is RejectCode.TOO_LARGE
    assert "nested too deeply" in payload.message


class CountedList(list[Any]):
    """A list that counts how often it is walked."""

    walks = 0

    def __iter__(self) -> Any:
        CountedList.walks += 1
        return super().__iter__()


def test_the_walk_stops_early_on_shared_values() -> None:
    # GIVEN a value that refers to the same list a billion times (no JSON parser makes one, a
    # caller in the same process can; the campaign's took 2.4 s to walk to 4 times 6 MiB)
    level: Any = CountedList(["x"] * 1000)
    for _ in range(3):
        level = CountedList([level] * 1000)
    CountedList.walks = 0
    # WHEN measured
    found = oversize(level)
    # THEN refused after about the limit's worth of values (100 lists of 1,000), not a billion
    assert found == "holds more than 100,000 values: over the limit of 100,000"
    assert CountedList.walks <= 110


def test_the_limits_are_lambdas_own() -> None:
    assert (MAX_EVENT_BYTES, MAX_DEPTH, MAX_EVENT_ITEMS) == (6 * MIB, 32, 100_000)


def test_an_operator_request_with_a_key_that_is_not_text_is_refused_not_raised() -> None:
    # GIVEN a request built in-process with an integer key too long to print
    found = parse_operator_action({"action": "scan", 10**5000: 1})
    assert isinstance(found, Rejected)
    assert found.message == (
        "scan: unknown field (a number) (allowed: accounts, group_ids, regions, request_id)"
    )


def test_an_operator_request_with_many_fields_is_refused_by_count() -> None:
    doc: dict[object, object] = {"action": "scan", **{f"f{i}": i for i in range(100_000)}}
    with tracing():
        measured = bounded(lambda: parse_operator_action(doc))
    found = measured.value
    assert isinstance(found, Rejected)
    assert found.message == "scan: the request has 100,001 fields: 99,993 over the limit of 8"
    assert measured.seconds < 1
