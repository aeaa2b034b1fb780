"""The audit trail: every decision recorded to the log and, when configured, to S3.

`AuditSink` is the port; `LogAuditSink` writes one structured log entry per record (the record
as the `audit_record` extra key, which powertools' JSON formatter puts on the same JSON line);
`AuditTrail` writes to every sink, and one sink failing does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sgcompliance.errors import SgcError
from sgcompliance.records.audit import (
    AuditRecord,
    StoredRecord,
    to_json,
)

log = logging.getLogger(__name__)

AUDIT_LOGGER = "sgcompliance.audit"
AUDIT_KEY = "audit_record"
LOG_LOCATION = "log"


class AuditSink(Protocol):
    def location(self, record: AuditRecord) -> str | None:
        """Where `write` puts the record, known before it is written (None: not addressable)."""
        ...

    def write(self, record: AuditRecord) -> StoredRecord:
        """Store the record; a second write of the same record id changes nothing and says so
        (`created=False`) where the sink can tell. Raises SgcError on failure."""
        ...


class StructuredLogger(Protocol):
    """What `logging.Logger` and powertools' `Logger` both offer."""

    def info(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None: ...


class LogAuditSink:
    """One log entry per record, at INFO, with the whole record as structured data."""

    def __init__(self, logger: StructuredLogger | None = None) -> None:
        self.logger: StructuredLogger = logger or logging.getLogger(AUDIT_LOGGER)

    def location(self, record: AuditRecord) -> str | None:  # noqa: ARG002 - the port's shape
        return None

    def write(self, record: AuditRecord) -> StoredRecord:
        self.logger.info("audit record %s", record.record_id, extra={AUDIT_KEY: to_json(record)})
        return StoredRecord(LOG_LOCATION)


@dataclass(slots=True)
class AuditWrite:
    stored: list[StoredRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def locations(self) -> list[str]:
        return [s.location for s in self.stored]

    @property
    def seen_before(self) -> bool:
        """A sink already held this record id: the same decision on the same event was
        recorded earlier (a duplicate delivery), so its alert went out then."""
        return any(not s.created for s in self.stored)


class AuditTrail:
    def __init__(self, sinks: Sequence[AuditSink]) -> None:
        self.sinks = list(sinks)

    def location(self, record: AuditRecord) -> str | None:
        """The first addressable place the record goes to: the pointer an alert carries."""
        return next((loc for s in self.sinks if (loc := s.location(record)) is not None), None)

    def locations(self, records: Sequence[AuditRecord]) -> dict[str, str]:
        """record id -> location, for `event_alert(audit_uris=...)`."""
        found = {r.record_id: self.location(r) for r in records}
        return {record_id: loc for record_id, loc in found.items() if loc is not None}

    def write(self, record: AuditRecord) -> AuditWrite:
        result = AuditWrite()
        for sink in self.sinks:
            try:
                result.stored.append(sink.write(record))
            except SgcError as exc:
                log.error(
                    "audit record %s not written by %s: %s",
                    record.record_id,
                    type(sink).__name__,
                    exc,
                    extra={"record_id": record.record_id, "error_code": exc.code},
                )
                result.errors.append(str(exc))
        return result
