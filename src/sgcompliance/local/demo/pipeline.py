"""The demo's event-driven steps: deploy the pipeline, make a careless change, watch it undone.

A developer (role `developer`, session `alice@example.com`) opens tcp 22 to 0.0.0.0/0 and ::/0
on the `app-tier` group of demo-dev. The emitter records the call as CloudTrail would and puts
it on demo-dev's default bus; EventBridge forwards it to the hub bus, whose rule queues it; the
worker hands it to the Lambda handler, which remediates. Then one `sgc rollback` undoes that.
The remediator's own role is not used for the change: its `sgcompliance-*` sessions are the
ones the handler ignores, to prevent loops.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.session import ClientFactory, StaticCredentials
from sgcompliance.local.demo.context import DemoContext, LiveRun
from sgcompliance.local.demo.runner import Check
from sgcompliance.local.demo.steps import demo_policy
from sgcompliance.local.pipeline.cloudtrail_emitter import (
    CloudTrailEmitter,
    DefaultBus,
    EmittedEvent,
    identify,
)
from sgcompliance.local.pipeline.flow import (
    deploy_pipeline,
    describe_pipeline,
)
from sgcompliance.local.pipeline.hub import SG_CHANGES_RULE
from sgcompliance.local.pipeline.members import deployer

CHANGED_ACCOUNT = "demo-dev"
CHANGED_GROUP = "app-tier"
DEVELOPER_ROLE = "developer"
DEVELOPER_SESSION = "alice@example.com"
WORLD = ("0.0.0.0/0", "::/0")
SSH_TO_THE_WORLD = {
    "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
    "IpRanges": [{"CidrIp": WORLD[0]}], "Ipv6Ranges": [{"CidrIpv6": WORLD[1]}],
}  # fmt: skip


def live(ctx: DemoContext) -> LiveRun:
    if ctx.live is None:
        raise RuntimeError("the pipeline is not deployed yet")
    return ctx.live


def deploy_hub(ctx: DemoContext) -> list[Check]:
    org = ctx.demo_org()
    factory = ctx.wiring.clients(ctx.endpoint)
    pipeline = deploy_pipeline(factory, org, demo_policy(org, datetime.now(UTC)))
    ctx.live = LiveRun(factory, pipeline, ctx.wiring.handler)
    for line in describe_pipeline(pipeline):
        ctx.echo(f"  {line}")
    ctx.echo("  moto has no CloudTrail and runs no Lambda code: the demo records each call as")
    ctx.echo("  CloudTrail would and a local worker calls the Lambda handler in this process")
    hub = pipeline.hub
    events = factory.client("events", hub.region)
    with translating("ListTargetsByRule", scope=hub.rule_arn):
        targets = events.list_targets_by_rule(Rule=SG_CHANGES_RULE, EventBusName=hub.bus_arn)
    routed = [t["Arn"] for t in targets.get("Targets", [])] == [hub.events_queue_arn]
    expected = len(org.account_ids) * len(org.regions)
    return [
        Check(routed, "the hub bus's rule targets the events queue"),
        Check(len(pipeline.members) == expected, f"{expected} member forwarding rules created"),
        Check(len(hub.parameters) == 15, f"{len(hub.parameters)} parameters under /sgcompliance"),
    ]


def careless_change(ctx: DemoContext) -> list[Check]:
    run, org = live(ctx), ctx.demo_org()
    run.account_id, run.region = org.account_id(CHANGED_ACCOUNT), org.regions[0]
    run.group_id = org.scope(run.account_id, run.region).group_id(CHANGED_GROUP)
    credentials = developer_session(run.factory, run.account_id, org.management_account)
    caller = identify(run.factory.sts(credentials), credentials.access_key_id)

    def events_client(account_id: str, region: str) -> Any:
        return run.factory.client("events", region, credentials, owner=f"{account_id}-developer")

    emitter = CloudTrailEmitter(DefaultBus(events_client))
    run.emitter = emitter
    owner = f"{run.account_id}-developer"
    run.ec2 = emitter.watch(run.factory.ec2(run.region, credentials, owner=owner), caller)
    ctx.echo(f"  {caller.arn} ({CHANGED_ACCOUNT}, {run.region}):")
    ctx.echo(f"  $ aws ec2 authorize-security-group-ingress --group-id {run.group_id} \\")
    ctx.echo("      --ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,"
             "IpRanges=[{CidrIp=0.0.0.0/0}],Ipv6Ranges=[{CidrIpv6=::/0}]'")  # fmt: skip
    with translating("AuthorizeSecurityGroupIngress", scope=run.group_id):
        answer = run.ec2.authorize_security_group_ingress(
            GroupId=run.group_id, IpPermissions=[SSH_TO_THE_WORLD]
        )
    run.rule_ids = tuple(r["SecurityGroupRuleId"] for r in answer.get("SecurityGroupRules", []))
    run.change = emitter.emitted[-1] if emitter.emitted else None
    if run.change is not None:
        show_record(ctx, run.change)
    return [
        Check(
            len(run.rule_ids) == 2, f"the group now has {len(run.rule_ids)} SSH-to-the-world rules"
        ),
        Check(
            run.change is not None and run.change.put_at is not None,
            "the CloudTrail event was put on demo-dev's default bus",
        ),
    ]


def developer_session(
    factory: ClientFactory, account_id: str, trusted_account: str
) -> StaticCredentials:
    """A developer's session in the member account (its role is created here)."""
    iam = deployer(factory).client(account_id, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                       "Principal": {"AWS": f"arn:aws:iam::{trusted_account}:root"}}],
    }  # fmt: skip
    with translating("CreateRole", scope=account_id):
        iam.create_role(RoleName=DEVELOPER_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    arn = f"arn:aws:iam::{account_id}:role/{DEVELOPER_ROLE}"
    with translating("AssumeRole", scope=arn):
        found = factory.sts().assume_role(RoleArn=arn, RoleSessionName=DEVELOPER_SESSION)
    creds = found["Credentials"]
    return StaticCredentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def show_record(ctx: DemoContext, change: EmittedEvent) -> None:
    record = change.record
    rules = record["responseElements"]["securityGroupRuleSet"]["items"]
    ctx.echo("  the CloudTrail record (eventbridge detail) the emitter built and put on the bus:")
    ctx.echo(f"    eventName {record['eventName']}  eventID {record['eventID']}")
    ctx.echo(f"    eventTime {record['eventTime']}  recipientAccountId "
             f"{record['recipientAccountId']}  awsRegion {record['awsRegion']}")  # fmt: skip
    ctx.echo(f"    userIdentity {record['userIdentity']['type']} {record['userIdentity']['arn']}")
    ctx.echo(f"    new rules {', '.join(r['securityGroupRuleId'] for r in rules)}")
