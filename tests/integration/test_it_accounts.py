"""Member accounts through AssumeRole on the moto server, and account and region discovery."""

from __future__ import annotations

import pytest

from sgcompliance.adapters.aws.accounts import enabled_regions, organization_accounts
from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.aws.assume import AccountClients, RoleAssumer, RoleSettings
from sgcompliance.adapters.aws.ec2 import read_region
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.sources.snapshot import read_snapshot
from support.estate import create_group

pytestmark = pytest.mark.integration

MEMBERS = ("111111111111", "222222222222", "333333333333")
REGION = "eu-west-1"


@pytest.fixture
def clients(factory: ClientFactory) -> AccountClients:
    role = RoleSettings(role_name="sgcompliance-member", external_id="ext-1", purpose="test")
    return AccountClients(factory, RoleAssumer(factory.sts(), role))


def test_each_assumed_account_reads_only_its_own_groups(clients: AccountClients) -> None:
    # GIVEN one group created in each member account through its assumed role
    for account in MEMBERS:
        create_group(clients.ec2(account, REGION), f"only-{account}", description="d")
    # WHEN each account's region is read with that account's credentials
    seen = {}
    for account in MEMBERS:
        snapshot = read_snapshot(read_region(clients.ec2(account, REGION), account, REGION))
        seen[account] = {(g.name, g.account_id) for g in snapshot.groups}
    # THEN each sees its own group and default group, nothing of the others
    for account in MEMBERS:
        assert seen[account] == {(f"only-{account}", account), ("default", account)}


def test_the_assumed_identity_is_the_member_role_session(
    factory: ClientFactory, clients: AccountClients
) -> None:
    identity = clients.client("222222222222", "sts").get_caller_identity()
    assert identity["Account"] == "222222222222"
    assert identity["Arn"].endswith("assumed-role/sgcompliance-member/sgcompliance-test")


def test_a_role_is_assumed_once_per_account_for_many_clients(
    clients: AccountClients, counter: ApiCallCounter
) -> None:
    for region in ("eu-west-1", "us-east-1", "eu-central-1"):
        for account in MEMBERS:
            clients.ec2(account, region)
    assert counter.count("sts:AssumeRole") == 3


def test_organization_accounts_lists_every_active_member(factory: ClientFactory) -> None:
    org = factory.organizations()
    org.create_organization(FeatureSet="ALL")
    created = {
        org.create_account(Email=f"{n}@example.com", AccountName=n)["CreateAccountStatus"][
            "AccountId"
        ]
        for n in ("a", "b")
    }
    management = factory.sts().get_caller_identity()["Account"]
    assert set(organization_accounts(org)) == created | {management}


def test_enabled_regions_excludes_regions_not_opted_in(factory: ClientFactory) -> None:
    regions = enabled_regions(factory.ec2("us-east-1"))
    assert {"us-east-1", "eu-west-1"} <= set(regions)
    assert "ap-east-1" not in regions  # an opt-in region moto reports as not opted in
