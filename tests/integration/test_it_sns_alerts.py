"""SnsNotifier against the moto server: an alert reaches an SQS inbox with body and attributes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.adapters.aws.sns import SnsNotifier
from sgcompliance.engine.policy import Severity
from sgcompliance.errors import SgcError
from sgcompliance.records.alert import SNS_MAX_BYTES, Alert, event_alert
from sgcompliance.records.audit import AuditAction, Trigger, audit_record
from sgcompliance.remediation.plan import PlannedFinding

pytestmark = pytest.mark.integration

REGION = "us-east-1"


def alert() -> Alert:
    """The alert for a revoke of a world-open SSH rule, with a hostile actor name."""
    trigger = Trigger(
        "ev-1", "AuthorizeSecurityGroupIngress", "111111111111", "eu-west-1",
        datetime(2026, 11, 27, 12, 0, tzinfo=UTC),
        "arn:aws:sts::111111111111:assumed-role/dev/alice\n<script>\u00fc</script>",
    )  # fmt: skip
    record = audit_record(
        trigger, decided_at=datetime(2026, 11, 27, 12, 0, 2, tzinfo=UTC),
        action=AuditAction.REVOKE, group_id="sg-0abc", mode="remove_non_compliant_rules",
        findings=[PlannedFinding("f" * 32, "cis-5.2", Severity.CRITICAL, "sgr-1", "ssh")],
        backup_id="sg-0abc.20261127T120002000000Z.0123abcd", outcome="applied",
        revoked_rule_ids=["sgr-1"],
    )  # fmt: skip
    return event_alert([record], audit_uris={record.record_id: "s3://audit/x.json"})


def inbox(factory: ClientFactory, *, raw: bool) -> tuple[str, Any, str]:
    """A topic with an SQS queue subscribed: (topic arn, sqs client, queue url)."""
    sns, sqs = factory.client("sns", REGION), factory.client("sqs", REGION)
    topic_arn = sns.create_topic(Name="sgc-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="sgc-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true" if raw else "false"},
    )  # fmt: skip
    return topic_arn, sqs, queue_url


def receive_one(sqs: Any, queue_url: str) -> dict[str, Any]:
    messages = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
    ).get("Messages", [])
    assert len(messages) == 1
    message: dict[str, Any] = messages[0]
    return message


def test_an_alert_arrives_in_the_sns_envelope_with_subject_body_and_attributes(
    factory: ClientFactory,
) -> None:
    # GIVEN an inbox subscribed without raw delivery
    topic_arn, sqs, queue_url = inbox(factory, raw=False)
    sent = alert()
    # WHEN the alert is published
    message_id = SnsNotifier(factory.client("sns", REGION), topic_arn).publish(sent)
    # THEN the SNS envelope carries the subject, the exact body and String attributes
    envelope = json.loads(receive_one(sqs, queue_url)["Body"])
    assert envelope["MessageId"] == message_id
    assert envelope["Subject"] == sent.subject
    assert envelope["Message"] == sent.message
    assert json.loads(envelope["Message"])["groups"][0]["rollback"].startswith("sgc rollback ")
    attributes = {k: (v["Type"], v["Value"]) for k, v in envelope["MessageAttributes"].items()}
    assert attributes == {k: ("String", v) for k, v in sent.attributes.items()}


def test_an_alert_arrives_raw_with_sqs_message_attributes(factory: ClientFactory) -> None:
    # GIVEN an inbox subscribed with raw delivery
    topic_arn, sqs, queue_url = inbox(factory, raw=True)
    sent = alert()
    # WHEN published
    SnsNotifier(factory.client("sns", REGION), topic_arn).publish(sent)
    # THEN the SQS body is the alert body and the attributes are SQS message attributes
    received = receive_one(sqs, queue_url)
    assert json.loads(received["Body"]) == sent.body()
    attributes = {
        k: (v["DataType"], v["StringValue"]) for k, v in received["MessageAttributes"].items()
    }
    assert attributes == {k: ("String", v) for k, v in sent.attributes.items()}
    assert attributes["severity"] == ("String", "critical")


def test_publishing_to_a_missing_topic_raises_a_translated_error(factory: ClientFactory) -> None:
    missing = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    with pytest.raises(SgcError) as info:
        SnsNotifier(factory.client("sns", REGION), missing).publish(alert())
    assert "Publish" in str(info.value)


def test_a_truncated_alert_of_maximum_size_is_accepted_and_delivered(
    factory: ClientFactory,
) -> None:
    # GIVEN an alert cut down to the SNS limit from 2000 findings
    trigger = Trigger("ev-2", "ModifySecurityGroupRules", "111111111111", "eu-west-1")
    check = "cis-aws-foundations-5.2-no-world-ingress-to-remote-administration-ports"
    found = [
        PlannedFinding(f"{n:032x}", check, Severity.HIGH, f"sgr-{n:017x}", "ssh")
        for n in range(2000)
    ]
    record = audit_record(
        trigger, decided_at=datetime(2026, 11, 27, tzinfo=UTC), action=AuditAction.FLAG,
        group_id="sg-0abc", findings=found,
    )  # fmt: skip
    big = event_alert([record])
    assert big.body()["truncated"] > 0
    assert big.size_bytes > SNS_MAX_BYTES - 1024
    topic_arn, sqs, queue_url = inbox(factory, raw=True)
    # WHEN published  THEN SNS accepts it and the inbox receives it whole
    SnsNotifier(factory.client("sns", REGION), topic_arn).publish(big)
    assert receive_one(sqs, queue_url)["Body"] == big.message
