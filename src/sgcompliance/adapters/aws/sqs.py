"""Messages to an SQS queue with SendMessageBatch: ten entries per call, per-entry failures.

SendMessageBatch can succeed as a call while refusing some of its entries; each refused entry
comes back with `SenderFault`. An entry refused through no fault of the sender (an SQS-side
error) is sent again, up to `max_attempts` times in all; one refused for what it is (too large,
invalid characters) is not, since it would fail the same way. What is still refused at the end
is returned to the caller, by the caller's own message id, never raised: the other entries were
delivered and must not be sent twice by a retry of the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.errors import InputError

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

MAX_BATCH = 10  # the SendMessageBatch maximum
MAX_BATCH_BYTES = 1024 * 1024  # the total payload of one call (SQS raised it to 1 MiB)
DEFAULT_MAX_ATTEMPTS = 3
_ENTRY_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class SqsQueue:
    """One queue; `send` takes (message id, body) pairs and returns those not accepted."""

    def __init__(
        self, client: SQSClient, queue_url: str, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS
    ) -> None:
        self.client = client
        self.queue_url = queue_url
        self.max_attempts = max(1, max_attempts)

    def send(self, messages: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Send every message; message id -> why, for each one SQS did not accept.

        Raises SgcError (translated) when a call itself fails: then nothing after that point
        was sent, and the caller decides whether to retry the rest.
        """
        _check_ids(messages)
        failed: dict[str, str] = {}
        for chunk in chunks(messages):
            failed.update(self._send_chunk(chunk))
        return failed

    def _send_chunk(self, chunk: Sequence[tuple[str, str]]) -> dict[str, str]:
        pending = list(chunk)
        refused: dict[str, str] = {}
        for attempt in range(1, self.max_attempts + 1):
            retry, reasons = self._call(pending)
            refused.update(reasons)
            pending = [m for m in pending if m[0] in retry]
            if not pending or attempt == self.max_attempts:
                break
            for message_id, _ in pending:
                del refused[message_id]  # sent again: the next call decides its fate
        return refused

    def _call(self, messages: Sequence[tuple[str, str]]) -> tuple[set[str], dict[str, str]]:
        """One SendMessageBatch: (ids worth sending again, id -> reason for every refusal)."""
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {"Id": message_id, "MessageBody": body} for message_id, body in messages
        ]
        with translating("SendMessageBatch", scope=self.queue_url):
            response = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        retry: set[str] = set()
        refused: dict[str, str] = {}
        for failure in response.get("Failed", []):
            entry_id = failure.get("Id", "")
            refused[entry_id] = f"{failure.get('Code', 'Unknown')}: {failure.get('Message', '')}"
            if not failure.get("SenderFault", False):
                retry.add(entry_id)
        return retry, refused


def chunks(messages: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """At most ten messages and at most 1 MiB of bodies per call, in the order given."""
    out: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    size = 0
    for message in messages:
        body_size = len(message[1].encode())
        if current and (len(current) == MAX_BATCH or size + body_size > MAX_BATCH_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(message)
        size += body_size
    if current:
        out.append(current)
    return out


def _check_ids(messages: Sequence[tuple[str, str]]) -> None:
    # SQS refuses a whole call for a bad or repeated entry id: catch it before any call.
    seen: set[str] = set()
    for message_id, _ in messages:
        if not 0 < len(message_id) <= 80 or not set(message_id) <= _ENTRY_ID_CHARS:
            raise InputError(
                "an SQS batch entry id must be 1-80 letters, digits, hyphens or underscores",
                source="SendMessageBatch",
            )
        if message_id in seen:
            raise InputError(f"entry id {message_id!r} is used twice", source="SendMessageBatch")
        seen.add(message_id)
