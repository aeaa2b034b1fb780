"""`classify` tells every supported input apart, from real CloudTrail/EventBridge layouts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from event_fixtures import HUB, MEMBER, REGION, load, names

from sgcompliance.events.classify import (
    OperatorAction,
    OperatorVerb,
    RejectCode,
    Rejected,
    SgChangeEvent,
    SqsBatch,
    SweepTick,
    classify,
)
from sgcompliance.remediation.plan import Mode

SG_CHANGE_FIXTURES = {
    "authorize_ingress": "AuthorizeSecurityGroupIngress",
    "authorize_ingress_by_name": "AuthorizeSecurityGroupIngress",
    "authorize_egress": "AuthorizeSecurityGroupEgress",
    "modify_security_group_rules": "ModifySecurityGroupRules",
    "create_security_group": "CreateSecurityGroup",
    "update_descriptions_ingress": "UpdateSecurityGroupRuleDescriptionsIngress",
    "update_descriptions_egress": "UpdateSecurityGroupRuleDescriptionsEgress",
    "revoke_ingress": "RevokeSecurityGroupIngress",
    "failed_authorize_ingress": "AuthorizeSecurityGroupIngress",
    "own_role_authorize_ingress": "AuthorizeSecurityGroupIngress",
    "forged_session_name": "AuthorizeSecurityGroupIngress",
    "create_tags": "CreateTags",
}
EXPECTED_KIND = {
    **dict.fromkeys(SG_CHANGE_FIXTURES, SgChangeEvent),
    "scheduled_sweep": SweepTick,
    "sqs_work_items": SqsBatch,
    "sqs_sg_change": SqsBatch,
    "operator_remediate": OperatorAction,
    "operator_rollback": OperatorAction,
}


def test_every_fixture_has_an_expected_kind() -> None:
    # GIVEN the fixture directory  THEN each file is covered by the table below (and vice versa)
    assert sorted(EXPECTED_KIND) == names()


@pytest.mark.parametrize("name", sorted(EXPECTED_KIND))
def test_each_fixture_is_classified_as_its_kind(name: str) -> None:
    # GIVEN a fixture event  WHEN classified  THEN it is the expected kind
    assert type(classify(load(name))) is EXPECTED_KIND[name]


@pytest.mark.parametrize(("name", "event_name"), sorted(SG_CHANGE_FIXTURES.items()))
def test_each_sg_change_keeps_its_event_name_account_and_region(name: str, event_name: str) -> None:
    event = classify(load(name))
    assert isinstance(event, SgChangeEvent)
    assert (event.event_name, event.account_id, event.region) == (event_name, MEMBER, REGION)


def test_an_sg_change_carries_cloudtrail_identity_time_and_origin() -> None:
    # GIVEN the AuthorizeSecurityGroupIngress fixture  WHEN classified
    event = classify(load("authorize_ingress"))
    assert isinstance(event, SgChangeEvent)
    # THEN the ids, the zone-aware event time and the request origin come from the detail
    assert event.event_id == "9d4f3a10-1111-4111-9111-000000000000"
    assert event.delivery_id == "3e1a2b4c-2222-4222-a222-000000000000"
    assert event.event_time == datetime(2026, 11, 27, 10, 15, 30, tzinfo=UTC)
    assert event.source_ip == "203.0.113.24"
    assert event.user_agent is not None
    assert event.user_agent.startswith("aws-cli/2.22.4")
    assert event.error_code is None


def test_an_assumed_role_actor_has_session_name_and_issuer_role() -> None:
    event = classify(load("modify_security_group_rules"))
    assert isinstance(event, SgChangeEvent)
    actor = event.actor
    assert actor.type == "AssumedRole"
    assert actor.arn == f"arn:aws:sts::{MEMBER}:assumed-role/terraform-deployer/gitlab-ci-48213"
    assert actor.principal_id == "AROAEXAMPLEROLE000001:gitlab-ci-48213"
    assert actor.session_name == "gitlab-ci-48213"
    assert actor.issuer_arn == f"arn:aws:iam::{MEMBER}:role/terraform-deployer"


def test_an_iam_user_actor_has_no_session() -> None:
    event = classify(load("authorize_egress"))
    assert isinstance(event, SgChangeEvent)
    assert (event.actor.type, event.actor.session_name, event.actor.issuer_arn) == (
        "IAMUser",
        None,
        None,
    )
    assert event.actor.arn == f"arn:aws:iam::{MEMBER}:user/build-bot"


def test_a_failed_call_keeps_its_error_code() -> None:
    event = classify(load("failed_authorize_ingress"))
    assert isinstance(event, SgChangeEvent)
    assert event.error_code == "Client.UnauthorizedOperation"


def test_the_raw_detail_is_kept_but_never_printed() -> None:
    # GIVEN an event whose detail holds the caller's access key id
    event = classify(load("authorize_ingress"))
    assert isinstance(event, SgChangeEvent)
    # THEN the detail is available to the audit store, and absent from repr() (logs)
    assert event.detail["eventName"] == "AuthorizeSecurityGroupIngress"
    assert "ASIAEXAMPLEKEY" not in repr(event)


def test_a_scheduled_event_becomes_a_sweep_tick_with_a_stable_sweep_id() -> None:
    tick = classify(load("scheduled_sweep"))
    assert isinstance(tick, SweepTick)
    assert (tick.account_id, tick.region) == (HUB, REGION)
    assert tick.time == datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert tick.resources == (f"arn:aws:events:{REGION}:{HUB}:rule/sgcompliance-sweep",)
    # a duplicate delivery of the same tick names the same sweep
    assert tick.sweep_id == classify(load("scheduled_sweep")).sweep_id  # type: ignore[union-attr]
    assert tick.sweep_id.startswith("sweep-20261127T020000Z-")


def test_an_eventbridge_scheduler_tick_is_a_sweep_tick_too() -> None:
    event = load("scheduled_sweep")
    event["source"] = "aws.scheduler"
    assert isinstance(classify(event), SweepTick)


def test_an_sqs_batch_keeps_every_message_id_in_order() -> None:
    batch = classify(load("sqs_work_items"))
    assert isinstance(batch, SqsBatch)
    assert batch.message_ids == tuple(
        f"7c8d9e0f-4444-4444-8444-0000000000{n:02d}" for n in (1, 2, 3)
    )
    assert [r.receive_count for r in batch.records] == [1, 1, 3]


def test_an_operator_remediate_action_is_validated_into_values() -> None:
    action = classify(load("operator_remediate"))
    assert action == OperatorAction(
        action=OperatorVerb.REMEDIATE,
        accounts=(MEMBER,),
        regions=(REGION,),
        mode=Mode.REMOVE,
        dry_run=True,
        request_id="CHG-1234",
    )


def test_an_operator_rollback_names_its_backup() -> None:
    action = classify(load("operator_rollback"))
    assert isinstance(action, OperatorAction)
    assert action.action is OperatorVerb.ROLLBACK
    assert action.backup_id == "sg-0a1b2c3d4e5f60718.20261127T101533000000Z.1a2b3c4d"


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ([], RejectCode.NOT_AN_OBJECT),
        ("AuthorizeSecurityGroupIngress", RejectCode.NOT_AN_OBJECT),
        (None, RejectCode.NOT_AN_OBJECT),
        ({}, RejectCode.UNKNOWN_SHAPE),
        (
            {"detail-type": "EC2 Instance State-change Notification"},
            RejectCode.UNSUPPORTED_DETAIL_TYPE,
        ),
        ({"Records": []}, RejectCode.MALFORMED_EVENT),
        ({"Records": [{"eventSource": "aws:sns", "messageId": "m"}]}, RejectCode.MALFORMED_EVENT),
        ({"action": "delete-everything"}, RejectCode.BAD_OPERATOR_ACTION),
    ],
)
def test_unknown_shapes_are_rejected_with_a_reason(event: object, code: RejectCode) -> None:
    found = classify(event)
    assert isinstance(found, Rejected)
    assert found.reason_code is code


def test_a_cloudtrail_event_from_another_source_is_rejected() -> None:
    # GIVEN a CloudTrail API call event claiming another service as its source
    event = load("authorize_ingress")
    event["source"] = "aws.s3"
    found = classify(event)
    assert isinstance(found, Rejected)
    assert found.reason_code is RejectCode.UNSUPPORTED_SOURCE


def test_a_custom_source_scheduled_event_is_rejected() -> None:
    event = load("scheduled_sweep")
    event["source"] = "my.app"
    found = classify(event)
    assert isinstance(found, Rejected)
    assert found.reason_code is RejectCode.UNSUPPORTED_SOURCE


def test_an_unrelated_ec2_api_call_is_rejected_by_name() -> None:
    event = load("authorize_ingress")
    event["detail"]["eventName"] = "RunInstances"
    found = classify(event)
    assert isinstance(found, Rejected)
    assert found.reason_code is RejectCode.UNSUPPORTED_EVENT_NAME
    assert "RunInstances" in found.message
