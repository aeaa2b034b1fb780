"""Seed the demo organization (local/demo_groups.py) into the local AWS.

It goes through the product's own AWS layer: Organizations creates three member accounts, the
bootstrap role creates the member role in each, and every group is written with that member
role assumed exactly as a scan assumes it (role ARN template, ExternalId, session name).

Two moto limits shape it: a rule cannot reference a group of another account (moto looks the
group up in the caller's account), so a cross-account peer is a stand-in group of the same
account referenced with the other account's id as `UserId`, which is what the engine judges;
and default groups come without AWS's self-referencing rule, so it is added here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sgcompliance.adapters.aws.assume import AccountClients, RoleAssumer, RoleSettings
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.errors import AwsApiError, ConfigError
from sgcompliance.local.seed.groups import (
    BOOTSTRAP_ROLE,
    DEMO_ACCOUNTS,
    DEMO_EXTERNAL_ID,
    DEMO_REGIONS,
    DEMO_ROLE_NAME,
    EXEMPTION_TAG,
    VENDOR_ACCOUNT,
)
from sgcompliance.local.seed.scope import ScopeSeeder, SeededGroup

if TYPE_CHECKING:
    from mypy_boto3_organizations import OrganizationsClient


@dataclass(frozen=True, slots=True)
class SeededScope:
    account_id: str
    account_name: str
    region: str
    groups: tuple[SeededGroup, ...]
    # prefix list name (see demo_groups.PREFIX_LISTS) -> id
    prefix_lists: Mapping[str, str] = field(default_factory=dict)

    def group_id(self, name: str) -> str:
        for group in self.groups:
            if group.name == name:
                return group.group_id
        raise KeyError(f"no demo group {name!r} in {self.account_id}/{self.region}")


@dataclass(frozen=True, slots=True)
class DemoOrg:
    """What was seeded: enough to scan it and to write assertions about it."""

    endpoint: str
    management_account: str
    accounts: tuple[tuple[str, str], ...]  # (account id, account name)
    regions: tuple[str, ...]
    role: RoleSettings
    scopes: tuple[SeededScope, ...]
    vendor_account: str = VENDOR_ACCOUNT
    exemption_tag: tuple[str, str] = EXEMPTION_TAG

    @property
    def account_ids(self) -> tuple[str, ...]:
        return tuple(account_id for account_id, _ in self.accounts)

    def account_id(self, name: str) -> str:
        return next(i for i, n in self.accounts if n == name)

    def scope(self, account_id: str, region: str) -> SeededScope:
        return next(s for s in self.scopes if (s.account_id, s.region) == (account_id, region))

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "management_account": self.management_account,
            "accounts": [{"id": i, "name": n} for i, n in self.accounts],
            "regions": list(self.regions),
            "role_name": self.role.role_name,
            "external_id": self.role.external_id,
            "vendor_account": self.vendor_account,
            "exemption_tag": {"key": self.exemption_tag[0], "value": self.exemption_tag[1]},
            "scopes": [
                {
                    "account_id": s.account_id,
                    "account_name": s.account_name,
                    "region": s.region,
                    "prefix_lists": dict(s.prefix_lists),
                    "groups": [
                        {"id": g.group_id, "name": g.name, "attach": str(g.attach)}
                        for g in s.groups
                    ],
                }
                for s in self.scopes
            ],
        }


def demo_role() -> RoleSettings:
    return RoleSettings(role_name=DEMO_ROLE_NAME, external_id=DEMO_EXTERNAL_ID, purpose="seed")


def seed_demo_org(factory: ClientFactory, *, regions: Sequence[str] = DEMO_REGIONS) -> DemoOrg:
    """Create the demo organization; ConfigError if the endpoint is not local or already seeded."""
    endpoint = factory.settings.endpoint_url or ""
    if not factory.settings.is_local:
        raise ConfigError(
            f"refusing to seed demo resources into {endpoint or 'real AWS'}",
            hint="the demo seeder only targets the local AWS: run `sgc local up` first",
        )
    with translating("GetCallerIdentity"):
        management = factory.sts().get_caller_identity()["Account"]
    accounts = _create_accounts(factory.organizations(), endpoint)
    bootstrap = RoleAssumer(
        factory.sts(), RoleSettings(role_name=BOOTSTRAP_ROLE, purpose="bootstrap")
    )
    role = demo_role()
    for account_id, _ in accounts:
        _create_member_role(factory, bootstrap, account_id, management, role)
    clients = AccountClients(factory, RoleAssumer(factory.sts(), role))
    ids = [account_id for account_id, _ in accounts]
    scopes = []
    for index, (account_id, name) in enumerate(accounts):
        sibling = ids[(index + 1) % len(ids)]
        for region in regions:
            seeder = ScopeSeeder(clients.ec2(account_id, region), name, region, sibling)
            groups, prefix_lists = seeder.seed()
            scopes.append(SeededScope(account_id, name, region, tuple(groups), prefix_lists))
    return DemoOrg(endpoint, management, tuple(accounts), tuple(regions), role, tuple(scopes))


def _create_accounts(org: OrganizationsClient, endpoint: str) -> list[tuple[str, str]]:
    try:
        with translating("DescribeOrganization"):
            org.describe_organization()
    except AwsApiError as exc:
        if exc.aws_code != "AWSOrganizationsNotInUseException":
            raise
        with translating("CreateOrganization"):
            org.create_organization(FeatureSet="ALL")
    with translating("ListAccounts"):
        existing = {a.get("Name") for a in org.list_accounts().get("Accounts", [])}
    if existing & {name for name, _ in DEMO_ACCOUNTS}:
        raise ConfigError(
            f"the demo organization is already seeded in {endpoint}",
            hint="reseed from scratch with `sgc local seed --reset`",
        )
    accounts = []
    for name, email in DEMO_ACCOUNTS:
        with translating("CreateAccount"):
            status = org.create_account(Email=email, AccountName=name)["CreateAccountStatus"]
        if status.get("State") != "SUCCEEDED" or "AccountId" not in status:
            raise AwsApiError(f"creating account {name} did not succeed: {status.get('State')}")
        accounts.append((status["AccountId"], name))
    return accounts


def _create_member_role(
    factory: ClientFactory,
    bootstrap: RoleAssumer,
    account_id: str,
    management: str,
    role: RoleSettings,
) -> None:
    """The role a deployed member module would create: trusted by the hub, ExternalId bound."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{management}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": role.external_id}},
            }
        ],
    }
    iam = factory.client("iam", None, bootstrap.credentials(account_id).static())
    with translating("CreateRole", scope=account_id):
        iam.create_role(
            RoleName=role.role_name,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description="sgcompliance member role (local demo)",
        )
