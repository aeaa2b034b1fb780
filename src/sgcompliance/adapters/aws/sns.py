"""Alerts to an SNS topic: Publish with a subject, the JSON body and its attributes (String,
and String.Array for owner routing)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.records.alert import Alert

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef


class SnsNotifier:
    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self.client = client
        self.topic_arn = topic_arn

    def publish(self, alert: Alert) -> str:
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            name: {"DataType": data_type, "StringValue": value}
            for name, data_type, value in alert.message_attributes()
        }
        with translating("Publish", scope=self.topic_arn):
            response = self.client.publish(
                TopicArn=self.topic_arn,
                Subject=alert.subject,
                Message=alert.message,
                MessageAttributes=attributes,
            )
        return response["MessageId"]


TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[\w-]{1,256}(\.fifo)?")


def topic_region(topic_arn: str) -> str | None:
    """The region an SNS topic ARN names (None for anything that is not one)."""
    match = TOPIC_ARN.fullmatch(topic_arn)
    return match.group(1) if match else None
