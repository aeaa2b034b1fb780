"""`classify` and `record_payload` never raise, whatever they are given.

Each test also checks that the last-resort guard was not what saved the day: a PARSER_FAULT
would mean a reader raised on some input, which is a bug to fix in the reader.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from event_fixtures import load, names
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgcompliance.events.classify import (
    BadRecord,
    RejectCode,
    Rejected,
    SqsBatch,
    SqsRecord,
    classify,
    record_payload,
)
from support.hypothesis_budget import examples

FUZZ = settings(
    max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
KEYS = st.sampled_from(
    ["detail", "detail-type", "source", "Records", "action", "eventName", "body", "id", "time"]
)
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(KEYS | st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += paths(value, (*prefix, index))
    return found


def mutate(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    changed = copy.deepcopy(doc)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return changed


def assert_handled(event: object) -> None:
    found = classify(event)
    if isinstance(found, Rejected):
        assert found.reason_code is not RejectCode.PARSER_FAULT, found
    if isinstance(found, SqsBatch):
        for record in found.records:
            payload = record_payload(record)
            if isinstance(payload, BadRecord):
                assert payload.reason_code is not RejectCode.PARSER_FAULT, payload


@FUZZ
@given(json_like)
def test_arbitrary_json_like_input_never_raises(event: object) -> None:
    assert_handled(event)


@FUZZ
@given(st.dictionaries(KEYS, json_like, max_size=6))
def test_arbitrary_objects_with_the_keys_we_look_at_never_raise(event: dict[str, Any]) -> None:
    assert_handled(event)


@FUZZ
@given(st.sampled_from(names()), st.data())
def test_any_single_mutation_of_a_fixture_never_raises(name: str, data: st.DataObject) -> None:
    # GIVEN a real fixture with one value replaced by arbitrary JSON, or deleted
    doc = load(name)
    path = data.draw(st.sampled_from(paths(doc)))
    value = data.draw(json_like)
    event = mutate(doc, path, value, data.draw(st.booleans()))
    assert_handled(event)


@FUZZ
@given(json_like)
def test_an_arbitrary_json_body_in_an_sqs_record_never_raises(body: object) -> None:
    for raw in (body, json.dumps(body)):
        payload = record_payload(SqsRecord("m-1", raw, 1))
        if isinstance(payload, BadRecord):
            assert payload.reason_code is not RejectCode.PARSER_FAULT


def test_a_deeply_nested_event_is_rejected_without_recursion() -> None:
    # GIVEN an object nested 100,000 levels deep under the detail
    nested: dict[str, Any] = {}
    for _ in range(100_000):
        nested = {"detail": nested}
    event = {"detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2", **nested}
    found = classify(event)
    assert isinstance(found, Rejected)
    assert found.reason_code is RejectCode.MALFORMED_EVENT


def test_a_huge_batch_is_rejected_before_any_record_is_read() -> None:
    found = classify({"Records": [{"eventSource": "aws:sqs"}] * 10_001})
    assert isinstance(found, Rejected)
    assert found.message == "more than 10000 records"


def test_huge_strings_in_every_field_are_refused_not_echoed() -> None:
    # GIVEN a CloudTrail event whose identifiers are megabytes long
    event = load("authorize_ingress")
    for key in ("eventName", "eventID", "recipientAccountId"):
        event["detail"][key] = "9" * 2_000_000
    found = classify(event)
    assert isinstance(found, Rejected)
    assert len(found.message) < 200


def test_the_last_resort_guard_turns_a_raising_input_into_a_rejection() -> None:
    # GIVEN a mapping that raises when read (no JSON parser produces one)
    class Hostile(dict[str, Any]):
        def get(self, *_: object) -> Any:
            raise RuntimeError("boom")

    found = classify(Hostile({"action": "scan"}))
    assert found == Rejected(RejectCode.PARSER_FAULT, "event could not be read: RuntimeError")
