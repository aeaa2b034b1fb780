"""Tag changes through the whole local pipeline (issue #13): a developer's CreateTags/DeleteTags
on a group -> the member's forwarding rule -> the hub bus -> the hub rule -> SQS -> the worker
-> the real handler; the rules' pattern matches a tag call by the resources it tags, as
EventBridge matches arrays of objects (local/server/event_arrays.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pipeline_org import Change, deployed, developer_change, drain, ssh_from

from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.entrypoints import handler as handler_module
from sgcompliance.local.pipeline.flow import (
    LocalPipeline,
    pipeline_worker,
    read_audit_records,
    read_inbox,
)
from sgcompliance.local.pipeline.worker import Handled, environment

pytestmark = pytest.mark.integration

EXEMPTION = "EX-2026-014"


def policy() -> dict[str, Any]:
    """builtin:strict less the description check, with one exemption the security team owns:
    a group whose sgc-exemption tag names EX-2026-014 may keep SSH from the world."""
    return {
        "version": "1",
        "id": "tags-e2e",
        "extends": "builtin:strict",
        "overrides": {"SGC-DESCRIPTION": {"enabled": False}},
        "exemptions": [
            {
                "id": EXEMPTION,
                "owner": "network-team",
                "reason": "bastion until the VPN lands",
                "ticket": "SEC-1204",
                "expires": "2099-03-31",
                "match": {"tagged": True, "checks": ["CIS-5.2", "EC2.13", "EC2.18", "EC2.19"]},
            }
        ],
    }


@pytest.fixture
def pipeline(factory: ClientFactory) -> Iterator[LocalPipeline]:
    handler_module.use_wiring(None)
    yield deployed(factory, policy())
    handler_module.use_wiring(None)


def handle(factory: ClientFactory, pipeline: LocalPipeline, count: int = 1) -> list[Handled]:
    with environment(pipeline.environment):
        worker = pipeline_worker(factory, pipeline, handler_module.handler)
        return worker.run(30, until=lambda handled: len(handled) >= count)


def ssh_rules(change: Change) -> list[dict[str, Any]]:
    rules = change.ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [change.group_id]}]
    )["SecurityGroupRules"]
    return [r for r in rules if r.get("FromPort") == 22 and not r["IsEgress"]]


def queued(factory: ClientFactory, pipeline: LocalPipeline) -> list[str]:
    """The event names waiting on the hub's events queue (the messages stay there)."""
    messages = drain(factory.client("sqs"), pipeline.hub.events_queue_url, wait=2)
    sqs = factory.client("sqs")
    for message in messages:
        sqs.change_message_visibility(
            QueueUrl=pipeline.hub.events_queue_url,
            ReceiptHandle=message["ReceiptHandle"],
            VisibilityTimeout=0,
        )
    return [json.loads(m["Body"])["detail"]["eventName"] for m in messages]


def test_an_exemption_removed_by_a_developer_remediates_the_group_and_names_them(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN the exemption policy, and a group pointed at EX-2026-014 that keeps SSH from the world
    exempting = pipeline
    link = exempting.members[0]
    change = developer_change(factory, link.account_id, link.region)
    pointer = [{"Key": "sgc-exemption", "Value": EXEMPTION}]
    change.ec2.create_tags(Resources=[change.group_id], Tags=pointer)
    change.ec2.authorize_security_group_ingress(
        GroupId=change.group_id, IpPermissions=ssh_from("0.0.0.0/0")
    )
    granted = handle(factory, exempting, count=2)
    assert [h.error for h in granted] == [None, None]
    assert len(ssh_rules(change)) == 1
    (notice,) = read_inbox(factory, exempting.hub, wait_seconds=2)
    assert notice.body["summary"].startswith(
        f"NOTICE: exemption tag sgc-exemption={EXEMPTION} set on {change.group_id}"
    )
    # WHEN the developer deletes the exemption tag
    change.ec2.delete_tags(Resources=[change.group_id], Tags=[{"Key": "sgc-exemption"}])
    removed = handle(factory, exempting)
    # THEN the rule is revoked at once and the alert says who removed which tag
    assert [h.error for h in removed] == [None]
    assert ssh_rules(change) == []
    (alert,) = read_inbox(factory, exempting.hub, wait_seconds=2)
    summary = alert.body["summary"]
    assert "after DeleteTags by arn:aws:sts::" in summary
    assert "assumed-role/developer/alice" in summary
    assert f"exemption tag sgc-exemption removed from {change.group_id}" in summary
    event_id = change.emitter.emitted[-1].event_id
    (record,) = read_audit_records(factory, exempting.hub, [event_id])
    assert (record["action"], record["outcome"]) == ("revoke", "applied")
    assert record["tag_changes"][0]["change"] == "removed"


def test_only_tag_calls_on_security_groups_travel_to_the_hub(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN a developer who tags a group, and CloudTrail's record of the same call on an instance
    link = pipeline.members[0]
    change = developer_change(factory, link.account_id, link.region)
    change.ec2.create_tags(Resources=[change.group_id], Tags=[{"Key": "Name", "Value": "web"}])
    on_group = change.emitter.emitted[-1].record
    parameters = {**on_group["requestParameters"]}
    parameters["resourcesSet"] = {"items": [{"resourceId": "i-0123456789abcdef0"}]}
    on_instance = {**on_group, "eventID": "instance-tags", "requestParameters": parameters}
    change.bus.deliver(on_instance)
    # WHEN both records went through the member's and the hub's rules
    names = queued(factory, pipeline)
    # THEN only the group's reached the events queue
    assert names == ["CreateTags"]
    # AND the handler ignores it, recorded, without reading the group: Name is not read
    (handled,) = handle(factory, pipeline)
    assert handled.error is None
    event_id = change.emitter.emitted[-1].event_id
    (record,) = read_audit_records(factory, pipeline.hub, [event_id])
    assert record["action"] == "ignored"
    assert record["reason"].startswith("CreateTags changed no tag the tool reads")
