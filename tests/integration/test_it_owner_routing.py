"""Owner routing against the moto server: SQS queues subscribed to the alert topic with a filter
policy per team receive only their team's alerts. moto 5.2 applies subscription filter policies
(String.Array attributes and `exists` included), so delivery itself is what is checked here."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.adapters.aws.sns import SnsNotifier
from sgcompliance.engine.policy import Severity
from sgcompliance.records.audit import AuditAction, AuditRecord, Trigger, audit_record
from sgcompliance.records.notifier import AlertPublisher
from sgcompliance.records.owner_routing import OwnerRouting
from sgcompliance.remediation.plan import PlannedFinding

pytestmark = pytest.mark.integration

REGION = "us-east-1"
HOSTILE = "payments\n\x00\x1b[2J" + "\u202e" + "\U0001f4a5" * 2600 + '"\\'  # ~10 KB


def revoked_record(*, group_id: str) -> AuditRecord:
    at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    trigger = Trigger("ev-1", "AuthorizeSecurityGroupIngress", "111111111111", "eu-west-1", at)
    found = [PlannedFinding("f" * 32, "cis-5.2", Severity.CRITICAL, "sgr-1", "ssh")]
    return audit_record(
        trigger, decided_at=at, action=AuditAction.REVOKE, group_id=group_id, findings=found,
        outcome="applied", revoked_rule_ids=["sgr-1"],
    )  # fmt: skip


def key(group_id: str) -> tuple[str, str, str]:
    return ("111111111111", "eu-west-1", group_id)


def subscribed_queue(factory: ClientFactory, topic_arn: str, name: str, policy: Any) -> str:
    sns, sqs = factory.client("sns", REGION), factory.client("sqs", REGION)
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    attributes = {"RawMessageDelivery": "true"}
    if policy is not None:
        attributes["FilterPolicy"] = json.dumps(policy)
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
    return url


def group_ids_in(factory: ClientFactory, url: str) -> list[str]:
    sqs = factory.client("sqs", REGION)
    found: list[str] = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return sorted(found)
        for message in messages:
            body = json.loads(message["Body"])
            found.extend(g["group_id"] for g in body.get("groups", []))
            if "sweep" in body:  # a sweep alert: named by the teams it is routed to
                found.append("sweep:" + "+".join(body["owners"]["team"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_each_team_s_subscription_receives_only_its_team_s_alerts(factory: ClientFactory) -> None:
    # GIVEN an alert topic with a queue per team (filter policy on `team`), one for alerts no
    # team owns, and one with no filter
    topic_arn = factory.client("sns", REGION).create_topic(Name="sgc-routed")["TopicArn"]
    payments = subscribed_queue(factory, topic_arn, "team-payments", {"team": ["payments"]})
    web = subscribed_queue(factory, topic_arn, "team-web", {"team": ["web"]})
    unowned = subscribed_queue(factory, topic_arn, "unowned", {"team": [{"exists": False}]})
    everything = subscribed_queue(factory, topic_arn, "security", None)
    publisher = AlertPublisher(
        SnsNotifier(factory.client("sns", REGION), topic_arn), routing=OwnerRouting()
    )
    tags = {
        key("sg-pay"): {"Team": "payments", "Owner": "alice"},
        key("sg-web"): {"Team": "web"},
        key("sg-none"): {"Name": "legacy"},
        key("sg-hostile"): {"Team": HOSTILE},
    }
    # WHEN one event alert per group, and one sweep alert over two teams' groups, are published
    for _, _, group_id in tags:
        delivery = publisher.send_for_event([revoked_record(group_id=group_id)], group_tags=tags)
        assert delivery is not None
        assert delivery.sent, delivery
    sweep = [revoked_record(group_id="sg-pay"), revoked_record(group_id="sg-web")]
    assert publisher.send_for_sweep("sweep-1", sweep, group_tags=tags) is not None
    # THEN each team's queue holds its own group's alert and the sweep, the unowned queue the
    # untagged group's, and the unfiltered queue all of them; the hostile tag was published
    # cleaned (its value starts "payments ", so no team's exact filter matches it)
    assert group_ids_in(factory, payments) == ["sg-pay", "sweep:payments+web"]
    assert group_ids_in(factory, web) == ["sg-web", "sweep:payments+web"]
    assert group_ids_in(factory, unowned) == ["sg-none"]
    assert group_ids_in(factory, everything) == [
        "sg-hostile", "sg-none", "sg-pay", "sg-web", "sweep:payments+web",
    ]  # fmt: skip


def test_a_hostile_tag_value_is_published_clean_and_bounded(factory: ClientFactory) -> None:
    # GIVEN a subscribed queue (no filter: moto matches `prefix` against a String.Array
    # attribute's whole JSON text, where SNS matches each element)
    topic_arn = factory.client("sns", REGION).create_topic(Name="sgc-hostile")["TopicArn"]
    queue = subscribed_queue(factory, topic_arn, "hostile", None)
    publisher = AlertPublisher(
        SnsNotifier(factory.client("sns", REGION), topic_arn), routing=OwnerRouting()
    )
    # WHEN the group tagged with a 10 KB value of control and format characters is alerted
    record = revoked_record(group_id="sg-hostile")
    delivery = publisher.send_for_event([record], group_tags={key("sg-hostile"): {"Team": HOSTILE}})
    # THEN it was published, the value one clean line of at most 128 characters
    assert delivery is not None
    assert delivery.sent, delivery
    sqs = factory.client("sqs", REGION)
    message = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"][0]
    (value,) = json.loads(message["MessageAttributes"]["team"]["StringValue"])
    assert value.startswith("payments [2J")
    assert len(value) <= 128
    assert value.isprintable()
    assert '"' not in value
    assert "\\" not in value
