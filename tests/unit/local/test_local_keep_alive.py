"""A kept connection's request body: read no further than its declared length, and what the
application left drained, so the next request starts where this one ends."""

from __future__ import annotations

import io
from email.message import Message

from sgcompliance.local.server.keep_alive import (
    MAX_DRAINED,
    CountedInput,
    Framing,
    declared_length,
)


def headers(**fields: str) -> Message:
    message = Message()
    for name, value in fields.items():
        message[name.replace("_", "-")] = value
    return message


def test_reads_stop_at_the_end_of_the_body() -> None:
    stream = io.BytesIO(b"bodyNEXT REQUEST")
    body = CountedInput(stream, 4)
    assert body.read() == b"body"
    assert body.read(10) == b""
    assert stream.read() == b"NEXT REQUEST"


def test_what_the_application_left_is_drained_up_to_the_next_request() -> None:
    stream = io.BytesIO(b"line one\nline two\nNEXT")
    body = CountedInput(stream, 18)
    assert body.readline() == b"line one\n"
    assert body.drain()
    assert stream.read() == b"NEXT"


def test_a_large_leftover_or_a_peer_that_stopped_sending_is_not_drained() -> None:
    assert not CountedInput(io.BytesIO(b""), MAX_DRAINED + 1).drain()
    assert not CountedInput(io.BytesIO(b"short"), 10).drain()


def test_a_body_sent_in_chunks_or_of_no_length_has_no_declared_length() -> None:
    assert declared_length(headers(Transfer_Encoding="chunked")) is None
    assert declared_length(headers(Content_Length="twelve")) is None
    assert declared_length(headers(Content_Length="-1")) is None
    assert declared_length(headers(Content_Length="12")) == 12
    assert declared_length(headers()) == 0


def test_an_answer_is_complete_only_as_it_declared_itself() -> None:
    def framing(status: int, sent: int, **declared: str) -> Framing:
        answer = Framing(status=status, head=declared.pop("method", "") == "HEAD")
        for name, value in declared.items():
            answer.declare(name.replace("_", "-"), value)
        answer.headers_sent, answer.sent = True, sent
        return answer

    assert framing(200, 749, Content_Length="749").complete()
    assert framing(200, 9, Transfer_Encoding="chunked").complete()
    assert framing(204, 0).complete()
    assert framing(200, 0, Content_Length="5", method="HEAD").complete()
    # an application that stopped half way, a body with no length, a body where none is due
    assert not framing(200, 100, Content_Length="749").complete()
    assert not framing(200, 10).complete()
    assert not framing(304, 3).complete()
    assert not Framing(status=200).complete()  # its headers never went out


def test_several_differing_lengths_leave_the_body_unknown() -> None:
    message = headers(Content_Length="12")
    message["Content-Length"] = "3"
    assert declared_length(message) is None
    again = headers(Content_Length="12")
    again["Content-Length"] = "12"
    assert declared_length(again) == 12
