"""What the Lambda handler is invoked with, told apart by `classify` (pure, never raises).

- `SgChangeEvent`: an EventBridge "AWS API Call via CloudTrail" event from aws.ec2 for a
  security-group change (see `core.cloudtrail`); Revoke* calls are classified too, so that
  `ignore_reason` can drop them with a reason instead of as unknown input.
- `SweepTick`: an EventBridge "Scheduled Event" (EventBridge rules or EventBridge Scheduler).
- `SqsBatch`: a Lambda SQS batch (`Records` from aws:sqs); each record is parsed on its own by
  `record_payload` into a `WorkItem`, an `SgChangeEvent` (an EventBridge event the queue
  received from a rule) or a `BadRecord` carrying its message id.
- `OperatorAction`: `{"action": "scan" | "remediate" | "rollback", ...}` (`core.operator_actions`).
- `Rejected`: anything else, or any of the above when malformed, with a reason code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sgcompliance.events.cloudtrail import (
    DETAIL_TYPE,
    SOURCE,
    Actor,
    SgChangeEvent,
    ignore_reason,
    parse_sg_change,
)
from sgcompliance.events.operator_actions import OperatorAction, OperatorVerb, parse_operator_action
from sgcompliance.events.untrusted import (
    ACCOUNT_ID,
    MAX_EVENT_BYTES,
    MAX_ITEMS,
    REGION,
    RejectCode,
    Rejected,
    aware_time,
    describe,
    matching,
    oversize,
    shown,
    text_at,
)
from sgcompliance.events.work_items import (
    BadRecord,
    SqsBatch,
    SqsRecord,
    WorkItem,
    batch_response,
    parse_sqs_records,
    parse_work_item,
)
from sgcompliance.records.audit import IgnoreReason

__all__ = [
    "Actor",
    "BadRecord",
    "IgnoreReason",
    "Incoming",
    "OperatorAction",
    "OperatorVerb",
    "RejectCode",
    "Rejected",
    "SgChangeEvent",
    "SqsBatch",
    "SqsPayload",
    "SqsRecord",
    "SweepTick",
    "WorkItem",
    "batch_response",
    "classify",
    "ignore_reason",
    "in_scope",
    "record_payload",
]

SCHEDULED_DETAIL_TYPE = "Scheduled Event"
SCHEDULE_SOURCES = frozenset({"aws.events", "aws.scheduler"})
# Lambda delivers at most 10,000 SQS records per batch.
MAX_RECORDS = 10_000


@dataclass(frozen=True, slots=True)
class SweepTick:
    event_id: str
    time: datetime
    account_id: str | None = None
    region: str | None = None
    # The schedule's ARN(s).
    resources: tuple[str, ...] = ()

    @property
    def sweep_id(self) -> str:
        """Derived from the tick alone, so a duplicate delivery names the same sweep."""
        digest = hashlib.sha256(self.event_id.encode()).hexdigest()[:8]
        return f"sweep-{self.time.astimezone(UTC):%Y%m%dT%H%M%SZ}-{digest}"


Incoming = SgChangeEvent | SweepTick | SqsBatch | OperatorAction | Rejected
SqsPayload = WorkItem | SgChangeEvent | BadRecord


def classify(event: object) -> Incoming:
    """What `event` is; malformed or unknown input is `Rejected`, never an exception."""
    try:
        return _classify(event)
    except Exception as exc:  # the boundary for hostile input: never raise
        return Rejected(RejectCode.PARSER_FAULT, f"event could not be read: {type(exc).__name__}")


def record_payload(record: SqsRecord) -> SqsPayload:
    """What one SQS record carries; a bad body is a `BadRecord` for that record only."""
    try:
        return _record_payload(record)
    except Exception as exc:  # the boundary for hostile input: never raise
        message = f"record could not be read: {type(exc).__name__}"
        return BadRecord(record.message_id, RejectCode.PARSER_FAULT, message)


def in_scope(
    account_id: str,
    region: str,
    accounts: frozenset[str] | None,
    regions: frozenset[str] | None,
) -> bool:
    """True when the account and region are both within the configured scope (None: any)."""
    return (accounts is None or account_id in accounts) and (regions is None or region in regions)


def _classify(event: object) -> Incoming:
    if not isinstance(event, dict):
        return Rejected(RejectCode.NOT_AN_OBJECT, f"event is {describe(event)}, not an object")
    if "Records" in event:
        batch = parse_sqs_records(event["Records"], MAX_RECORDS)
        if isinstance(batch, str):
            return Rejected(RejectCode.MALFORMED_EVENT, batch)
        return _within_payload(batch)
    if "detail-type" in event:
        return _eventbridge(event)
    if "action" in event:
        return parse_operator_action(event)
    return Rejected(
        RejectCode.UNKNOWN_SHAPE, "not an EventBridge event, an SQS batch or an operator action"
    )


def _eventbridge(event: dict[object, object]) -> SgChangeEvent | SweepTick | Rejected:
    detail_type, source = event.get("detail-type"), event.get("source")
    if detail_type == DETAIL_TYPE:
        if source != SOURCE:
            return Rejected(
                RejectCode.UNSUPPORTED_SOURCE, f"source {shown(source)} is not {SOURCE!r}"
            )
        return _kept_whole(parse_sg_change(event))
    if detail_type == SCHEDULED_DETAIL_TYPE:
        if not isinstance(source, str) or source not in SCHEDULE_SOURCES:
            return Rejected(
                RejectCode.UNSUPPORTED_SOURCE, f"scheduled event from source {shown(source)}"
            )
        return _sweep_tick(event)
    return Rejected(
        RejectCode.UNSUPPORTED_DETAIL_TYPE, f"detail-type {shown(detail_type)} is not handled"
    )


def _kept_whole(found: SgChangeEvent | Rejected) -> SgChangeEvent | Rejected:
    """The event, unless the CloudTrail record it keeps whole (for the audit store) is nested
    or sized beyond what any real record is."""
    if isinstance(found, Rejected):
        return found
    why = oversize(found.detail)
    return found if why is None else Rejected(RejectCode.TOO_LARGE, f"detail: {why}")


def _within_payload(batch: SqsBatch) -> SqsBatch | Rejected:
    """The batch, unless its bodies together are more than Lambda delivers in one invocation
    (each body alone is bounded when it is decoded)."""
    total = sum(len(r.body) for r in batch.records if isinstance(r.body, str))
    if total <= MAX_EVENT_BYTES:
        return batch
    message = (
        f"the record bodies total {total:,} characters, more than Lambda's limit of "
        f"{MAX_EVENT_BYTES:,} bytes (6 MiB) by at least {total - MAX_EVENT_BYTES:,}"
    )
    return Rejected(RejectCode.TOO_LARGE, message)


def _sweep_tick(event: dict[object, object]) -> SweepTick | Rejected:
    event_id = text_at(event, "id", limit=128)
    if event_id is None:
        return Rejected(RejectCode.MALFORMED_EVENT, "scheduled event: id is missing")
    when = aware_time(event.get("time"))
    if when is None:
        return Rejected(RejectCode.MALFORMED_EVENT, "scheduled event: time is not an ISO 8601 time")
    resources = event.get("resources")
    arns = resources[:MAX_ITEMS] if isinstance(resources, list) else []
    return SweepTick(
        event_id=event_id,
        time=when,
        account_id=matching(ACCOUNT_ID, event.get("account")),
        region=matching(REGION, event.get("region")),
        resources=tuple(a for a in arns if isinstance(a, str) and len(a) <= 2048),
    )


def _record_payload(record: SqsRecord) -> SqsPayload:
    doc = record.decode()
    if isinstance(doc, BadRecord):
        return doc
    if "detail-type" not in doc:
        parsed = parse_work_item(doc)
        if isinstance(parsed, str):
            return BadRecord(record.message_id, RejectCode.MALFORMED_RECORD, f"work item: {parsed}")
        return parsed
    found = _eventbridge(doc)
    if isinstance(found, Rejected):
        return BadRecord(record.message_id, found.reason_code, found.message)
    if isinstance(found, SweepTick):
        # A schedule is delivered to the dispatcher directly; from a queue it is not expected.
        message = "a scheduled event is not accepted from a queue"
        return BadRecord(record.message_id, RejectCode.UNSUPPORTED_DETAIL_TYPE, message)
    return found
