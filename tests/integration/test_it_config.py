"""ConfigManager against the moto server: SSM by path (SecureString, pages), the S3 policy
object's ETag and If-None-Match, and account placement from Organizations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.aws.directory import OrganizationsDirectory
from sgcompliance.adapters.aws.parameters import SsmParameterSource
from sgcompliance.adapters.aws.policy_object import S3PolicyObject
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.config.manager import AccountPlacement, ConfigManager
from sgcompliance.errors import ConfigError, NotFoundError
from sgcompliance.remediation.plan import Mode

pytestmark = pytest.mark.integration

PATH = "/sgcompliance"
BUCKET = "sgc-hub-policies"
KEY = "policies/policy.json"
HOME = "123456789012"  # moto's account for the test credentials
MEMBER = "111111111111"
TEAM_POLICY = {"version": "1", "id": "team", "extends": "builtin:strict"}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ssm(factory: ClientFactory) -> Any:
    return factory.client("ssm")


@pytest.fixture
def s3(factory: ClientFactory) -> Any:
    """A policy bucket whose objects are SSE-KMS encrypted, as the hub module creates it."""
    client = factory.client("s3")
    key_id = factory.client("kms").create_key()["KeyMetadata"]["KeyId"]
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_id,
                    }
                }
            ]
        },
    )
    return client


def put_policy(s3: Any, doc: dict[str, Any]) -> str:
    etag: str = s3.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(doc).encode())["ETag"]
    return etag


def put_parameters(ssm: Any, **values: str) -> None:
    for name, value in values.items():
        kind = "SecureString" if name == "external_id" else "String"
        ssm.put_parameter(Name=f"{PATH}/{name}", Value=value, Type=kind, Overwrite=True)


def test_parameters_by_path_are_read_recursively_decrypted_and_across_pages(
    ssm: Any, counter: ApiCallCounter
) -> None:
    # GIVEN 12 parameters (more than one page of 10) including a SecureString
    values = {f"extra/p{i:02d}": str(i) for i in range(11)} | {"external_id": "ext-0123456789"}
    put_parameters(ssm, **values)
    ssm.put_parameter(Name="/elsewhere/mode", Value="x", Type="String")
    # WHEN read by path
    found = SsmParameterSource(ssm).get_by_path(PATH)
    # THEN every one under the path is there, the SecureString in clear text, nothing else
    assert len(found) == 12
    assert found[f"{PATH}/external_id"] == "ext-0123456789"
    assert found[f"{PATH}/extra/p10"] == "10"
    assert counter.count("ssm:GetParametersByPath") == 2


def test_the_policy_object_is_fetched_with_its_etag(s3: Any) -> None:
    etag = put_policy(s3, TEAM_POLICY)
    text, found = S3PolicyObject(s3, BUCKET, KEY).fetch(None)
    assert (json.loads(text or ""), found) == (TEAM_POLICY, etag)


def test_an_unchanged_policy_object_answers_not_modified(s3: Any) -> None:
    # GIVEN the ETag of the stored object  WHEN fetched with If-None-Match
    etag = put_policy(s3, TEAM_POLICY)
    # THEN S3 (moto supports If-None-Match on GetObject) answers 304: no body, same ETag
    assert S3PolicyObject(s3, BUCKET, KEY).fetch(etag) == (None, etag)


def test_a_changed_policy_object_is_downloaded_again(s3: Any) -> None:
    old = put_policy(s3, TEAM_POLICY)
    new = put_policy(s3, {**TEAM_POLICY, "id": "team-v2"})
    text, found = S3PolicyObject(s3, BUCKET, KEY).fetch(old)
    assert (json.loads(text or "")["id"], found) == ("team-v2", new)


def test_a_missing_policy_object_is_not_found(s3: Any) -> None:
    with pytest.raises(NotFoundError):
        S3PolicyObject(s3, BUCKET, "missing.json").fetch(None)


def manager_for(factory: ClientFactory, ssm: Any, s3: Any, clock: Clock) -> ConfigManager:
    return ConfigManager(
        SsmParameterSource(ssm),
        lambda bucket, key: S3PolicyObject(s3, bucket, key),
        OrganizationsDirectory(factory.organizations()),
        environ={},
        clock=clock,
        home_account=HOME,
    )


def test_the_manager_loads_parameters_and_reuses_an_unchanged_policy(
    factory: ClientFactory, ssm: Any, s3: Any
) -> None:
    # GIVEN the hub's parameters and policy object
    put_policy(s3, TEAM_POLICY)
    put_parameters(
        ssm,
        mode="remove_non_compliant_rules",
        accounts=MEMBER,
        external_id="ext-0123456789",
        backup_bucket="sgc-hub-backups",
        policy=f"s3://{BUCKET}/{KEY}",
    )
    clock = Clock()
    configs = manager_for(factory, ssm, s3, clock)
    # WHEN loaded, then reloaded after the TTL with the object unchanged
    first = configs.get()
    clock.now += 61
    second = configs.get()
    # THEN the values are typed, the secret decrypted, and the policy not parsed again
    assert (first.mode, first.accounts, first.external_id) == (
        Mode.REMOVE,
        (MEMBER,),
        "ext-0123456789",
    )
    assert first.policy.id == "team"
    assert second.policy is first.policy


def test_the_manager_names_an_invalid_stored_parameter(
    factory: ClientFactory, ssm: Any, s3: Any
) -> None:
    put_parameters(ssm, accounts=MEMBER, external_id="ext-0123456789", max_revokes="lots")
    with pytest.raises(ConfigError, match=r"^/sgcompliance/max_revokes: 'lots'"):
        manager_for(factory, ssm, s3, Clock()).get()


def test_a_missing_policy_object_is_a_config_error_naming_the_parameter(
    factory: ClientFactory, ssm: Any, s3: Any
) -> None:
    put_parameters(
        ssm, accounts=MEMBER, external_id="ext-0123456789", policy=f"s3://{BUCKET}/nope.json"
    )
    with pytest.raises(ConfigError, match=r"^/sgcompliance/policy: cannot read the policy"):
        manager_for(factory, ssm, s3, Clock()).get()


def test_an_accounts_ous_and_tags_come_from_organizations(factory: ClientFactory) -> None:
    # GIVEN an account tagged environment=development in a nested OU
    org = factory.organizations()
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    workloads = org.create_organizational_unit(ParentId=root, Name="workloads")
    team = org.create_organizational_unit(
        ParentId=workloads["OrganizationalUnit"]["Id"], Name="team"
    )
    account = org.create_account(
        AccountName="dev",
        Email="dev@example.com",
        Tags=[{"Key": "environment", "Value": "development"}],
    )["CreateAccountStatus"]["AccountId"]
    org.move_account(
        AccountId=account, SourceParentId=root, DestinationParentId=team["OrganizationalUnit"]["Id"]
    )
    # WHEN its placement is read
    placement = OrganizationsDirectory(org).placement(account)
    # THEN its OUs come nearest first, then the root, with its tags
    assert placement == AccountPlacement(
        (team["OrganizationalUnit"]["Id"], workloads["OrganizationalUnit"]["Id"], root),
        {"environment": "development"},
    )


def test_accounts_sharing_ous_look_each_ou_up_once(
    factory: ClientFactory, counter: ApiCallCounter
) -> None:
    # GIVEN two accounts in the same nested OU
    org = factory.organizations()
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    outer = org.create_organizational_unit(ParentId=root, Name="outer")["OrganizationalUnit"]
    inner = org.create_organizational_unit(ParentId=outer["Id"], Name="inner")["OrganizationalUnit"]
    accounts = []
    for name in ("a", "b"):
        status = org.create_account(AccountName=name, Email=f"{name}@example.com")
        account = status["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=inner["Id"])
        accounts.append(account)
    # WHEN both placements are read through one directory
    directory = OrganizationsDirectory(org)
    chains = {directory.placement(a).ous for a in accounts}
    # THEN both have the same chain, and the OUs' parents were asked once each
    assert chains == {(inner["Id"], outer["Id"], root)}
    assert counter.count("organizations:ListParents") == 4
