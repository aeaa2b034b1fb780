"""A hub and one member account on the moto server, as the handler meets them in AWS.

Hub (the account the test credentials belong to): SSM parameters under /sgcompliance (the
ExternalId a SecureString), a versioned bucket with SSE-KMS by default for the policy object,
backups and audit records, an SNS topic with an SQS inbox subscribed, and the sweep's work
queue. Member: an Organizations account whose groups are changed through an assumed role, as a
developer would, and read and remediated by the handler through the member role.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.adapters.aws.assume import RoleAssumer, RoleSettings
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.entrypoints import handler as entry
from support.estate import authorize, create_group, default_vpc, perm

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
PATH = "/sgcompliance"
BUCKET = "sgc-hub"
HUB_REGION = "us-east-1"
REGION = "eu-west-1"
EXTERNAL_ID = "sgc-it-external-id"
ROLE = "sgcompliance-member"
TEAM_POLICY = {"version": "1", "id": "team", "extends": "builtin:strict"}


@dataclass(frozen=True)
class Hub:
    factory: ClientFactory
    member: str
    kms_key: str
    topic_arn: str
    inbox_url: str
    work_queue_url: str

    def client(self, service: str, region: str = HUB_REGION) -> Any:
        return self.factory.client(service, region)

    def member_ec2(self) -> Any:
        """EC2 in the member account as a developer: another role than the remediator's."""
        role = RoleSettings(role_name="developer", purpose="developer")
        assumer = RoleAssumer(self.factory.sts(), role)
        return self.factory.ec2(REGION, assumer.credentials(self.member).static(), owner="dev")

    def put_parameters(self, **values: str) -> None:
        ssm = self.client("ssm")
        for name, value in values.items():
            kind = "SecureString" if name == "external_id" else "String"
            ssm.put_parameter(Name=f"{PATH}/{name}", Value=value, Type=kind, Overwrite=True)

    def inbox(self) -> list[dict[str, Any]]:
        """Every alert waiting in the inbox (raw delivery: the body is the alert)."""
        sqs = self.client("sqs")
        found: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.inbox_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return found
            found.extend(batch)
            for message in batch:
                sqs.delete_message(QueueUrl=self.inbox_url, ReceiptHandle=message["ReceiptHandle"])

    def objects(self, prefix: str) -> list[str]:
        listed = self.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return sorted(o["Key"] for o in listed.get("Contents", []))

    def audit_records(self) -> list[dict[str, Any]]:
        s3 = self.client("s3")
        return [
            json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
            for key in self.objects("audit/")
        ]


def build_hub(factory: ClientFactory) -> Hub:
    org = factory.organizations()
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="member@example.com", AccountName="member")
    member_id = member["CreateAccountStatus"]["AccountId"]
    kms_key = factory.client("kms", HUB_REGION).create_key()["KeyMetadata"]["KeyId"]
    _bucket(factory.client("s3", HUB_REGION), kms_key)
    topic_arn, inbox_url = _topic_with_inbox(factory)
    work_queue = factory.client("sqs", HUB_REGION).create_queue(QueueName="sgc-work")["QueueUrl"]
    hub = Hub(factory, member_id, kms_key, topic_arn, inbox_url, work_queue)
    hub.put_parameters(
        mode="remove_non_compliant_rules",
        accounts=member_id,
        regions=REGION,
        role_name=ROLE,
        external_id=EXTERNAL_ID,
        policy=f"s3://{BUCKET}/policy.json",
        sns_topic_arn=topic_arn,
        backup_bucket=BUCKET,
        backup_kms_key_id=kms_key,
        audit_bucket=BUCKET,
    )
    return hub


def _bucket(s3: Any, kms_key: str) -> None:
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key}
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
        },
    )
    s3.put_object(Bucket=BUCKET, Key="policy.json", Body=json.dumps(TEAM_POLICY).encode())


def _topic_with_inbox(factory: ClientFactory) -> tuple[str, str]:
    sns, sqs = factory.client("sns", HUB_REGION), factory.client("sqs", HUB_REGION)
    topic_arn = sns.create_topic(Name="sgcompliance-alerts")["TopicArn"]
    inbox_url = sqs.create_queue(QueueName="sgc-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox_url, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=inbox_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    return topic_arn, inbox_url


def open_ssh(ec2: Any, name: str = "web") -> tuple[str, list[str]]:
    """A group the developer opens to the world on tcp 22 (IPv4 and IPv6), next to a private
    HTTPS rule: (group id, ids of the world-open rules)."""
    group_id = private_only(ec2, name)
    world = perm("tcp", (22, 22), "0.0.0.0/0", "::/0", description="ssh")
    return group_id, authorize(ec2, group_id, world)


def private_only(ec2: Any, name: str = "internal") -> str:
    private = perm("tcp", (443, 443), "10.0.0.0/8", description="internal https")
    return create_group(ec2, name, vpc_id=default_vpc(ec2), ingress=[private])


def change_event(
    account: str,
    group_id: str,
    rule_ids: list[str],
    *,
    name: str = "authorize_ingress",
    event_id: str = "9d4f3a10-1111-4111-9111-000000000000",
    identity: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A fixture event (real CloudTrail layout) naming the real account, region and group."""
    event: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    detail = event["detail"]
    detail |= {"recipientAccountId": account, "awsRegion": REGION, "eventID": event_id}
    detail["eventTime"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    detail["requestParameters"]["groupId"] = group_id
    items = (detail.get("responseElements") or {}).get("securityGroupRuleSet", {}).get("items", [])
    for n, item in enumerate(items):
        item |= {"groupId": group_id, "groupOwnerId": account}
        if n < len(rule_ids):
            item["securityGroupRuleId"] = rule_ids[n]
    if identity is not None:
        detail["userIdentity"] = copy.deepcopy(dict(identity))
    event |= {"region": REGION, "account": account}
    return event


def handler_identity(account: str) -> dict[str, Any]:
    """The userIdentity CloudTrail records for the handler's own member role session."""
    return {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLEMEMBERROL1:sgcompliance-handler",
        "arn": f"arn:aws:sts::{account}:assumed-role/{ROLE}/sgcompliance-handler",
        "accountId": account,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{account}:role/{ROLE}"}
        },
    }


def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """What Lambda's SQS event source hands the function for received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "eventSource": "aws:sqs",
                "awsRegion": HUB_REGION,
            }
            for m in messages
        ]
    }


def rules_of(ec2: Any, group_id: str) -> list[tuple[int, str]]:
    rows = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])
    return sorted(
        (r.get("FromPort", -1), r.get("CidrIpv4") or r.get("CidrIpv6") or "")
        for r in rows["SecurityGroupRules"]
        if not r["IsEgress"]
    )


def tags_of(ec2: Any, group_id: str) -> dict[str, str]:
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return {t["Key"]: t["Value"] for t in group.get("Tags", [])}


class Context:
    aws_request_id = "it-request"


def hub_for(factory: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    """For a `hub` fixture: the hub and a member on a fresh server, and a handler that builds
    its wiring from scratch, then leaves logging as it found it."""
    built = build_hub(factory)
    monkeypatch.setenv("SGC_WORK_QUEUE_URL", built.work_queue_url)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "sgcompliance-it")
    library = logging.getLogger("sgcompliance")
    saved = (list(library.handlers), library.propagate, library.level)
    entry.use_wiring(None)
    try:
        yield built
    finally:
        entry.use_wiring(None)
        # The handler configures the library's loggers for JSON; other tests expect the default.
        library.handlers[:], library.propagate, library.level = saved[0], saved[1], saved[2]


def calls() -> dict[str, int]:
    """The API calls the handler's clients made since the last `reset_calls`."""
    return entry.current_wiring().counter.snapshot().calls


def reset_calls() -> None:
    entry.current_wiring().counter.reset()
