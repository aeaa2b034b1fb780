"""A client of the product's own factory whose HTTP attempts follow a script, with no network.

Each attempt of a call takes the next step: an answer (status and body), which botocore then
reads as the endpoint's, or an exception as the HTTP layer raises it (a read timeout, a
connection closed or refused). Both come from a `before-send` handler, so botocore's retry
logic and every other event of the call run exactly as against AWS.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries import bucket, standard

from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory

LOCAL = "http://127.0.0.1:5999"
Step = tuple[int, bytes] | BaseException


def ec2_error(code: str) -> bytes:
    return (
        f"<Response><Errors><Error><Code>{code}</Code><Message>m</Message></Error></Errors>"
        "<RequestID>r</RequestID></Response>"
    ).encode()


class RawBody:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


class Script:
    """The steps still to play, and how many attempts were made."""

    def __init__(self, steps: Iterable[Step]) -> None:
        self.steps = list(steps)
        self.attempts = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        self.attempts += 1
        step = self.steps.pop(0)
        if isinstance(step, BaseException):
            raise step
        status, body = step
        return AWSResponse(request.url, status, {}, RawBody(body))  # type: ignore[arg-type]


def no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's back-off and adaptive rate limiting removed: a retry costs no time."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)


def scripted_ec2(*steps: Step, max_attempts: int = 5) -> tuple[Any, Script]:
    """An EC2 client built by `ClientFactory` (with its event handlers), and its script."""
    factory = ClientFactory(AwsSettings(endpoint_url=LOCAL, max_attempts=max_attempts), environ={})
    ec2 = factory.ec2("eu-west-1")
    script = Script(steps)
    ec2.meta.events.register("before-send", script)
    return ec2, script
