"""The Lambda handler against the moto server, wired from the environment as in AWS: a change
event is remediated (revoke, backup, audit object, alert in the inbox), a duplicate delivery is
harmless, the remediator's own revoke and out-of-scope accounts cause no member call, and the
API calls per event stay within their budget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.entrypoints import handler as entry
from support.handler_hub import (
    BUCKET,
    REGION,
    Context,
    Hub,
    calls,
    change_event,
    handler_identity,
    hub_for,
    open_ssh,
    private_only,
    reset_calls,
    rules_of,
    tags_of,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def hub(factory: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    yield from hub_for(factory, monkeypatch)


def test_a_violating_change_is_revoked_backed_up_audited_and_alerted(hub: Hub) -> None:
    # GIVEN a developer opened tcp 22 to the world in the member account
    ec2 = hub.member_ec2()
    group_id, world_rules = open_ssh(ec2)
    # WHEN CloudTrail's event for it reaches the handler
    body = entry.handler(change_event(hub.member, group_id, world_rules), Context())
    # THEN the world-open rules are revoked and the private one kept
    (decided,) = body["decisions"]
    assert (decided["action"], decided["outcome"]) == ("revoke", "applied")
    assert sorted(decided["revoked_rule_ids"]) == sorted(world_rules)
    assert rules_of(ec2, group_id) == [(443, "10.0.0.0/8")]
    assert tags_of(ec2, group_id)["sgc:status"] == "remediated"
    # AND the backup is stored, encrypted with the configured key
    backup_key = f"backups/{group_id}/{decided['backup_id']}.json"
    head = hub.client("s3").head_object(Bucket=BUCKET, Key=backup_key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert hub.kms_key in head["SSEKMSKeyId"]
    # AND the audit record is in the bucket
    (record,) = hub.audit_records()
    assert (record["action"], record["group_id"], record["backup_id"]) == (
        "revoke",
        group_id,
        decided["backup_id"],
    )
    assert record["policy_id"] == "team"
    # AND one alert with its filter attributes is in the inbox
    (message,) = hub.inbox()
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes == {
        "severity": "critical",
        "account": hub.member,
        "mode": "remove_non_compliant_rules",
        "kind": "event",
    }
    alert = json.loads(message["Body"])
    assert alert["groups"][0]["audit"]["uri"].startswith(f"s3://{BUCKET}/audit/")


class FunctionContext:
    """Lambda's context: the invoked function's ARN names the account it runs in."""

    aws_request_id = "it-request"

    def __init__(self, account: str) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:{account}:function:sgc:live"


def test_a_cold_start_takes_the_hub_account_from_the_function_arn_not_from_sts(hub: Hub) -> None:
    # GIVEN a developer opened tcp 22 to the world, and a function not yet wired
    hub_account = hub.factory.sts().get_caller_identity()["Account"]
    group_id, world_rules = open_ssh(hub.member_ec2())
    # WHEN the event reaches it with Lambda's context
    event = change_event(hub.member, group_id, world_rules)
    body = entry.handler(event, FunctionContext(hub_account))
    # THEN it is remediated as ever, and STS was asked for the member role only
    assert body["decisions"][0]["outcome"] == "applied"
    made = calls()
    assert "sts:GetCallerIdentity" not in made
    assert made["sts:AssumeRole"] == 1
    assert entry.current_wiring().account == hub_account
    # AND a context naming another account wires the function again, for that account
    entry.handler(change_event(hub.member, group_id, []), FunctionContext("210987654321"))
    assert entry.current_wiring().account == "210987654321"


def test_a_cold_start_on_a_change_out_of_scope_assumes_no_role(hub: Hub) -> None:
    # GIVEN a function not yet wired  WHEN its first event is a change in another account
    hub_account = hub.factory.sts().get_caller_identity()["Account"]
    event = change_event("333333333333", "sg-0123456789abcdef0", [])
    body = entry.handler(event, FunctionContext(hub_account))
    # THEN the configuration was read and the decision stored; no role, no member call
    assert body["status"] == "out_of_scope"
    made = calls()
    assert not [op for op in made if op.startswith(("sts:", "ec2:"))]
    assert (made["s3:GetObject"], made["s3:PutObject"]) == (1, 1)


def test_a_duplicate_delivery_remediates_once_and_alerts_once(hub: Hub) -> None:
    ec2 = hub.member_ec2()
    group_id, world_rules = open_ssh(ec2)
    event = change_event(hub.member, group_id, world_rules)
    entry.handler(event, Context())
    # WHEN EventBridge delivers the same event again
    body = entry.handler(event, Context())
    # THEN the group is compliant by then: one backup (and its receipt), one alert, the rules
    # unchanged
    assert body["decisions"][0]["action"] == "none"
    assert len(hub.objects("backups/receipts/")) == 1
    assert len(hub.objects("backups/")) == 2
    assert len(hub.inbox()) == 1
    assert rules_of(ec2, group_id) == [(443, "10.0.0.0/8")]


def test_the_remediators_own_revoke_event_is_ignored_without_a_member_call(hub: Hub) -> None:
    # GIVEN a remediation that revoked rules with the handler's member role session
    ec2 = hub.member_ec2()
    group_id, world_rules = open_ssh(ec2)
    entry.handler(change_event(hub.member, group_id, world_rules), Context())
    reset_calls()
    # WHEN the RevokeSecurityGroupIngress event it caused comes back
    own = change_event(
        hub.member, group_id, [], name="revoke_ingress", identity=handler_identity(hub.member),
        event_id="9d4f3a10-1111-4111-9111-00000000beef",
    )  # fmt: skip
    body = entry.handler(own, Context())
    # THEN it is ignored: no call into the member account, one audit object
    assert body["status"] == "ignored"
    assert not [c for c in calls() if c.startswith(("ec2:", "sts:"))]
    assert calls() == {"s3:PutObject": 1}


def test_a_change_in_an_account_outside_the_scope_makes_no_member_call(hub: Hub) -> None:
    entry.handler(change_event(hub.member, "sg-0123456789abcdef0", []), Context())
    reset_calls()
    body = entry.handler(change_event("333333333333", "sg-0123456789abcdef0", []), Context())
    assert body["status"] == "out_of_scope"
    assert calls() == {"s3:PutObject": 1}  # the audit record, in the hub; nothing else
    assert any(r["action"] == "out_of_scope" for r in hub.audit_records())


def test_api_calls_per_event_stay_within_the_budget(hub: Hub) -> None:
    # GIVEN a warm function: configuration loaded, member credentials and backup bucket checked
    ec2 = hub.member_ec2()
    first, first_rules = open_ssh(ec2, "first")
    entry.handler(change_event(hub.member, first, first_rules), Context())
    violating, violating_rules = open_ssh(ec2, "second")
    compliant = private_only(ec2)
    # WHEN a violating change arrives
    reset_calls()
    entry.handler(
        change_event(hub.member, violating, violating_rules, event_id="ev-violating"), Context()
    )
    # THEN describe + backup + pointer + revoke + receipt + audit put + publish + outcome tags:
    # world rules stand alone, so no read before the revoke, and its answer verifies it
    assert calls() == {
        "ec2:DescribeSecurityGroups": 1,
        "ec2:DescribeSecurityGroupRules": 1,  # the describe's rule rows
        "s3:PutObject": 3,  # the backup, its receipt after the revoke, then the audit record
        "ec2:CreateTags": 2,  # the backup pointer before the revoke, the outcome after
        "ec2:RevokeSecurityGroupIngress": 1,
        "sns:Publish": 1,
    }
    # WHEN a compliant change arrives  THEN the describe only, and the audit put
    reset_calls()
    entry.handler(change_event(hub.member, compliant, [], event_id="ev-compliant"), Context())
    assert calls() == {
        "ec2:DescribeSecurityGroups": 1,
        "ec2:DescribeSecurityGroupRules": 1,
        "s3:PutObject": 1,
    }


def test_the_log_lines_are_json_with_the_events_correlation_keys(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    ec2 = hub.member_ec2()
    group_id, world_rules = open_ssh(ec2)
    entry.handler(change_event(hub.member, group_id, world_rules), Context())
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    audit = [x for x in lines if "audit_record" in x]
    assert audit
    assert audit[0]["event_id"] == "9d4f3a10-1111-4111-9111-000000000000"
    assert (audit[0]["account"], audit[0]["region"], audit[0]["group"]) == (
        hub.member,
        REGION,
        group_id,
    )
    assert any("_aws" in x and "RulesRevoked" in x for x in lines)  # the EMF metrics


def test_an_operator_rollback_restores_what_was_revoked(hub: Hub) -> None:
    ec2 = hub.member_ec2()
    group_id, world_rules = open_ssh(ec2)
    body = entry.handler(change_event(hub.member, group_id, world_rules), Context())
    backup_id = body["decisions"][0]["backup_id"]
    answer: dict[str, Any] = entry.handler({"action": "rollback", "backup_id": backup_id}, None)
    assert (answer["status"], answer["restored"], answer["verified"]) == ("ok", 2, True)
    assert rules_of(ec2, group_id) == [(22, "0.0.0.0/0"), (22, "::/0"), (443, "10.0.0.0/8")]
