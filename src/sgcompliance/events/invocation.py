"""One invocation of the Lambda handler: the input told apart and handed to its use case.

`HandlerApp.handle(event)` never raises for what it is given:
- input that is not one of the four kinds, or malformed, is refused with a reason code,
  logged as an error, counted (`EventsIgnored`), and recorded in the log's audit trail only;
- an invalid configuration does nothing destructive: the error names the parameter, is
  alerted (when a topic is known) and comes back as the result; an SQS batch then reports
  every message as failed, so the work waits in the queue (and its dead-letter queue) until
  the configuration is fixed;
- a transient failure of a change event or a sweep tick sets `Response.retry`, for the
  entry point to let Lambda deliver the event again; SQS batches report it per message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sgcompliance.errors import ConfigError
from sgcompliance.events.batch import BatchWorker, Correlate, no_correlation
from sgcompliance.events.change_event import EventProcessor
from sgcompliance.events.classify import (
    Incoming,
    OperatorAction,
    RejectCode,
    Rejected,
    SgChangeEvent,
    SqsBatch,
    SweepTick,
    batch_response,
    classify,
)
from sgcompliance.events.config_alert import ConfigAlerts
from sgcompliance.events.operator_service import OperatorService
from sgcompliance.events.services import Pipeline
from sgcompliance.events.sweep import SweepDispatcher
from sgcompliance.events.untrusted import ACCOUNT_ID, REGION, at, matching, text_at
from sgcompliance.records import audit
from sgcompliance.records.audit import AuditAction, Trigger, audit_record

log = logging.getLogger(__name__)

CORRELATION_KEYS = ("event_id", "account", "region", "group", "finding_id", "plan_id")
UNKNOWN = "unknown"
_UNSUPPORTED = frozenset(
    {
        RejectCode.UNSUPPORTED_SOURCE,
        RejectCode.UNSUPPORTED_DETAIL_TYPE,
        RejectCode.UNSUPPORTED_EVENT_NAME,
    }
)


@dataclass(frozen=True, slots=True)
class Response:
    body: dict[str, Any]
    # A transient failure of an event delivered straight to the function: Lambda retries an
    # asynchronous invocation (twice at most), and handling it again is harmless.
    retry: bool = False


class HandlerApp:
    def __init__(self, pipeline: Pipeline, *, correlate: Correlate | None = None) -> None:
        self.pipeline = pipeline
        self.correlate: Correlate = correlate or no_correlation
        self.events = EventProcessor(pipeline)
        self.dispatcher = SweepDispatcher(pipeline)
        self.worker = BatchWorker(pipeline, self.events, self.correlate)
        self.operator = OperatorService(pipeline)
        self.config_alerts = ConfigAlerts(pipeline)

    def handle(self, event: object) -> Response:
        incoming = classify(event)
        self.correlate(correlation_keys(incoming, event))
        try:
            return self._dispatch(incoming, event)
        except ConfigError as exc:
            return self._config_failed(incoming, exc)

    def _dispatch(self, incoming: Incoming, event: object) -> Response:
        if isinstance(incoming, SgChangeEvent):
            report = self.events.process(incoming)
            return Response(report.to_dict(), report.retry)
        if isinstance(incoming, SweepTick):
            dispatched = self.dispatcher.dispatch(incoming)
            return Response(dispatched.to_dict(), dispatched.retry)
        if isinstance(incoming, SqsBatch):
            return Response(self.worker.work(incoming).response())
        if isinstance(incoming, OperatorAction):
            return Response(self.operator.run(incoming))
        return self._rejected(incoming, event)

    def _rejected(self, rejected: Rejected, event: object) -> Response:
        code = rejected.reason_code
        reason = (
            audit.IgnoreReason.UNSUPPORTED if code in _UNSUPPORTED else audit.IgnoreReason.MALFORMED
        )
        self.pipeline.metrics.event_ignored(reason.value)
        log.error(
            "event rejected (%s): %s", code.value, rejected.message, extra={"reason_code": code}
        )
        keys = correlation_keys(rejected, event)
        trigger = Trigger(
            keys.get("event_id") or UNKNOWN,
            f"rejected:{code.value}",
            keys.get("account") or UNKNOWN,
            keys.get("region") or UNKNOWN,
        )
        # The log's trail only: input that could not be read causes no write anywhere.
        self.pipeline.audit_log.write(
            audit_record(
                trigger,
                decided_at=self.pipeline.clock(),
                action=AuditAction.IGNORED,
                reason=f"{code.value}: {rejected.message}",
            )
        )
        return Response(
            {"status": "rejected", "reason_code": code.value, "error": rejected.message}
        )

    def _config_failed(self, incoming: Incoming, exc: ConfigError) -> Response:
        log.error(
            "configuration invalid, nothing enforced: %s",
            exc,
            extra={"error_code": exc.code, "hint": exc.hint},
        )
        self.pipeline.metrics.remediation_errors(1)
        message_id = self.config_alerts.notify(exc)
        if isinstance(incoming, SqsBatch):
            return Response(batch_response(incoming.message_ids))
        return Response(
            {
                "status": "config_error",
                "error": str(exc),
                "code": exc.code,
                "hint": exc.hint,
                "alert_message_id": message_id,
            }
        )


def correlation_keys(incoming: Incoming, event: object) -> Mapping[str, str | None]:
    """The log correlation keys an input carries (each key present; None when unknown)."""
    keys: dict[str, str | None] = dict.fromkeys(CORRELATION_KEYS)
    if isinstance(incoming, SgChangeEvent):
        keys |= {"event_id": incoming.event_id, "account": incoming.account_id}
        keys |= {"region": incoming.region, "group": next(iter(incoming.group_ids), None)}
    elif isinstance(incoming, SweepTick):
        keys |= {"event_id": incoming.event_id, "account": incoming.account_id}
        keys["region"] = incoming.region
    elif isinstance(incoming, OperatorAction):
        keys["event_id"] = incoming.request_id
    elif isinstance(incoming, Rejected):
        # Read as carefully as the parsers do: only bounded, well-formed values.
        detail = at(event, "detail")
        keys["event_id"] = text_at(detail, "eventID", limit=128) or text_at(event, "id", limit=128)
        keys["account"] = matching(ACCOUNT_ID, at(detail, "recipientAccountId"))
        keys["region"] = matching(REGION, at(detail, "awsRegion"))
    return keys
