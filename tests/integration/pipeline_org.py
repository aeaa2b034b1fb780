"""A small organization for the pipeline tests: two member accounts, one group, the pipeline.

Seeding the whole demo organization takes seconds; these tests need only accounts that exist in
Organizations, a group in one of them, and the hub and member forwarding deployed for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sgcompliance.adapters.aws.session import ClientFactory, StaticCredentials
from sgcompliance.local.pipeline.cloudtrail_emitter import CloudTrailEmitter, DefaultBus, identify
from sgcompliance.local.pipeline.flow import LocalPipeline, deploy_pipeline
from sgcompliance.local.seed.organization import DemoOrg, demo_role
from support.estate import create_group, default_vpc

REGIONS = ("us-east-1", "eu-west-1")
MEMBER_NAMES = ("pipeline-a", "pipeline-b")


@dataclass(frozen=True)
class Change:
    """A member account's EC2 client whose security-group calls are put on its default bus."""

    account_id: str
    region: str
    group_id: str
    ec2: Any
    emitter: CloudTrailEmitter
    # The member account's default bus in `region`, where CloudTrail puts its records.
    bus: DefaultBus


def small_org(factory: ClientFactory) -> DemoOrg:
    org = factory.organizations()
    org.create_organization(FeatureSet="ALL")
    accounts = []
    for name in MEMBER_NAMES:
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)
        accounts.append((status["CreateAccountStatus"]["AccountId"], name))
    management = factory.sts().get_caller_identity()["Account"]
    endpoint = factory.settings.endpoint_url or ""
    return DemoOrg(endpoint, management, tuple(accounts), REGIONS, demo_role(), ())


def deployed(factory: ClientFactory, policy: dict[str, Any] | None = None) -> LocalPipeline:
    return deploy_pipeline(factory, small_org(factory), policy)


def developer_change(
    factory: ClientFactory, account_id: str, region: str, session: str = "alice"
) -> Change:
    """A session of a `developer` role in `account_id`, watched, and a fresh group there."""
    arn = f"arn:aws:iam::{account_id}:role/developer"
    found = factory.sts().assume_role(RoleArn=arn, RoleSessionName=session)["Credentials"]
    creds = StaticCredentials(found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"])
    caller = identify(factory.sts(creds), creds.access_key_id)
    owner = f"{account_id}-{session}"

    def events(account: str, where: str) -> Any:
        return factory.client("events", where, creds, owner=owner)

    bus = DefaultBus(events)
    emitter = CloudTrailEmitter(bus)
    ec2 = factory.ec2(region, creds, owner=owner)
    group_id = create_group(ec2, f"app-{session}", description="app", vpc_id=default_vpc(ec2))
    emitter.watch(ec2, caller)
    return Change(account_id, region, group_id, ec2, emitter, bus)


def ssh_from(cidr: str) -> list[dict[str, Any]]:
    return [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": cidr}]}]


def drain(sqs: Any, queue_url: str, wait: int = 1) -> list[dict[str, Any]]:
    """Every message the queue holds now (received, not deleted)."""
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
            VisibilityTimeout=30,
        ).get("Messages", [])  # fmt: skip
        if not batch:
            return messages
        messages += batch
        wait = 0
