"""End to end through moto: a change -> EventBridge -> SQS -> worker -> the real handler -> revoke
-> SNS inbox, with the hub deployed as Terraform deploys it (builtin:strict, remove mode)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from pipeline_org import Change, deployed, developer_change, drain, ssh_from
from typer.testing import CliRunner

from sgcompliance.adapters.aws.assume import RoleAssumer, RoleSettings
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.entrypoints import handler as handler_module
from sgcompliance.entrypoints.cli.local import local_app
from sgcompliance.local.pipeline.cloudtrail_emitter import identify
from sgcompliance.local.pipeline.flow import (
    LocalPipeline,
    PipelineState,
    pipeline_worker,
    read_audit_records,
    read_inbox,
)
from sgcompliance.local.pipeline.report import metric_total, metric_values
from sgcompliance.local.pipeline.worker import Handled, environment
from support.library_logging import as_in_a_fresh_process, library_logging_kept

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures" / "events"


# builtin:strict less the description check: a group the handler fixed is then compliant.
POLICY = {
    "version": "1",
    "id": "e2e",
    "extends": "builtin:strict",
    "overrides": {"SGC-DESCRIPTION": {"enabled": False}},
}


@pytest.fixture
def pipeline(factory: ClientFactory) -> Iterator[LocalPipeline]:
    # Each test deploys a hub for new accounts: no configuration cached by an earlier test.
    handler_module.use_wiring(None)
    yield deployed(factory, POLICY)
    handler_module.use_wiring(None)


def handle_all(factory: ClientFactory, pipeline: LocalPipeline, count: int = 1) -> list[Handled]:
    """Run the worker with the real handler until `count` messages were handled."""
    with environment(pipeline.environment):
        worker = pipeline_worker(factory, pipeline, handler_module.handler)
        return worker.run(30, until=lambda handled: len(handled) >= count)


def open_ssh(factory: ClientFactory, pipeline: LocalPipeline) -> Change:
    link = pipeline.members[0]
    change = developer_change(factory, link.account_id, link.region)
    change.ec2.authorize_security_group_ingress(
        GroupId=change.group_id, IpPermissions=ssh_from("0.0.0.0/0")
    )
    return change


def ssh_rules(change: Change) -> list[dict[str, Any]]:
    rules = change.ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [change.group_id]}]
    )["SecurityGroupRules"]
    return [r for r in rules if r.get("FromPort") == 22 and not r["IsEgress"]]


def test_a_world_open_ssh_rule_is_revoked_alerted_audited_and_counted(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN a developer opened SSH to the world in a member account
    change = open_ssh(factory, pipeline)
    event_id = change.emitter.emitted[-1].event_id
    # WHEN the worker hands the queued event to the handler
    handled = handle_all(factory, pipeline)
    # THEN the rule is gone, one alert reached the inbox, the audit record says revoke,
    # and the EMF lines count the revoke
    assert [h.error for h in handled] == [None]
    assert ssh_rules(change) == []
    alerts = read_inbox(factory, pipeline.hub, wait_seconds=2)
    assert [a.body["event"]["id"] for a in alerts] == [event_id]
    assert alerts[0].attributes["mode"] == "remove_non_compliant_rules"
    records = read_audit_records(factory, pipeline.hub, [event_id])
    assert [(r["action"], r["outcome"]) for r in records] == [("revoke", "applied")]
    assert metric_total(metric_values(handled[0].emf), "RulesRevoked") == 1


def test_a_duplicate_delivery_remediates_once_and_alerts_once(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN a change the pipeline already remediated
    change = open_ssh(factory, pipeline)
    first = handle_all(factory, pipeline)
    read_inbox(factory, pipeline.hub, wait_seconds=2)
    # WHEN EventBridge delivers the same event again
    sqs = factory.client("sqs")
    sqs.send_message(QueueUrl=pipeline.hub.events_queue_url, MessageBody=json.dumps(first[0].event))
    second = handle_all(factory, pipeline)
    # THEN it is handled without error, nothing more is revoked, and no second alert goes out
    assert [h.error for h in second] == [None]
    assert metric_total(metric_values(second[0].emf), "RulesRevoked") == 0
    assert read_inbox(factory, pipeline.hub, wait_seconds=1) == []
    assert ssh_rules(change) == []


def test_a_change_by_the_remediator_s_own_role_session_is_left_alone(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN the member role's own session (as `sgc rollback` uses it), watched like any caller
    link = pipeline.members[0]
    developer = developer_change(factory, link.account_id, link.region)
    role = RoleSettings("sgcompliance-member", external_id="sgc-local-demo", purpose="rollback")
    assumer = RoleAssumer(factory.sts(), role)
    creds = assumer.credentials(link.account_id).static()
    own = factory.ec2(link.region, creds, owner=f"{link.account_id}-own")
    developer.emitter.watch(own, identify(factory.sts(creds), creds.access_key_id))
    # WHEN that session re-authorizes a world-open rule (a rollback does exactly this)
    own.authorize_security_group_ingress(
        GroupId=developer.group_id, IpPermissions=ssh_from("0.0.0.0/0")
    )
    handled = handle_all(factory, pipeline)
    # THEN the event reached the handler, which changed nothing (no loop)
    assert handled[0].cloudtrail_event_id == developer.emitter.emitted[-1].event_id
    assert len(ssh_rules(developer)) == 1
    assert read_inbox(factory, pipeline.hub, wait_seconds=1) == []


def test_a_schedule_tick_fans_out_one_work_item_per_account_and_region(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN the scheduled event EventBridge sends to the function
    tick = json.loads((FIXTURES / "scheduled_sweep.json").read_text())
    # WHEN the handler receives it with the deployed function's environment
    with environment(pipeline.environment), redirect_stdout(io.StringIO()):
        handler_module.handler(tick, None)
    # THEN the work queue holds one item per member account x region
    queued = drain(factory.client("sqs"), pipeline.hub.work_queue_url)
    items = {(json.loads(m["Body"])["account_id"], json.loads(m["Body"])["region"]) for m in queued}
    assert items == {(m.account_id, m.region) for m in pipeline.members}


def test_sgc_local_worker_handles_the_queued_change_and_says_what_was_decided(
    factory: ClientFactory, pipeline: LocalPipeline, tmp_path: Path
) -> None:
    # GIVEN the deployed pipeline recorded where `sgc local worker` looks, and a change queued
    state = tmp_path / "local.json"
    PipelineState(state).save(pipeline)
    change = open_ssh(factory, pipeline)
    # WHEN the worker command runs for six seconds (room for a loaded machine: the first
    # event also builds the handler's wiring)
    # (logging as a new `sgc local worker` process has it: the decisions are its log lines)
    with library_logging_kept():
        as_in_a_fresh_process()
        result = CliRunner().invoke(local_app, ["worker", "--state", str(state), "--seconds", "6"])
    # THEN it handled the change, said what was decided, and the rule is gone
    assert result.exit_code == 0, result.output
    assert "AuthorizeSecurityGroupIngress" in result.output
    assert f"{change.group_id} revoke applied" in result.output
    assert ssh_rules(change) == []
