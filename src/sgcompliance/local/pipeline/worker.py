"""The local worker: what Lambda does in AWS, between the hub's events queue and the handler.

It long-polls the hub's SQS "events" queue, takes the EventBridge event out of each message body,
calls the same `handler(event, context)` that Lambda calls, in this process, with the
environment the deployed function has (`handler_environment`), and deletes the message once the
handler returned. A handler that raises leaves its message in the queue: it is received again
after the visibility timeout and, after five receives, moved to the dead-letter queue.

What the handler printed during the call is kept with each `Handled` result: the EMF metric
documents (JSON lines with `_aws`) and any other output line.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.clock import Clock, utc_now

Handler = Callable[[dict[str, Any], Any], Any]
FUNCTION_NAME = "sgcompliance-handler"
# The deployed function's timeout; the local context counts down from it.
TIMEOUT_SECONDS = 300


def handler_environment(
    endpoint: str,
    region: str,
    parameter_path: str,
    version: str = "$LATEST",
    work_queue_url: str = "",
) -> dict[str, str]:
    """The variables the deployed function has, pointed at the local AWS.

    `version` names the deployment: like a new function version in AWS, a new one makes the
    handler start cold (it rebuilds its cached wiring when its environment changes), so a
    configuration cached for an earlier deployment at the same endpoint is never used.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "AWS_LAMBDA_FUNCTION_VERSION": version,
        "SGC_PARAMETER_PATH": parameter_path,
        "POWERTOOLS_SERVICE_NAME": "sgcompliance",
        "POWERTOOLS_METRICS_NAMESPACE": "sgcompliance",
        # Where the scheduled sweep's dispatcher sends its work items.
        "SGC_WORK_QUEUE_URL": work_queue_url,
    }


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set variables for the duration of the block, then restore what was there."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True, slots=True)
class LambdaContext:
    """The attributes of a Lambda context object that the handler and powertools read."""

    aws_request_id: str
    deadline: float
    invoked_function_arn: str
    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    log_group_name: str = f"/aws/lambda/{FUNCTION_NAME}"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True, slots=True)
class Handled:
    """One message: when it was queued, received and handled, and what the handler said."""

    message_id: str
    event: Mapping[str, Any] = field(repr=False)
    queued_at: datetime | None
    received_at: datetime
    handled_at: datetime
    result: Any = None
    error: str | None = None
    emf: tuple[dict[str, Any], ...] = ()
    output: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def audit_records(self) -> list[dict[str, Any]]:
        """The audit records the handler logged (JSON log lines with `audit_record`)."""
        records = []
        for line in self.output:
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict) and isinstance(doc.get("audit_record"), dict):
                records.append(doc["audit_record"])
        return records

    @property
    def cloudtrail_event_id(self) -> str | None:
        detail = self.event.get("detail")
        return str(detail.get("eventID")) if isinstance(detail, Mapping) else None


class LocalWorker:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Handler,
        *,
        function_arn: str = f"arn:aws:lambda:us-east-1:000000000000:function:{FUNCTION_NAME}",
        clock: Clock = utc_now,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.function_arn = function_arn
        self._clock = clock

    def poll(self, wait_seconds: int = 1) -> list[Handled]:
        """One long poll; every message received is handled (and deleted when it succeeded)."""
        with translating("ReceiveMessage", scope=self.queue_url):
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds,
                MessageSystemAttributeNames=["SentTimestamp"],
            )  # fmt: skip
        received_at = self._clock()
        return [self._handle(message, received_at) for message in answer.get("Messages", [])]

    def run(
        self,
        seconds: float,
        *,
        wait_seconds: int = 1,
        until: Callable[[list[Handled]], bool] | None = None,
        on_handled: Callable[[Handled], None] | None = None,
    ) -> list[Handled]:
        """Poll for `seconds`, or until `until(everything handled so far)` holds."""
        deadline = time.monotonic() + seconds
        handled: list[Handled] = []
        while time.monotonic() < deadline:
            wait = max(0, min(wait_seconds, int(deadline - time.monotonic())))
            for one in self.poll(wait):
                handled.append(one)
                if on_handled is not None:
                    on_handled(one)
            if until is not None and until(handled):
                break
        return handled

    def _handle(self, message: Mapping[str, Any], received_at: datetime) -> Handled:
        message_id = str(message.get("MessageId", ""))
        queued_at = _sent_at(message)
        try:
            event = json.loads(message.get("Body", ""))
        except ValueError:
            event = {"unreadable_body": str(message.get("Body", ""))[:1000]}
        context = LambdaContext(
            str(uuid.uuid4()), time.monotonic() + TIMEOUT_SECONDS, self.function_arn
        )
        captured = io.StringIO()
        error = result = None
        try:
            with contextlib.redirect_stdout(captured):
                result = self.handler(event, context)
        except Exception as exc:  # a handler bug: the message stays for redelivery
            error = f"{type(exc).__name__}: {exc}"
        handled_at = self._clock()
        if error is None:
            with translating("DeleteMessage", scope=self.queue_url):
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        emf, output = split_output(captured.getvalue())
        return Handled(
            message_id, event, queued_at, received_at, handled_at, result, error, emf, output
        )


def split_output(text: str) -> tuple[tuple[dict[str, Any], ...], tuple[str, ...]]:
    """(EMF documents, every other line) from what a handler printed."""
    emf: list[dict[str, Any]] = []
    other: list[str] = []
    for line in text.splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and "_aws" in doc:
            emf.append(doc)
        elif line.strip():
            other.append(line)
    return tuple(emf), tuple(other)


def _sent_at(message: Mapping[str, Any]) -> datetime | None:
    sent = (message.get("Attributes") or {}).get("SentTimestamp")
    try:
        return datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None
    except ValueError:
        return None
