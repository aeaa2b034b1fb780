"""The hub account's resources, created in the local AWS as the Terraform hub module creates them.

One KMS key (its policy lets EventBridge and CloudWatch alarms use it, as the module's does);
one S3 bucket (versioned, SSE-KMS by default) holding the policy object and receiving backups and
audit records; the runtime parameters under /sgcompliance (the ExternalId as a SecureString under
that key); an encrypted SNS topic with an SQS "inbox" subscribed; the custom event bus
`sgcompliance-hub`, whose policy admits the member accounts; and on that bus a rule matching the
security-group API calls the handler supports, whose target (with a retry policy and a
dead-letter queue of its own) is the SQS "events" queue, where a Lambda event source mapping
would read in AWS; and the SQS "work" queue the scheduled sweep's dispatcher fills. Every queue is
encrypted with the hub key, and both queues a function reads redrive to a dead-letter queue, so
`sgc doctor` finds locally what it checks in AWS.

moto stores the bus policy and the queue policies but does not enforce them: they are written
so that what exists locally reads like what exists in AWS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.events.cloudtrail import DETAIL_TYPE, SG_CHANGE_EVENTS, SOURCE
from sgcompliance.events.tag_changes import TAG_EVENTS

HUB_BUS = "sgcompliance-hub"
SG_CHANGES_RULE = "sgcompliance-sg-changes"
EVENTS_QUEUE = "sgcompliance-events"
EVENTS_DLQ = "sgcompliance-events-dlq"
# What EventBridge could not put on the events queue (the hub rule target's dead-letter queue).
EVENTS_TARGET_DLQ = "sgcompliance-events-target-dlq"
# The scheduled sweep's work items (one message per account x region), read by the worker.
WORK_QUEUE = "sgcompliance-work"
WORK_DLQ = "sgcompliance-work-dlq"
ALERTS_TOPIC = "sgcompliance-alerts"
INBOX_QUEUE = "sgcompliance-alerts-inbox"
KEY_ALIAS = "alias/sgcompliance"
POLICY_KEY = "policy/policy.json"
PARAMETER_PATH = "/sgcompliance"
AUDIT_PREFIX = "audit/"
BACKUP_PREFIX = "backups/"
# As a Lambda event source mapping would: a message handled this many times goes to the DLQ.
MAX_RECEIVES = 5
# The hub rule target's retry policy, as the hub module sets it.
TARGET_RETRY = {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600}


def sg_change_pattern() -> dict[str, Any]:
    """The EventBridge pattern of the security-group API calls the handler acts on.

    The same pattern serves the member accounts' forwarding rules and the hub's rule; Revoke*
    calls do not match, so the remediator's own revokes never reach the hub. Tag calls match
    only when they tag a group or a rule: the handler then judges those that touch a tag it
    reads (an instance's tags never reach the hub).
    """
    resource = [{"prefix": "sg-"}, {"prefix": "sgr-"}]
    return {
        "source": [SOURCE],
        "detail-type": [DETAIL_TYPE],
        "detail": {
            "eventSource": ["ec2.amazonaws.com"],
            "$or": [
                {"eventName": sorted(SG_CHANGE_EVENTS)},
                {
                    "eventName": sorted(TAG_EVENTS),
                    "requestParameters": {"resourcesSet": {"items": {"resourceId": resource}}},
                },
            ],
        },
    }


def builtin_strict_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        resources.files("sgcompliance.policy").joinpath("packs/strict.json").read_text("utf-8")
    )
    return document


@dataclass(frozen=True, slots=True)
class HubSettings:
    """What the hub module's variables would say."""

    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    external_id: str
    role_name: str = "sgcompliance-member"
    mode: str = "remove_non_compliant_rules"
    dry_run: bool = False
    max_revokes: int = 25
    lockdown_severity: str = "critical"
    # None: the built-in strict policy.
    policy_document: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Hub:
    """What was created: enough for the worker, the demo and `sgc rollback` to find it."""

    account_id: str
    region: str
    key_arn: str
    bucket: str
    topic_arn: str
    inbox_url: str
    bus_arn: str
    rule_arn: str
    events_queue_url: str
    events_queue_arn: str
    dlq_url: str
    work_queue_url: str = ""
    target_dlq_url: str = ""
    parameter_path: str = PARAMETER_PATH
    parameters: tuple[str, ...] = field(default=())

    @property
    def policy_uri(self) -> str:
        return f"s3://{self.bucket}/{POLICY_KEY}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "parameters": list(self.parameters)}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Hub:
        values = {k: doc[k] for k in cls.__dataclass_fields__ if k in doc}
        values["parameters"] = tuple(doc.get("parameters", ()))
        return cls(**values)


def create_hub(factory: ClientFactory, settings: HubSettings) -> Hub:
    """Create every hub resource in the account of the factory's own credentials."""
    region = factory.region
    with translating("GetCallerIdentity"):
        account_id = factory.sts().get_caller_identity()["Account"]
    key_arn = _key(factory, region, account_id)
    bucket = f"sgcompliance-hub-{account_id}-{region}"
    _bucket(factory, region, bucket, key_arn, settings.policy_document)
    topic_arn, inbox_url = _topic_with_inbox(factory, region, key_arn)
    bus_arn = _bus(factory, region, settings.accounts)
    queue_url, queue_arn, dlq_url = _fed_queue(factory, region, key_arn, EVENTS_QUEUE, EVENTS_DLQ)
    target_dlq_url, target_dlq_arn = _queue(factory, region, EVENTS_TARGET_DLQ, key_arn)
    rule_arn = _rule(
        factory, region, bus_arn, (queue_url, queue_arn), (target_dlq_url, target_dlq_arn)
    )
    work_url, _, _ = _fed_queue(factory, region, key_arn, WORK_QUEUE, WORK_DLQ)
    hub = Hub(
        account_id, region, key_arn, bucket, topic_arn, inbox_url, bus_arn, rule_arn,
        queue_url, queue_arn, dlq_url, work_url, target_dlq_url,
    )  # fmt: skip
    names = _parameters(factory, region, hub, settings)
    return Hub.from_json({**hub.to_json(), "parameters": names})


def parameter_values(hub: Hub, settings: HubSettings) -> dict[str, str]:
    """Every parameter docs/configuration.md lists that the hub module sets, by name."""
    return {
        "mode": settings.mode,
        "dry_run": "true" if settings.dry_run else "false",
        "accounts": ",".join(settings.accounts),
        "regions": ",".join(settings.regions),
        "role_name": settings.role_name,
        "external_id": settings.external_id,
        "policy": hub.policy_uri,
        "sns_topic_arn": hub.topic_arn,
        "max_revokes": str(settings.max_revokes),
        "lockdown_severity": settings.lockdown_severity,
        "audit_bucket": hub.bucket,
        "audit_prefix": AUDIT_PREFIX,
        "backup_bucket": hub.bucket,
        "backup_prefix": BACKUP_PREFIX,
        "backup_kms_key_id": hub.key_arn,
    }


def key_policy(account_id: str) -> dict[str, Any]:
    """The hub key's policy, with the statements of the hub module that `sgc doctor` checks.

    EventBridge gets the key without a condition: AWS documents that aws:SourceAccount and
    aws:SourceArn are not met when EventBridge writes to an encrypted target, and events would
    be dropped; the queues' own policies narrow it to the hub rule.
    """
    use = ["kms:Decrypt", "kms:GenerateDataKey"]
    statements = [
        {
            "Sid": "AccountAdministersThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "EventBridgeToEncryptedQueues",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": use,
            "Resource": "*",
        },
        {
            "Sid": "AlarmsToEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        },
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def _key(factory: ClientFactory, region: str, account_id: str) -> str:
    kms = factory.client("kms", region)
    with translating("CreateKey"):
        key = kms.create_key(
            Description="sgcompliance hub: backups, audit, ExternalId",
            Policy=json.dumps(key_policy(account_id)),
        )
    key_arn: str = key["KeyMetadata"]["Arn"]
    with translating("CreateAlias"):
        kms.create_alias(AliasName=KEY_ALIAS, TargetKeyId=key["KeyMetadata"]["KeyId"])
    return key_arn


def _bucket(
    factory: ClientFactory,
    region: str,
    bucket: str,
    key_arn: str,
    document: Mapping[str, Any] | None,
) -> None:
    s3 = factory.client("s3", region)
    create: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    with translating("CreateBucket", scope=bucket):
        s3.create_bucket(**create)
    with translating("PutBucketVersioning", scope=bucket):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    rules = [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]
    with translating("PutBucketEncryption", scope=bucket):
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
    body = json.dumps(document if document is not None else builtin_strict_document(), indent=2)
    with translating("PutObject", scope=f"s3://{bucket}/{POLICY_KEY}"):
        s3.put_object(
            Bucket=bucket, Key=POLICY_KEY, Body=body.encode(), ContentType="application/json",
            ServerSideEncryption="aws:kms", SSEKMSKeyId=key_arn,
        )  # fmt: skip


def _queue(
    factory: ClientFactory, region: str, name: str, key_arn: str, **attributes: str
) -> tuple[str, str]:
    """A queue encrypted with the hub key, as every queue of the hub module is."""
    sqs = factory.client("sqs", region)
    attributes = {"KmsMasterKeyId": key_arn, **attributes}
    with translating("CreateQueue", scope=name):
        url: str = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    with translating("GetQueueAttributes", scope=name):
        found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    arn: str = found["Attributes"]["QueueArn"]
    return url, arn


def _allow_service(queue_arn: str, service: str, source_arn: str) -> dict[str, str]:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
    }
    return {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}


def _topic_with_inbox(factory: ClientFactory, region: str, key_arn: str) -> tuple[str, str]:
    sns = factory.client("sns", region)
    with translating("CreateTopic", scope=ALERTS_TOPIC):
        topic_arn: str = sns.create_topic(
            Name=ALERTS_TOPIC, Attributes={"KmsMasterKeyId": key_arn}
        )["TopicArn"]
    inbox_url, inbox_arn = _queue(factory, region, INBOX_QUEUE, key_arn)
    policy = _allow_service(inbox_arn, "sns.amazonaws.com", topic_arn)
    with translating("SetQueueAttributes", scope=INBOX_QUEUE):
        factory.client("sqs", region).set_queue_attributes(QueueUrl=inbox_url, Attributes=policy)
    with translating("Subscribe", scope=ALERTS_TOPIC):
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=inbox_arn)
    return topic_arn, inbox_url


def _bus(factory: ClientFactory, region: str, accounts: Sequence[str]) -> str:
    events = factory.client("events", region)
    with translating("CreateEventBus", scope=HUB_BUS):
        bus_arn: str = events.create_event_bus(Name=HUB_BUS)["EventBusArn"]
    # In AWS the module admits the organization (aws:PrincipalOrgID); locally, its accounts.
    statement = {
        "Sid": "MemberAccountsPutEvents",
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in accounts]},
        "Action": "events:PutEvents",
        "Resource": bus_arn,
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    with translating("PutPermission", scope=HUB_BUS):
        events.put_permission(EventBusName=HUB_BUS, Policy=policy)
    return bus_arn


def _fed_queue(
    factory: ClientFactory, region: str, key_arn: str, name: str, dlq_name: str
) -> tuple[str, str, str]:
    """A queue a function reads, redriving to its dead-letter queue after MAX_RECEIVES."""
    dlq_url, dlq_arn = _queue(factory, region, dlq_name, key_arn)
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES})
    url, arn = _queue(factory, region, name, key_arn, RedrivePolicy=redrive)
    return url, arn, dlq_url


def _rule(
    factory: ClientFactory,
    region: str,
    bus_arn: str,
    queue: tuple[str, str],
    target_dlq: tuple[str, str],
) -> str:
    """The hub rule, its target on the events queue (retries, then the target's DLQ), and the
    policies that let this rule alone send to both queues."""
    (queue_url, queue_arn), (target_dlq_url, target_dlq_arn) = queue, target_dlq
    events = factory.client("events", region)
    pattern = json.dumps(sg_change_pattern())
    with translating("PutRule", scope=SG_CHANGES_RULE):
        rule_arn: str = events.put_rule(
            Name=SG_CHANGES_RULE, EventBusName=HUB_BUS, EventPattern=pattern, State="ENABLED",
            Description="security-group API calls from the member accounts",
        )["RuleArn"]  # fmt: skip
    sqs = factory.client("sqs", region)
    for name, url, arn in (
        (EVENTS_QUEUE, queue_url, queue_arn),
        (EVENTS_TARGET_DLQ, target_dlq_url, target_dlq_arn),
    ):
        policy = _allow_service(arn, "events.amazonaws.com", rule_arn)
        with translating("SetQueueAttributes", scope=name):
            sqs.set_queue_attributes(QueueUrl=url, Attributes=policy)
    target = {
        "Id": "events-queue",
        "Arn": queue_arn,
        "RetryPolicy": TARGET_RETRY,
        "DeadLetterConfig": {"Arn": target_dlq_arn},
    }
    with translating("PutTargets", scope=SG_CHANGES_RULE):
        events.put_targets(Rule=SG_CHANGES_RULE, EventBusName=bus_arn, Targets=[target])
    return rule_arn


def _parameters(factory: ClientFactory, region: str, hub: Hub, settings: HubSettings) -> list[str]:
    ssm = factory.client("ssm", region)
    names = []
    for name, value in parameter_values(hub, settings).items():
        full = f"{hub.parameter_path}/{name}"
        secure = {"Type": "SecureString", "KeyId": hub.key_arn}
        kind = secure if name == "external_id" else {"Type": "String"}
        with translating("PutParameter", scope=full):
            ssm.put_parameter(Name=full, Value=value, Overwrite=True, **kind)
        names.append(full)
    return names
