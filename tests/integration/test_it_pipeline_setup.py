"""The hub and member resources in the moto server, and EventBridge routing between them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pipeline_org import deployed, developer_change, drain, ssh_from

from sgcompliance.adapters.aws.parameters import SsmParameterSource
from sgcompliance.adapters.aws.policy_object import S3PolicyObject
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.config.manager import ConfigManager
from sgcompliance.config.parameters import Parameter
from sgcompliance.events.classify import SgChangeEvent, classify
from sgcompliance.local.pipeline.flow import LocalPipeline
from sgcompliance.local.pipeline.hub import HUB_BUS, POLICY_KEY, builtin_strict_document
from sgcompliance.local.pipeline.members import FORWARD_RULE, deployer
from sgcompliance.remediation.plan import Mode

pytestmark = pytest.mark.integration

TEAM_POLICY = {"version": "1", "id": "team", "extends": "builtin:strict"}


@pytest.fixture
def pipeline(factory: ClientFactory) -> LocalPipeline:
    return deployed(factory, TEAM_POLICY)


def test_the_bucket_is_versioned_and_kms_encrypted_by_default(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN the deployed hub  WHEN its bucket is read back
    s3 = factory.client("s3")
    bucket = pipeline.hub.bucket
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    # THEN versioning is on and objects default to SSE-KMS with the hub's key
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": pipeline.hub.key_arn,
    }


def test_the_policy_object_holds_the_given_document(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    body = factory.client("s3").get_object(Bucket=pipeline.hub.bucket, Key=POLICY_KEY)["Body"]
    assert json.loads(body.read()) == TEAM_POLICY


def test_without_a_document_the_policy_object_is_the_builtin_strict_pack(
    factory: ClientFactory,
) -> None:
    # GIVEN a hub deployed with no policy document
    hub = deployed(factory).hub
    # THEN the object is the built-in strict pack
    body = factory.client("s3").get_object(Bucket=hub.bucket, Key=POLICY_KEY)["Body"]
    assert json.loads(body.read()) == builtin_strict_document()


def test_every_parameter_is_a_documented_one_and_the_external_id_is_secure(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # WHEN the parameters under /sgcompliance are listed
    found = factory.client("ssm").get_parameters_by_path(Path="/sgcompliance", Recursive=True)
    types = {p["Name"].rsplit("/", 1)[-1]: p["Type"] for p in found["Parameters"]}
    # THEN each is one docs/configuration.md names, and only the ExternalId is a SecureString
    assert set(types) <= {p.value for p in Parameter}
    assert {name for name, kind in types.items() if kind == "SecureString"} == {"external_id"}


def test_the_product_s_config_manager_loads_the_hub_s_configuration(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN the ConfigManager wired as the handler wires it (SSM path, S3 policy object)
    manager = ConfigManager(
        SsmParameterSource(factory.client("ssm")),
        lambda bucket, key: S3PolicyObject(factory.client("s3"), bucket, key),
        environ={},
    )
    # WHEN it loads  THEN every value is the hub's
    config = manager.get()
    assert config.mode is Mode.REMOVE
    assert config.policy.id == "team"
    assert config.backup_bucket == config.audit_bucket == pipeline.hub.bucket
    assert config.sns_topic_arn == pipeline.hub.topic_arn
    assert set(config.accounts) == {m.account_id for m in pipeline.members}


def test_the_hub_bus_policy_admits_exactly_the_member_accounts(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    policy = json.loads(factory.client("events").describe_event_bus(Name=HUB_BUS)["Policy"])
    principals = policy["Statement"][0]["Principal"]["AWS"]
    members = {m.account_id for m in pipeline.members}
    assert sorted(principals) == sorted(f"arn:aws:iam::{a}:root" for a in members)


def test_each_member_region_forwards_to_the_hub_bus_with_a_role(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN one member account and region  WHEN its default bus's rule is read back
    link = pipeline.members[-1]
    events = deployer(factory).client(link.account_id, "events", link.region)
    targets = events.list_targets_by_rule(Rule=FORWARD_RULE)["Targets"]
    # THEN its one target is the hub bus, put through the forwarding role
    assert [(t["Arn"], t.get("RoleArn")) for t in targets] == [
        (pipeline.hub.bus_arn, link.role_arn)
    ]


def events_queued(factory: ClientFactory, pipeline: LocalPipeline) -> list[dict[str, Any]]:
    return [
        json.loads(m["Body"]) for m in drain(factory.client("sqs"), pipeline.hub.events_queue_url)
    ]


def test_a_change_in_a_member_region_reaches_the_hub_queue_as_a_cloudtrail_event(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN a developer in a member account, in the region other than the hub's
    link = pipeline.members[-1]
    change = developer_change(factory, link.account_id, link.region)
    # WHEN they open SSH to the world
    change.ec2.authorize_security_group_ingress(
        GroupId=change.group_id, IpPermissions=ssh_from("0.0.0.0/0")
    )
    # THEN exactly that event reached the hub's queue, and classifies as that change
    queued = events_queued(factory, pipeline)
    assert [e["detail"]["eventID"] for e in queued] == [change.emitter.emitted[0].event_id]
    event = classify(queued[0])
    assert isinstance(event, SgChangeEvent)
    assert (event.account_id, event.region, event.group_ids) == (
        link.account_id, link.region, (change.group_id,),
    )  # fmt: skip


def test_a_revoke_is_recorded_but_not_forwarded(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN a rule a developer added (its event drained)
    link = pipeline.members[0]
    change = developer_change(factory, link.account_id, link.region)
    change.ec2.authorize_security_group_ingress(
        GroupId=change.group_id, IpPermissions=ssh_from("10.0.0.0/8")
    )
    events_queued(factory, pipeline)
    # WHEN they revoke it
    change.ec2.revoke_security_group_ingress(
        GroupId=change.group_id, IpPermissions=ssh_from("10.0.0.0/8")
    )
    # THEN CloudTrail recorded it, and no rule on the way matched it
    assert [e.event_name for e in change.emitter.emitted][-1] == "RevokeSecurityGroupIngress"
    assert events_queued(factory, pipeline) == []


def test_a_failed_call_is_forwarded_with_its_error_code(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN a rule that exists  WHEN the developer adds it again (InvalidPermission.Duplicate)
    link = pipeline.members[0]
    change = developer_change(factory, link.account_id, link.region)
    change.ec2.authorize_security_group_ingress(
        GroupId=change.group_id, IpPermissions=ssh_from("10.0.0.0/8")
    )
    with pytest.raises(Exception, match="Duplicate"):
        change.ec2.authorize_security_group_ingress(
            GroupId=change.group_id, IpPermissions=ssh_from("10.0.0.0/8")
        )
    # THEN both calls reach the hub, the second with CloudTrail's errorCode
    codes = [e["detail"].get("errorCode") for e in events_queued(factory, pipeline)]
    assert sorted(codes, key=str) == ["Client.InvalidPermission.Duplicate", None]
