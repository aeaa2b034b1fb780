"""The handler's sweep through a real SQS queue on the moto server (the dispatcher sends, the
worker gets what the queue delivers), and its answer to an invalid configuration."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest

from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.entrypoints import handler as entry
from support.handler_hub import (
    BUCKET,
    FIXTURES,
    REGION,
    TEAM_POLICY,
    Context,
    Hub,
    calls,
    change_event,
    hub_for,
    open_ssh,
    private_only,
    reset_calls,
    rules_of,
    sqs_event,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def hub(factory: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    yield from hub_for(factory, monkeypatch)


def tick() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((FIXTURES / "scheduled_sweep.json").read_text("utf-8"))
    return event


def receive_all(hub: Hub) -> list[dict[str, Any]]:
    sqs = hub.client("sqs")
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=hub.work_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60
    ).get("Messages", []):
        found.extend(batch)
    return found


def test_a_sweep_fans_out_through_the_queue_and_remediates_the_member(hub: Hub) -> None:
    # GIVEN a world-open group in the member account (nobody sent an event for it)
    ec2 = hub.member_ec2()
    group_id, _ = open_ssh(ec2)
    # WHEN the schedule fires
    dispatched = entry.handler(tick(), Context())
    # THEN one work item per account x region is on the queue
    assert (dispatched["status"], dispatched["work_items"]) == ("dispatched", 1)
    messages = receive_all(hub)
    assert [json.loads(m["Body"])["account_id"] for m in messages] == [hub.member]
    # WHEN the worker is invoked with what the queue delivered
    answer = entry.handler(sqs_event(messages), Context())
    # THEN nothing is to be retried, the group is remediated, and one sweep alert says so
    assert answer == {"batchItemFailures": []}
    assert rules_of(ec2, group_id) == [(443, "10.0.0.0/8")]
    (alert,) = hub.inbox()
    assert alert["MessageAttributes"]["kind"]["StringValue"] == "sweep"
    body = json.loads(alert["Body"])
    assert body["sweep"]["id"] == dispatched["sweep_id"]
    assert [(s["account_id"], s["region"]) for s in body["scopes"]] == [(hub.member, REGION)]


def test_a_sweep_over_the_organization_sends_its_work_items_ten_per_call(hub: Hub) -> None:
    # GIVEN the organization as scope and every enabled region
    hub.put_parameters(accounts="organization", regions="all")
    reset_calls()
    # WHEN the schedule fires
    dispatched = entry.handler(tick(), Context())
    # THEN every active account x enabled region is queued, in batches of ten
    items = dispatched["work_items"]
    assert dispatched["status"] == "dispatched"
    assert items == len(receive_all(hub))
    assert items % 2 == 0
    assert items >= 2 * 10
    assert calls()["sqs:SendMessageBatch"] == math.ceil(items / 10)
    assert calls()["organizations:ListAccounts"] == 1


def test_a_batch_item_that_cannot_be_read_is_not_delivered_again(hub: Hub) -> None:
    sqs = hub.client("sqs")
    sqs.send_message(QueueUrl=hub.work_queue_url, MessageBody='{"kind": "sgc.work_item"}')
    answer = entry.handler(sqs_event(receive_all(hub)), Context())
    assert answer == {"batchItemFailures": []}


def test_an_invalid_parameter_stops_everything_names_it_and_alerts(hub: Hub) -> None:
    # GIVEN a violating change, and then a mode parameter nobody can read
    ec2 = hub.member_ec2()
    group_id, world_rules = open_ssh(ec2)
    hub.put_parameters(mode="remove")
    # WHEN the change event arrives
    body = entry.handler(change_event(hub.member, group_id, world_rules), Context())
    # THEN nothing in the member account is touched, and the answer names the parameter
    assert body["status"] == "config_error"
    assert body["error"].startswith("/sgcompliance/mode: 'remove' is not one of")
    assert not [c for c in calls() if c.startswith(("ec2:", "sts:Assume"))]
    assert len(rules_of(ec2, group_id)) == 3
    # AND the alert reached the inbox, found through the stored topic parameter
    (alert,) = hub.inbox()
    assert alert["MessageAttributes"]["kind"]["StringValue"] == "config_error"
    assert "/sgcompliance/mode" in json.loads(alert["Body"])["error"]


def test_a_fixed_parameter_is_picked_up_without_a_new_function(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a broken configuration, reloaded on every call
    monkeypatch.setenv("SGC_CONFIG_TTL", "0")
    hub.put_parameters(mode="remove")
    ec2 = hub.member_ec2()
    group_id, world_rules = open_ssh(ec2)
    assert entry.handler(change_event(hub.member, group_id, world_rules), Context())["status"] == (
        "config_error"
    )
    # WHEN the parameter is fixed  THEN the next delivery is remediated
    hub.put_parameters(mode="remove_non_compliant_rules")
    body = entry.handler(change_event(hub.member, group_id, world_rules), Context())
    assert body["decisions"][0]["action"] == "revoke"


def test_a_sweep_of_a_compliant_region_reads_no_rule_rows_and_no_interfaces(hub: Hub) -> None:
    # GIVEN a policy that does not judge descriptions (a judged one reads every row: see
    # adapters/aws/judged_read.undescribed), and a member region whose groups are all
    # compliant (the default group emptied)
    policy = TEAM_POLICY | {"overrides": {"SGC-DESCRIPTION": {"enabled": False}}}
    hub.client("s3").put_object(Bucket=BUCKET, Key="policy.json", Body=json.dumps(policy))
    ec2 = hub.member_ec2()
    private_only(ec2)
    for group in ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]:
        if group["IpPermissions"]:
            ec2.revoke_security_group_ingress(
                GroupId=group["GroupId"], IpPermissions=group["IpPermissions"]
            )
        if group["IpPermissionsEgress"]:
            ec2.revoke_security_group_egress(
                GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"]
            )
    entry.handler(tick(), Context())
    messages = receive_all(hub)
    # WHEN the worker judges it
    reset_calls()
    answer = entry.handler(sqs_event(messages), Context())
    # THEN it was judged from DescribeSecurityGroups alone: rule ids, rule tags and attachment
    # are read only for groups with a finding, and there is none
    assert answer == {"batchItemFailures": []}
    made = calls()
    assert made["ec2:DescribeSecurityGroups"] >= 1
    assert "ec2:DescribeSecurityGroupRules" not in made
    assert "ec2:DescribeNetworkInterfaces" not in made
    assert hub.inbox() == []
