"""`--ou` and `--account-tag`: the organization's accounts under an OU at any depth, and those
carrying every tag asked for, as Organizations answers in the local AWS."""

from __future__ import annotations

import pytest

from sgcompliance.adapters.aws.accounts import organization_accounts
from sgcompliance.adapters.aws.session import ClientFactory

pytestmark = pytest.mark.integration


def test_accounts_are_narrowed_by_ou_at_any_depth_and_by_every_tag(
    factory: ClientFactory,
) -> None:
    # GIVEN an organization: prod OU > payments OU, a dev OU, and four accounts
    org = factory.organizations()
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    prod = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    payments = org.create_organizational_unit(ParentId=prod, Name="payments")["OrganizationalUnit"][
        "Id"
    ]
    dev = org.create_organizational_unit(ParentId=root, Name="dev")["OrganizationalUnit"]["Id"]

    def account(name: str, parent: str, tags: dict[str, str]) -> str:
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)
        account_id = status["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=parent)
        if tags:
            org.tag_resource(
                ResourceId=account_id, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )
        return account_id

    web = account("web", prod, {"env": "prod", "team": "web"})
    pay = account("pay", payments, {"env": "prod", "team": "payments"})
    sandbox = account("sandbox", dev, {"env": "dev"})
    account("untagged", root, {})
    # WHEN the accounts are narrowed THEN an OU takes its nested OUs' accounts too
    assert set(organization_accounts(org, ous=[prod])) == {web, pay}
    assert set(organization_accounts(org, ous=[payments, dev])) == {pay, sandbox}
    assert set(organization_accounts(org, tags=[("env", "prod")])) == {web, pay}
    assert organization_accounts(org, tags=[("env", "prod"), ("team", "web")]) == (web,)
    assert organization_accounts(org, ous=[dev], tags=[("env", "prod")]) == ()
    assert len(organization_accounts(org)) == 5  # the four and the management account
