"""Alerts out: the `Notifier` port and the use case that publishes without ever blocking.

An alert that cannot be sent must not undo a remediation or stop its audit record from being
written: `AlertPublisher.send` reports the failure (and counts it) instead of raising. Owner
routing is best effort in the same way: an account whose tags cannot be read routes by its
groups' tags alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Protocol

from sgcompliance.engine.policy import Severity
from sgcompliance.errors import SgcError
from sgcompliance.records.alert import Alert, event_alert, sweep_alert, worth_alerting
from sgcompliance.records.audit import AuditRecord, highest_severity
from sgcompliance.records.metrics import MetricsManager
from sgcompliance.records.owner_routing import NO_ROUTING, OwnerRouting, Routing, routing_values

log = logging.getLogger(__name__)

# (account, region, group id) -> the group's tags, as read when it was judged. Group ids are
# unique within an account and region only: a sweep's batch may hold the same id twice.
GroupKey = tuple[str, str, str]
GroupTags = Mapping[GroupKey, Mapping[str, str]]
# account id -> its tags (Organizations); SgcError when they cannot be read.
AccountTags = Callable[[str], Mapping[str, str]]
_RANK = {s.value: s.rank for s in Severity}


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
    def __init__(
        self,
        notifier: Notifier,
        metrics: MetricsManager | None = None,
        *,
        routing: OwnerRouting = NO_ROUTING,
        account_tags: AccountTags | None = None,
    ) -> None:
        self.notifier = notifier
        self.metrics = metrics
        self.routing = routing
        self.account_tags = account_tags

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
        group_tags: GroupTags | None = None,
    ) -> Delivery | None:
        """One alert for one event's decisions, when any is worth telling; None otherwise."""
        if not worth_alerting(records):
            return None
        alert = event_alert(
            records,
            audit_uris=audit_uris,
            rollback_options=rollback_options,
            routing=self.routing_for(records, group_tags or {}),
        )
        return self.send(alert)

    def send_for_sweep(
        self,
        sweep_id: str,
        records: Sequence[AuditRecord],
        *,
        sweep_time: datetime | None = None,
        audit_uris: Mapping[str, str] | None = None,
        rollback_options: str = "",
        group_tags: GroupTags | None = None,
    ) -> Delivery | None:
        """One alert for a sweep's (or an operator run's) decisions, when any is worth telling."""
        if not worth_alerting(records):
            return None
        alert = sweep_alert(
            sweep_id,
            records,
            sweep_time=sweep_time,
            audit_uris=audit_uris,
            rollback_options=rollback_options,
            routing=self.routing_for(records, group_tags or {}),
        )
        return self.send(alert)

    def routing_for(self, records: Sequence[AuditRecord], group_tags: GroupTags) -> Routing:
        """The routing attributes of the groups the records are about, most severe first."""
        if not self.routing.enabled:
            return {}
        ranked = sorted(records, key=lambda r: -_RANK.get(highest_severity([r]) or "", -1))
        accounts: dict[str, Mapping[str, str]] = {}
        owners = []
        for record in ranked:
            key = (record.account_id, record.region, record.group_id or "")
            tags = group_tags.get(key, {})
            account = partial(self._account, record.account_id, accounts)
            owners.append(self.routing.owner(tags, account))
        return routing_values(owners)

    def _account(self, account_id: str, seen: dict[str, Mapping[str, str]]) -> Mapping[str, str]:
        if self.account_tags is None or not account_id:
            return {}
        if account_id not in seen:
            try:
                seen[account_id] = self.account_tags(account_id)
            except SgcError as exc:
                log.warning("tags of account %s not read for alert routing: %s", account_id, exc)
                seen[account_id] = {}
        return seen[account_id]
