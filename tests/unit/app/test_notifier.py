"""AlertPublisher: publishes through the Notifier port and never lets a failure escape."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from sgcompliance.adapters.emf import EmfMetricsSink
from sgcompliance.engine.policy import Severity
from sgcompliance.errors import AwsUnavailableError
from sgcompliance.records.alert import Alert
from sgcompliance.records.audit import AuditAction, AuditRecord, Trigger, audit_record
from sgcompliance.records.metrics import MetricsManager
from sgcompliance.records.notifier import AlertPublisher
from sgcompliance.remediation.plan import PlannedFinding

TRIGGER = Trigger(
    "ev-1", "AuthorizeSecurityGroupIngress", "111111111111", "eu-west-1",
    datetime(2026, 11, 27, 12, 0, tzinfo=UTC), "arn:aws:iam::111111111111:user/alice",
)  # fmt: skip
ALERT = Alert("sgcompliance HIGH: flagged sg-1", '{"kind":"event"}', {"severity": "high"})


def decision(action: AuditAction) -> AuditRecord:
    found = [PlannedFinding("f" * 32, "cis-5.2", Severity.HIGH, "sgr-1", "ssh")]
    return audit_record(
        TRIGGER,
        decided_at=datetime(2026, 11, 27, 12, 0, 1, tzinfo=UTC),
        action=action,
        group_id="sg-1",
        findings=found if action is AuditAction.FLAG else [],
    )


class InboxNotifier:
    def __init__(self) -> None:
        self.inbox: list[Alert] = []

    def publish(self, alert: Alert) -> str:
        self.inbox.append(alert)
        return f"msg-{len(self.inbox)}"


class DownNotifier:
    def publish(self, alert: Alert) -> str:
        raise AwsUnavailableError(f"Publish {alert.subject!r}: no answer", operation="Publish")


def test_a_published_alert_returns_its_message_id() -> None:
    notifier = InboxNotifier()
    delivery = AlertPublisher(notifier).send(ALERT)
    assert (delivery.message_id, delivery.sent, delivery.error) == ("msg-1", True, None)
    assert notifier.inbox == [ALERT]


def test_a_failed_publish_is_reported_and_counted_not_raised() -> None:
    # GIVEN SNS unreachable  WHEN an alert is sent
    out = io.StringIO()
    metrics = MetricsManager(EmfMetricsSink(out))
    delivery = AlertPublisher(DownNotifier(), metrics).send(ALERT)
    metrics.flush()
    # THEN the caller learns it, and AlertPublishErrors counts it
    assert not delivery.sent
    assert delivery.error == f"Publish {ALERT.subject!r}: no answer"
    assert json.loads(out.getvalue())["AlertPublishErrors"] == [1.0]


def test_an_event_with_a_finding_is_alerted_once() -> None:
    notifier = InboxNotifier()
    delivery = AlertPublisher(notifier).send_for_event([decision(AuditAction.FLAG)])
    assert delivery is not None
    assert delivery.sent
    (alert,) = notifier.inbox
    assert alert.attributes["severity"] == "high"


def test_a_compliant_event_sends_nothing() -> None:
    notifier = InboxNotifier()
    assert AlertPublisher(notifier).send_for_event([decision(AuditAction.NONE)]) is None
    assert notifier.inbox == []
