"""The API call counter: keyed by operation, thread-safe, and fed by botocore's events.

The throttling test answers from a `before-send` handler: botocore then treats the answer as
the HTTP response, so its retry logic runs exactly as against AWS, with no network.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries import bucket, standard

from sgcompliance.adapters.aws.api_calls import ApiCallCounter, operation_key
from sgcompliance.adapters.aws.ec2 import collect
from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
from sgcompliance.errors import ThrottledError

LOCAL = "http://127.0.0.1:5999"
EMPTY_GROUPS = (
    b'<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    b"<requestId>r</requestId><securityGroupInfo/></DescribeSecurityGroupsResponse>"
)
THROTTLED = (
    b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message>"
    b"</Error></Errors><RequestID>r</RequestID></Response>"
)


class RawBody:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def answer(status: int, body: bytes) -> Any:
    def handler(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, status, {}, RawBody(body))  # type: ignore[arg-type]

    return handler


def test_operation_key_from_event_name() -> None:
    assert operation_key("before-call.ec2.DescribeSecurityGroups") == "ec2:DescribeSecurityGroups"


def test_counts_are_exact_under_concurrent_recording() -> None:
    counter = ApiCallCounter()

    def work() -> None:
        for _ in range(1000):
            counter.record_call("ec2:DescribeSecurityGroups")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter.count("ec2:DescribeSecurityGroups") == 8000


def test_calls_through_a_factory_are_counted_by_operation() -> None:
    # GIVEN a factory with a counter and a client answering from memory
    counter = ApiCallCounter()
    ec2 = ClientFactory(AwsSettings(endpoint_url=LOCAL), counter=counter, environ={}).ec2(
        "eu-west-1"
    )
    ec2.meta.events.register("before-send", answer(200, EMPTY_GROUPS))
    # WHEN two sweeps run
    collect(ec2, "describe_security_groups", "SecurityGroups")
    collect(ec2, "describe_security_groups", "SecurityGroups")
    # THEN two calls of one operation are counted, with no retries
    stats = counter.snapshot()
    assert stats.calls == {"ec2:DescribeSecurityGroups": 2}
    assert stats.retries == 0


def test_throttling_past_the_configured_attempts_raises_throttled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN every attempt is throttled and three attempts are allowed; botocore's waits
    # (back-off, adaptive rate limiting) are removed so the test takes no time
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)
    counter = ApiCallCounter()
    factory = ClientFactory(
        AwsSettings(endpoint_url=LOCAL, max_attempts=3), counter=counter, environ={}
    )
    ec2 = factory.ec2("eu-west-1")
    ec2.meta.events.register("before-send", answer(503, THROTTLED))
    # WHEN reading
    with pytest.raises(ThrottledError) as info:
        collect(ec2, "describe_security_groups", "SecurityGroups")
    # THEN botocore retried up to the limit before the error surfaced
    assert info.value.aws_code == "RequestLimitExceeded"
    assert counter.snapshot().attempts == {"ec2:DescribeSecurityGroups": 3}
    assert counter.snapshot().retries == 2
