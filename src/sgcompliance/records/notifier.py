"""Alerts out: the `Notifier` port and the use case that publishes without ever blocking.

An alert that cannot be sent must not undo a remediation or stop its audit record from being
written: `AlertPublisher.send` reports the failure (and counts it) instead of raising.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sgcompliance.errors import SgcError
from sgcompliance.records.alert import Alert, event_alert, worth_alerting
from sgcompliance.records.audit import AuditRecord
from sgcompliance.records.metrics import MetricsManager

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def publish(self, alert: Alert) -> str:
        """Send the alert; return the message id. Raises SgcError when it was not accepted."""
        ...


@dataclass(frozen=True, slots=True)
class Delivery:
    message_id: str | None = None
    error: str | None = None

    @property
    def sent(self) -> bool:
        return self.message_id is not None


class AlertPublisher:
    def __init__(self, notifier: Notifier, metrics: MetricsManager | None = None) -> None:
        self.notifier = notifier
        self.metrics = metrics

    def send(self, alert: Alert) -> Delivery:
        try:
            message_id = self.notifier.publish(alert)
        except SgcError as exc:
            log.error(
                "alert not published: %s",
                exc,
                extra={"alert_subject": alert.subject, "error_code": exc.code},
            )
            if self.metrics is not None:
                self.metrics.alert_errors()
            return Delivery(error=str(exc))
        return Delivery(message_id=message_id)

    def send_for_event(
        self,
        records: Sequence[AuditRecord],
        *,
        audit_uris: Mapping[str, str] | None = None,
        rollback_options: str = "",
    ) -> Delivery | None:
        """One alert for one event's decisions, when any is worth telling; None otherwise."""
        if not worth_alerting(records):
            return None
        alert = event_alert(records, audit_uris=audit_uris, rollback_options=rollback_options)
        return self.send(alert)
