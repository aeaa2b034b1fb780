"""Sweep work items (one account x region each) and the SQS batches that carry them.

The dispatcher sends `WorkItem.to_body()` per account x region; the worker gets an `SqsBatch`
whose records are parsed one at a time (`SqsRecord.parse`), so one bad record is reported with
its message id (for a partial batch failure response) and never spoils the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sgcompliance.events.untrusted import (
    ACCOUNT_ID,
    MAX_TEXT,
    REGION,
    RejectCode,
    aware_time,
    describe,
    matching,
    quoted,
    shown,
)
from sgcompliance.remediation.plan import Mode

KIND = "sgc.work_item"
VERSION = 1
SQS_SOURCE = "aws:sqs"
# SQS messages are at most 1 MiB; anything longer did not come from a queue.
MAX_BODY = 1024 * 1024
_FIELDS = frozenset(
    {"kind", "version", "account_id", "region", "sweep_id", "issued_at", "mode", "dry_run"}
)
_SWEEP_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-")


@dataclass(frozen=True, slots=True)
class WorkItem:
    """Scan (and remediate per configuration) one account in one region, as part of a sweep."""

    account_id: str
    region: str
    sweep_id: str
    issued_at: datetime | None = None
    # An operator's sweep may ask for another mode than the configured one, or (a scan, or a
    # dry-run remediation) for nothing to be changed.
    mode: Mode | None = None
    dry_run: bool = False

    def to_body(self) -> str:
        """The SQS message body; `parse_work_item` reads it back to an equal item."""
        doc: dict[str, Any] = {
            "kind": KIND,
            "version": VERSION,
            "account_id": self.account_id,
            "region": self.region,
            "sweep_id": self.sweep_id,
        }
        if self.issued_at is not None:
            doc["issued_at"] = self.issued_at.isoformat()
        if self.mode is not None:
            doc["mode"] = str(self.mode)
        if self.dry_run:
            doc["dry_run"] = True
        return json.dumps(doc, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record that cannot be processed; retrying it would fail the same way."""

    message_id: str
    reason_code: RejectCode
    message: str


def parse_work_item(doc: dict[object, object]) -> WorkItem | str:
    """The work item in a decoded body, or a message naming the first bad field."""
    unknown = sorted(str(k) for k in doc if k not in _FIELDS)
    if unknown:
        return f"unknown field {quoted(unknown[0])} (fields: {', '.join(sorted(_FIELDS))})"
    if doc.get("kind", KIND) != KIND:
        return f"kind must be {KIND!r}"
    version = doc.get("version", VERSION)
    if isinstance(version, bool) or version != VERSION:
        return f"version must be {VERSION}"
    account = matching(ACCOUNT_ID, doc.get("account_id"))
    if account is None:
        return f"account_id must be a 12-digit account id, got {shown(doc.get('account_id'))}"
    region = matching(REGION, doc.get("region"))
    if region is None:
        return f"region must be an AWS region name, got {shown(doc.get('region'))}"
    sweep_id = doc.get("sweep_id")
    if not isinstance(sweep_id, str) or not 0 < len(sweep_id) <= 128:
        return f"sweep_id must be a string of 1-128 characters, got {shown(sweep_id)}"
    if not set(sweep_id) <= _SWEEP_ID_CHARS:
        return "sweep_id may only contain letters, digits and ._:-"
    issued_raw = doc.get("issued_at")
    issued = aware_time(issued_raw)
    if issued_raw is not None and issued is None:
        return "issued_at must be an ISO 8601 time with a zone"
    mode_raw = doc.get("mode")
    mode = _mode(mode_raw)
    if mode_raw is not None and mode is None:
        return f"mode must be one of {', '.join(Mode)}, got {shown(mode_raw)}"
    dry_run = doc.get("dry_run", False)
    if not isinstance(dry_run, bool):
        return f"dry_run must be true or false, got {shown(dry_run)}"
    return WorkItem(account, region, sweep_id, issued, mode, dry_run)


def _mode(value: object) -> Mode | None:
    return Mode(value) if isinstance(value, str) and value in set(Mode) else None


@dataclass(frozen=True, slots=True)
class SqsRecord:
    message_id: str
    # The raw body: decoded only when the record is processed.
    body: object
    receive_count: int
    source_arn: str | None = None

    def decode(self) -> dict[object, object] | BadRecord:
        """The body as a JSON object, or why it is not one."""
        body = self.body
        if not isinstance(body, str):
            return self._bad(f"body is {describe(body)}, not a string")
        if len(body) > MAX_BODY:
            return BadRecord(self.message_id, RejectCode.TOO_LARGE, "body is longer than 1 MiB")
        try:
            doc = json.loads(body)
        except json.JSONDecodeError as exc:
            return self._bad(f"body is not JSON: {exc.msg} at line {exc.lineno}, col {exc.colno}")
        except ValueError as exc:  # e.g. an integer literal longer than Python converts
            return self._bad(f"body is not usable JSON: {exc}")
        except RecursionError:
            return self._bad("body is JSON nested too deeply")
        if not isinstance(doc, dict):
            return self._bad(f"body is {describe(doc)}, not a JSON object")
        return doc

    def _bad(self, message: str) -> BadRecord:
        return BadRecord(self.message_id, RejectCode.MALFORMED_RECORD, message)


@dataclass(frozen=True, slots=True)
class SqsBatch:
    records: tuple[SqsRecord, ...]

    @property
    def message_ids(self) -> tuple[str, ...]:
        return tuple(r.message_id for r in self.records)


def batch_response(failed_message_ids: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """The Lambda partial batch response: only these messages are delivered again."""
    unique = dict.fromkeys(failed_message_ids)
    return {"batchItemFailures": [{"itemIdentifier": m} for m in unique]}


def parse_sqs_records(records: object, max_records: int) -> SqsBatch | str:
    """An SQS batch from a Lambda event's `Records`, or why it is not one.

    Records are checked for their envelope only (source, message id); bodies wait for
    `SqsRecord.work_item` so that each bad body fails only its own record.
    """
    if not isinstance(records, list) or not records:
        return "Records must be a non-empty array"
    if len(records) > max_records:
        return f"more than {max_records} records"
    parsed: list[SqsRecord] = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            return f"Records[{index}] is {describe(record)}, not an object"
        if record.get("eventSource") != SQS_SOURCE:
            return f"Records[{index}].eventSource is not {SQS_SOURCE!r}"
        message_id = record.get("messageId")
        if not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_TEXT:
            return f"Records[{index}].messageId is missing"
        parsed.append(
            SqsRecord(message_id, record.get("body"), _receive_count(record), _arn(record))
        )
    return SqsBatch(tuple(parsed))


def _receive_count(record: dict[object, object]) -> int:
    attributes = record.get("attributes")
    raw = attributes.get("ApproximateReceiveCount") if isinstance(attributes, dict) else None
    if isinstance(raw, str) and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    return 1


def _arn(record: dict[object, object]) -> str | None:
    arn = record.get("eventSourceARN")
    return arn if isinstance(arn, str) and len(arn) <= MAX_TEXT else None
