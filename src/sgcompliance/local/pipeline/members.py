"""The member accounts' side of the event flow, as the Terraform member module creates it.

In each member account: an IAM role EventBridge assumes to put events on the hub bus, and in
each region a rule on the default bus that matches the security-group API calls (the same
pattern as the hub's rule) and forwards them to the hub bus. The member role the handler
assumes is created by the demo seeder (local/demo_org.py).

The resources are created with the account's administrator role (Organizations'
`OrganizationAccountAccessRole`), assumed through aws/assume.py the way a deployment pipeline
would assume it. moto 5.2 routes a rule whose target is another account's bus (in another
region too) by putting the event on that bus, so the forwarding runs inside moto, as in AWS;
it does not check the forwarding role or the hub bus policy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sgcompliance.adapters.aws.assume import AccountClients, RoleAssumer, RoleSettings
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.local.pipeline.hub import Hub, sg_change_pattern
from sgcompliance.local.seed.groups import BOOTSTRAP_ROLE

# The names the Terraform member module gives them (role_name sgcompliance-member).
FORWARD_RULE = "sgcompliance-member-sg-changes"
FORWARDER_ROLE = "sgcompliance-member-forwarder"


@dataclass(frozen=True, slots=True)
class MemberLink:
    """One member account x region forwarding to the hub."""

    account_id: str
    region: str
    rule_arn: str
    role_arn: str


def deployer(factory: ClientFactory) -> AccountClients:
    """Clients in each member account through its administrator role."""
    settings = RoleSettings(role_name=BOOTSTRAP_ROLE, purpose="deploy")
    return AccountClients(factory, RoleAssumer(factory.sts(), settings))


def connect_members(
    clients: AccountClients, hub: Hub, accounts: Sequence[str], regions: Sequence[str]
) -> list[MemberLink]:
    links = []
    for account_id in accounts:
        role_arn = _forwarder_role(clients, account_id, hub)
        for region in regions:
            rule_arn = _forward_rule(clients, account_id, region, hub, role_arn)
            links.append(MemberLink(account_id, region, rule_arn, role_arn))
    return links


def _forwarder_role(clients: AccountClients, account_id: str, hub: Hub) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    permissions = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": hub.bus_arn}],
    }
    iam = clients.client(account_id, "iam")
    with translating("CreateRole", scope=account_id):
        role_arn: str = iam.create_role(
            RoleName=FORWARDER_ROLE, AssumeRolePolicyDocument=json.dumps(trust),
            Description="sgcompliance: forwards security-group API events to the hub bus",
        )["Role"]["Arn"]  # fmt: skip
    with translating("PutRolePolicy", scope=account_id):
        iam.put_role_policy(
            RoleName=FORWARDER_ROLE, PolicyName="put-events-on-hub-bus",
            PolicyDocument=json.dumps(permissions),
        )  # fmt: skip
    return role_arn


def _forward_rule(
    clients: AccountClients, account_id: str, region: str, hub: Hub, role_arn: str
) -> str:
    events = clients.client(account_id, "events", region)
    scope = f"{account_id}/{region}"
    with translating("PutRule", scope=scope):
        rule_arn: str = events.put_rule(
            Name=FORWARD_RULE, EventPattern=json.dumps(sg_change_pattern()), State="ENABLED",
            Description="sgcompliance: security-group API calls to the hub bus",
        )["RuleArn"]  # fmt: skip
    target = {"Id": "sgcompliance-hub", "Arn": hub.bus_arn, "RoleArn": role_arn}
    with translating("PutTargets", scope=scope):
        events.put_targets(Rule=FORWARD_RULE, Targets=[target])
    return rule_arn
