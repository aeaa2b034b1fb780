"""SqsQueue: SendMessageBatch in tens, per-entry failures, translated errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sgcompliance.adapters.aws.sqs import MAX_BATCH_BYTES, SqsQueue, chunks
from sgcompliance.errors import InputError, ThrottledError

URL = "https://sqs.eu-west-1.amazonaws.com/999999999999/sgcompliance-work"


class FakeSqs:
    """SendMessageBatch that refuses the entries it is told to, per call."""

    def __init__(self, refusals: list[dict[str, tuple[str, bool]]] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.refusals = refusals or []
        self.error: ClientError | None = None

    def send_message_batch(self, **request: Any) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        assert request["QueueUrl"] == URL
        ids = [e["Id"] for e in request["Entries"]]
        self.calls.append(ids)
        refuse = self.refusals.pop(0) if self.refusals else {}
        failed = [
            {"Id": i, "Code": refuse[i][0], "Message": "no", "SenderFault": refuse[i][1]}
            for i in ids
            if i in refuse
        ]
        return {"Successful": [{"Id": i} for i in ids if i not in refuse], "Failed": failed}


def messages(n: int) -> list[tuple[str, str]]:
    return [(f"item-{i}", f'{{"n":{i}}}') for i in range(n)]


def test_messages_go_in_calls_of_at_most_ten() -> None:
    sqs = FakeSqs()
    assert SqsQueue(sqs, URL).send(messages(23)) == {}  # type: ignore[arg-type]
    assert [len(c) for c in sqs.calls] == [10, 10, 3]


def test_an_entry_refused_by_sqs_itself_is_sent_again_and_only_it() -> None:
    sqs = FakeSqs([{"item-3": ("InternalError", False)}])
    assert SqsQueue(sqs, URL).send(messages(5)) == {}  # type: ignore[arg-type]
    assert sqs.calls[1] == ["item-3"]


def test_an_entry_refused_for_what_it_is_is_reported_not_resent() -> None:
    sqs = FakeSqs([{"item-1": ("InvalidMessageContents", True)}])
    failed = SqsQueue(sqs, URL).send(messages(3))  # type: ignore[arg-type]
    assert failed == {"item-1": "InvalidMessageContents: no"}
    assert len(sqs.calls) == 1


def test_an_entry_still_refused_after_the_last_attempt_is_reported() -> None:
    refusal = {"item-0": ("ServiceUnavailable", False)}
    sqs = FakeSqs([refusal, refusal, refusal])
    failed = SqsQueue(sqs, URL, max_attempts=3).send(messages(2))  # type: ignore[arg-type]
    assert failed == {"item-0": "ServiceUnavailable: no"}
    assert len(sqs.calls) == 3


def test_a_failing_call_is_translated() -> None:
    sqs = FakeSqs()
    sqs.error = ClientError({"Error": {"Code": "ThrottlingException"}}, "SendMessageBatch")
    with pytest.raises(ThrottledError, match="SendMessageBatch"):
        SqsQueue(sqs, URL).send(messages(1))  # type: ignore[arg-type]


def test_repeated_or_invalid_entry_ids_are_refused_before_any_call() -> None:
    sqs = FakeSqs()
    with pytest.raises(InputError):
        SqsQueue(sqs, URL).send([("a", "1"), ("a", "2")])  # type: ignore[arg-type]
    with pytest.raises(InputError):
        SqsQueue(sqs, URL).send([("no spaces", "1")])  # type: ignore[arg-type]
    assert sqs.calls == []


def test_a_call_never_carries_more_than_the_payload_limit() -> None:
    big = "x" * (MAX_BATCH_BYTES // 3 + 1)  # three of them are one byte too many
    grouped = chunks([(f"m{i}", big) for i in range(5)])
    assert [len(g) for g in grouped] == [2, 2, 1]
